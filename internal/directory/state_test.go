// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
)

// restart builds a new server from the same config on the same clock, as
// a directory restarted with the same state file.
func (e *env) restart(cfg Config) *env {
	e.t.Helper()
	srv, err := New(cfg, Deps{Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return &env{t: e.t, clock: e.clock, srv: srv}
}

func readStateFile(t *testing.T, path string) stateFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return f
}

// A restarted directory still refuses a hijack of a key bound before the
// restart: the binding was on disk before the owner got its 201.
func TestBindingSurvivesRestart(t *testing.T) {
	cfg := Config{StateFile: filepath.Join(t.TempDir(), "sub", "bindings.json")}
	e := newEnv(t, cfg)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	// No SaveState and no Serve: the new binding must already be durable.

	e.clock.Advance(time.Second)
	e2 := e.restart(cfg)
	if n := len(e2.topology().MixNodes); n != 0 {
		t.Fatalf("records restored: %d (only bindings are kept)", n)
	}
	hijack := mix(1, 3)
	hijack.Host = "6.6.6.6:1789"
	wantError(t, e2.post(dirapi.PathPresenceMixNodes, signed(hijack, 2, e.clock.Now())), http.StatusForbidden,
		"pubKey is bound to another identityKey")
	e2.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))

	f := readStateFile(t, cfg.StateFile)
	if f.Version != 1 || len(f.Bindings) != 1 || f.Bindings[0].PubKey != sphinxKey(1) ||
		f.Bindings[0].IdentityKey != identityKey(1) {
		t.Fatalf("state file = %+v", f)
	}
	for _, p := range []string{cfg.StateFile, filepath.Dir(cfg.StateFile)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700 | os.ModeDir
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
}

// Refreshes are written by SaveState (Serve's periodic flush), and the
// replay check survives a restart.
func TestBindingRefreshSaved(t *testing.T) {
	cfg := Config{StateFile: filepath.Join(t.TempDir(), "bindings.json")}
	e := newEnv(t, cfg)
	first := signed(mix(1, 1), 1, e.clock.Now())
	e.mustPost(dirapi.PathPresenceMixNodes, first)
	e.clock.Advance(time.Hour)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	if got := readStateFile(t, cfg.StateFile).Bindings[0].LastSigned; got != epoch.UnixNano() {
		t.Fatalf("refresh written at once (lastSigned %d); want it debounced", got)
	}
	if err := e.srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	if got := readStateFile(t, cfg.StateFile).Bindings[0].LastSigned; got != e.clock.Now().UnixNano() {
		t.Fatalf("lastSigned = %d after SaveState, want %d", got, e.clock.Now().UnixNano())
	}
	// 23 h later the refreshed binding is still there (the first one would
	// have expired at 24 h).
	e.clock.Advance(23 * time.Hour)
	e2 := e.restart(cfg)
	hijack := signed(mix(1, 3), 2, e.clock.Now())
	wantError(t, e2.post(dirapi.PathPresenceMixNodes, hijack), http.StatusForbidden, "pubKey is bound")
}

// Expired bindings are not restored, and the rewritten file drops them.
func TestExpiredBindingNotRestored(t *testing.T) {
	cfg := Config{StateFile: filepath.Join(t.TempDir(), "bindings.json")}
	e := newEnv(t, cfg)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.clock.Advance(DefaultBindingTTL)
	e2 := e.restart(cfg)
	e2.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 2, e.clock.Now()))
	if got := readStateFile(t, cfg.StateFile).Bindings; len(got) != 1 || got[0].IdentityKey != identityKey(2) {
		t.Fatalf("bindings = %+v", got)
	}
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	valid := `{"pubKey":"` + sphinxKey(1) + `","identityKey":"` + identityKey(1) + `","lastSigned":1,"lastTimestamp":1}`
	for name, content := range map[string]string{
		"corrupt":   `{"version":1,"bindings":[`,
		"version":   `{"version":2,"bindings":[]}`,
		"noversion": `{"bindings":[]}`,
		"trailing":  `{"version":1,"bindings":[]} x`,
		"badkey":    `{"version":1,"bindings":[{"pubKey":"x","identityKey":"y","lastSigned":1,"lastTimestamp":1}]}`,
		"duplicate": `{"version":1,"bindings":[` + valid + `,` + valid + `]}`,
	} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(Config{StateFile: path}, Deps{})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: New = %v, want an error naming %s", name, err, path)
		}
	}
}

func TestRemoveBinding(t *testing.T) {
	cfg := Config{StateFile: filepath.Join(t.TempDir(), "bindings.json")}
	e := newEnv(t, cfg)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(2, 1), 1, e.clock.Now()))
	id, err := RemoveBinding(cfg.StateFile, sphinxKey(1))
	if err != nil || id != identityKey(1) {
		t.Fatalf("RemoveBinding = %q, %v", id, err)
	}
	if _, err := RemoveBinding(cfg.StateFile, sphinxKey(1)); err == nil {
		t.Error("removing an unbound key succeeded")
	}
	e2 := e.restart(cfg)
	e2.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 2, e.clock.Now()))
	wantError(t, e2.post(dirapi.PathPresenceMixNodes, signed(mix(2, 1), 2, e.clock.Now())), http.StatusForbidden,
		"pubKey is bound")
}

// Serve writes pending refreshes when it stops.
func TestServeFlushesState(t *testing.T) {
	cfg := Config{StateFile: filepath.Join(t.TempDir(), "bindings.json")}
	clk := clocktest.NewFake(epoch)
	srv, err := New(cfg, Deps{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: clk, srv: srv}
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, clk.Now()))
	clk.Advance(time.Minute)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, clk.Now()))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once
	if err := srv.Serve(ctx, ln); err != nil {
		t.Fatal(err)
	}
	if got := readStateFile(t, cfg.StateFile).Bindings[0].LastSigned; got != clk.Now().UnixNano() {
		t.Fatalf("lastSigned = %d after Serve stopped, want %d", got, clk.Now().UnixNano())
	}
}

// A new binding that cannot be written is not acknowledged.
func TestStateWriteFailure(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "sub")
	cfg := Config{StateFile: filepath.Join(sub, "bindings.json")}
	e := newEnv(t, cfg)
	// Replace the directory by a file: every later write fails.
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.post(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now())),
		http.StatusServiceUnavailable, "directory could not save the new binding")
	if err := e.srv.SaveState(); err == nil {
		t.Error("SaveState succeeded")
	}
}
