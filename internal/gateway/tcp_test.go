// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

// TestEndToEndOverTCP sends real Sphinx packets through two mix nodes and a
// gateway node on loopback TCP: a connected client receives the message,
// and its SURB-ack reaches the ack's first hop once the client acks it; a
// message for the client while it is offline is stored, its SURB-ack
// forwarded, and it is delivered (flagged stored) when the client returns.
func TestEndToEndOverTCP(t *testing.T) {
	leaktest.Check(t)
	sink := startSink(t)
	m1, m2 := startMix(t), startMix(t)
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "inbox.db"), boltstore.Config{}, boltstore.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	gwn, err := startGatewayNode(id, key, store, store, listen(t), listen(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer gwn.stop()
	u := newUser(t)
	dial := func() *gwclient.Client {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := gwclient.Dial(ctx, gwn.wsURL, u.id, id.Public().(ed25519.PublicKey), u.keys, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	route := []sphinx.Hop{m1.hop(3 * time.Millisecond), m2.hop(3 * time.Millisecond), gwn.hop}
	send := func(tag, body string) {
		pkt, err := forwardPacket(sink, route, u.dest(), []byte(tag), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := sendFrames(m1.node.Addr(), pkt); err != nil {
			t.Fatal(err)
		}
	}
	wantAck := func(tag string) {
		t.Helper()
		select {
		case got := <-sink.acks:
			if !bytes.Equal(got, []byte(tag)) {
				t.Fatalf("SURB-ack carries %q, want %q", got, tag)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("SURB-ack %q did not reach its first hop", tag)
		}
	}

	c := dial()
	send("ack live", "hello over three hops")
	d := receive(t, c)
	if string(d.Data) != "hello over three hops" || d.Stored() || d.Reply() {
		t.Fatalf("live delivery %q flags %#x", d.Data, d.Flags)
	}
	select {
	case a := <-sink.acks:
		t.Fatalf("SURB-ack %q forwarded before the client acked", a)
	case <-time.After(50 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ack(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	wantAck("ack live")
	c.Close()

	waitFor(t, "the session to end", func() bool { return gwn.gw.Stats().ConnectedClients == 0 })
	send("ack stored", "while you were away")
	wantAck("ack stored") // forwarded only once the message is durable
	c = dial()
	defer c.Close()
	if c.Registered() {
		t.Fatal("the client registered again")
	}
	d = receive(t, c)
	if string(d.Data) != "while you were away" || !d.Stored() {
		t.Fatalf("stored delivery %q flags %#x", d.Data, d.Flags)
	}
	if err := c.Ack(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the inbox to empty", func() bool { return gwn.gw.Stats().StoredMessages == 0 })
	if st := m1.node.Stats(); st.Received != 2 || sum(st.Dropped) != 0 {
		t.Errorf("first mix stats: %+v", st)
	}
}

func sum[K comparable](m map[K]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}
