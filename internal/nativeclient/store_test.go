// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/sphinx"
)

func TestReplyKeysFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data", ReplyKeysFile)
	r := NewReplyKeys(p)
	if b, err := r.LoadReplyKeys(); b != nil || err != nil {
		t.Fatalf("empty store: %x, %v", b, err)
	}
	for _, state := range [][]byte{[]byte("first"), []byte("second, longer")} {
		if err := r.SaveReplyKeys(state); err != nil {
			t.Fatal(err)
		}
		if b, err := NewReplyKeys(p).LoadReplyKeys(); !bytes.Equal(b, state) || err != nil {
			t.Fatalf("loaded %q, %v; want %q", b, err, state)
		}
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

func TestGatewayKeysFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), GatewayKeysDir)
	g := NewGatewayKeys(dir)
	gw, _, _ := ed25519.GenerateKey(nil)
	if _, ok, err := g.LoadKey(gw); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	if err := g.SaveKey(gw, key); err != nil {
		t.Fatal(err)
	}
	if k, ok, err := NewGatewayKeys(dir).LoadKey(gw); !ok || err != nil || !bytes.Equal(k, key) {
		t.Fatalf("loaded %x %v %v", k, ok, err)
	}
	if err := g.SaveKey(gw, []byte("short")); err != nil {
		t.Fatal(err) // keyfile stores any bytes; loading checks the size
	}
	if _, _, err := g.LoadKey(gw); err == nil {
		t.Fatal("a malformed key loaded")
	}
}

// TestTopologyCachePolicy: usable fetches are cached, unusable ones are
// not; a failed fetch returns the cache only while there is no topology.
func TestTopologyCachePolicy(t *testing.T) {
	good := syntheticTopology(t)
	empty := &dirapi.Topology{}
	down := errors.New("directory down")
	var next *dirapi.Topology
	var nextErr error
	hasCurrent := false
	log, logs := logtest.New()
	c := &topologyCache{
		path:       filepath.Join(t.TempDir(), TopologyCacheFile),
		fetch:      func(context.Context) (*dirapi.Topology, error) { return next, nextErr },
		hasCurrent: func() bool { return hasCurrent },
		log:        log,
	}
	ctx := context.Background()
	// No cache yet: the failure passes through.
	next, nextErr = nil, down
	if _, err := c.Fetch(ctx); !errors.Is(err, down) {
		t.Fatalf("no cache: %v", err)
	}
	// An unusable topology is returned but not cached.
	next, nextErr = empty, nil
	if got, err := c.Fetch(ctx); got != empty || err != nil {
		t.Fatal(got, err)
	}
	if _, err := os.Stat(c.path); err == nil {
		t.Fatal("an empty topology was cached")
	}
	next = good
	if got, err := c.Fetch(ctx); got != good || err != nil {
		t.Fatal(got, err)
	}
	st, err := os.Stat(c.path)
	if err != nil {
		t.Fatal(err)
	}
	// The same topology again is not rewritten; an empty one leaves the
	// cache as it is.
	for _, t2 := range []*dirapi.Topology{good, empty} {
		next = t2
		c.Fetch(ctx)
		if st2, _ := os.Stat(c.path); !os.SameFile(st, st2) {
			t.Fatal("the cache was rewritten")
		}
	}
	// Directory down with a current topology: the error passes through.
	next, nextErr, hasCurrent = nil, down, true
	if _, err := c.Fetch(ctx); !errors.Is(err, down) {
		t.Fatalf("with a current topology: %v", err)
	}
	// Without one (a restart): the cache, read by a fresh wrapper.
	hasCurrent = false
	c2 := &topologyCache{path: c.path, fetch: c.fetch, hasCurrent: c.hasCurrent, log: log}
	got, err := c2.Fetch(ctx)
	if err != nil || len(got.MixNodes) != len(good.MixNodes) || got.GatewayNodes[0].IdentityKey != good.GatewayNodes[0].IdentityKey {
		t.Fatalf("from the cache: %+v, %v", got, err)
	}
	if !usable(got, c.opts) || logs.Count("using the cached topology") != 1 {
		t.Fatalf("cached topology unusable or not logged:\n%s", logs.String())
	}
	// A corrupt cache is reported and the failure passes through.
	os.WriteFile(c.path, []byte("{"), 0o600)
	if _, err := c2.Fetch(ctx); !errors.Is(err, down) || logs.Count("topology cache unreadable") != 1 {
		t.Fatalf("corrupt cache: %v\n%s", err, logs.String())
	}
}

// syntheticTopology returns a usable directory topology: a mix node in
// each layer and one signed gateway. (A real network can't be started here:
// internal/node imports this package.)
func syntheticTopology(t *testing.T) *dirapi.Topology {
	t.Helper()
	var top dirapi.Topology
	for layer := uint64(1); layer <= 3; layer++ {
		key, err := sphinx.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub := key.Public()
		top.MixNodes = append(top.MixNodes, dirapi.MixNodePresence{Host: fmt.Sprintf("127.0.0.1:%d", 1000+layer),
			PubKey: base58.Encode(pub[:]), Layer: layer})
	}
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public()
	gw := dirapi.GatewayPresence{MixnetListener: "127.0.0.1:1789", ClientListener: "ws://127.0.0.1:9000",
		PubKey: base58.Encode(pub[:])}
	dirapi.Sign(&gw, id, time.Now())
	top.GatewayNodes = append(top.GatewayNodes, gw)
	return &top
}

// TestWriteFileAtomicSyncsDirectory: the state file's directory is synced
// after the rename, so that the new file survives a power loss.
func TestWriteFileAtomicSyncsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := filepath.Join(dir, ReplyKeysFile)
	var synced []string
	syncDir = func(d string) error {
		if b, err := os.ReadFile(p); err != nil || string(b) != "state" {
			t.Errorf("directory synced before the rename: %q, %v", b, err)
		}
		synced = append(synced, d)
		return atomicfile.SyncDir(d)
	}
	t.Cleanup(func() { syncDir = atomicfile.SyncDir })
	if err := NewReplyKeys(p).SaveReplyKeys([]byte("state")); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("synced %q, want [%q]", synced, dir)
	}
	syncDir = func(string) error { return errors.New("disk on fire") }
	if err := NewReplyKeys(p).SaveReplyKeys([]byte("more")); err == nil {
		t.Fatal("SaveReplyKeys ignored a failed directory sync")
	}
}
