// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"testing"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// TestStoredReplyKeepsIdentifier checks that a reply stored for an offline
// client is delivered from the inbox with its identifier, and that a
// record stored before identifiers (flag reply alone) still delivers its
// data whole.
func TestStoredReplyKeepsIdentifier(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	e.dial(u).Close()
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 0 })
	raw := make([]byte, sphinx.Regular.PayloadSize())
	rand.Read(raw)
	ident := sphinx.Identifier{7, 15: 9}
	e.gw.Final(&sphinx.Unwrapped{Action: sphinx.Final, Size: sphinx.Regular, Destination: u.dest(), Identifier: ident, Payload: raw})
	// A record as older gateways stored it: id (u64) ‖ flags (1) ‖ data.
	old := append(binary.BigEndian.AppendUint64(nil, 1<<40), gwproto.FlagReply)
	old = append(old, raw...)
	if _, err := e.store.Put(context.Background(), storage.ClientID(u.dest()), old); err != nil {
		t.Fatal(err)
	}
	c := e.dial(u)
	d := receive(t, c)
	if !d.Stored() || !d.Reply() || !d.HasIdentifier() || d.Identifier != ident || !bytes.Equal(d.Data, raw) {
		t.Fatalf("stored reply: stored=%v reply=%v identifier=%v %x len=%d", d.Stored(), d.Reply(), d.HasIdentifier(), d.Identifier, len(d.Data))
	}
	d = receive(t, c)
	if !d.Reply() || d.HasIdentifier() || d.Identifier != (sphinx.Identifier{}) || !bytes.Equal(d.Data, raw) {
		t.Fatalf("old stored reply: reply=%v identifier=%v len=%d", d.Reply(), d.HasIdentifier(), len(d.Data))
	}
}
