// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/nativeclient/nettest"
)

// running is a client started by startClient.
type running struct {
	nativeclient.Addrs
	Log  *logtest.Buffer
	stop func() error
	once sync.Once
	err  error
}

// startClient runs the client id under root until Stop (also called at
// cleanup) and waits until its API listens.
func startClient(t *testing.T, root, id string) *running {
	t.Helper()
	log, buf := logtest.New()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan nativeclient.Addrs, 1)
	done := make(chan error, 1)
	var stdout logtest.Buffer
	go func() {
		done <- nativeclient.Run(ctx, nativeclient.RunOptions{Home: root, ID: id, Logger: log, Stdout: &stdout, Ready: func(a nativeclient.Addrs) { ready <- a }})
	}()
	r := &running{Log: buf}
	r.stop = func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(nativeclient.ShutdownTimeout + time.Second):
			t.Errorf("nativeclient.Run of %s did not stop within %v", id, nativeclient.ShutdownTimeout)
			return nil
		}
	}
	select {
	case r.Addrs = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("nativeclient.Run %s: %v", id, err)
	case <-time.After(10 * time.Second):
		r.Stop()
		t.Fatalf("nativeclient.Run %s did not get ready", id)
	}
	t.Cleanup(func() { r.Stop() })
	if !strings.Contains(stdout.String(), r.Address) || !strings.Contains(stdout.String(), r.URL()) {
		t.Errorf("banner lacks the address or API URL:\n%s", stdout.String())
	}
	return r
}

// Stop cancels the client and returns nativeclient.Run's error.
func (r *running) Stop() error {
	r.once.Do(func() { r.err = r.stop() })
	return r.err
}

// dial connects to a running client's API.
func dial(t *testing.T, r *running) *clientapi.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := clientapi.Dial(ctx, r.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// receive waits for one message on c.
func receive(t *testing.T, c *clientapi.Conn, within time.Duration) clientapi.Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	m, err := c.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return m
}

// TestRestartReceivesStored: a client restarted from its files keeps its
// address and gets what its gateway stored while it was away.
func TestRestartReceivesStored(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	net := nettest.Start(t, root, 1)
	_, addrA, _ := initClient(t, root, "alice", net, "", false)
	initClient(t, root, "bob", net, "", false)

	a := startClient(t, root, "alice")
	if a.Address != addrA.String() {
		t.Fatalf("running address %s, init said %s", a.Address, addrA)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if self, err := dial(t, a).SelfAddress(ctx); err != nil || self != addrA.String() {
		t.Fatalf("selfAddress = %q, %v", self, err)
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("nativeclient.Run alice: %v", err)
	}

	b := startClient(t, root, "bob")
	// Alice's last loop cover can still land in her inbox, so a stored
	// message alone does not show Bob's arrived. Bob's message carries a
	// SURB-ack (cover does not), which the gateway forwards once it has
	// stored the message durably: wait for that, since Bob stopping earlier
	// would lose the message still queued in his client.
	acks := net.GatewayStats(t, 0).Counters["surb_acks_forwarded"]
	if err := dial(t, b).Send(ctx, addrA.String(), []byte("while you were away"), false); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the gateway to store Bob's message for the offline client", 20*time.Second, func() bool {
		st := net.GatewayStats(t, 0)
		return st.StoredMessages > 0 && st.Counters["surb_acks_forwarded"] > acks
	})
	if err := b.Stop(); err != nil {
		t.Fatalf("nativeclient.Run bob: %v", err)
	}

	a = startClient(t, root, "alice")
	if a.Address != addrA.String() {
		t.Fatalf("restarted with address %s, was %s", a.Address, addrA)
	}
	if m := receive(t, dial(t, a), 20*time.Second); string(m.Message) != "while you were away" || m.ReplySURB != nil {
		t.Fatalf("received %q (reply SURB %x)", m.Message, m.ReplySURB)
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("nativeclient.Run alice: %v", err)
	}
}

// TestDirectoryDown: with the directory stopped, restarted clients start
// from their cached topology and can send, and with the gateway key
// deleted a client registers again.
func TestDirectoryDown(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	net := nettest.Start(t, root, 1)
	_, addrA, _ := initClient(t, root, "alice", net, "", false)
	initClient(t, root, "bob", net, "", false)
	net.StopDirectory()

	// bob's data/ loses its shared key: it registers again at run.
	bobDir, _ := home.For(root, home.Client, "bob")
	if err := os.RemoveAll(bobDir.Data(nativeclient.GatewayKeysDir)); err != nil {
		t.Fatal(err)
	}
	a := startClient(t, root, "alice")
	b := startClient(t, root, "bob")
	ca := dial(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msg := bytes.Repeat([]byte("cached topology "), 1000) // several fragments
	if err := dial(t, b).Send(ctx, addrA.String(), msg, true); err != nil {
		t.Fatal(err)
	}
	m := receive(t, ca, 20*time.Second)
	if !bytes.Equal(m.Message, msg) || m.ReplySURB == nil {
		t.Fatalf("received %d bytes (want %d), reply SURB %v", len(m.Message), len(msg), m.ReplySURB != nil)
	}
	if a.Log.Count("using the cached topology") == 0 {
		t.Errorf("alice did not log that it used the cache:\n%s", a.Log.String())
	}
	if _, err := os.Stat(bobDir.Data(nativeclient.GatewayKeysDir)); err != nil {
		t.Errorf("bob did not store a new gateway key: %v", err)
	}
	for _, r := range []*running{a, b} {
		if err := r.Stop(); err != nil {
			t.Errorf("nativeclient.Run: %v", err)
		}
	}
}
