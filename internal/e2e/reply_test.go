// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// TestReplyOpenByIdentifier sends a reply through a SURB and opens it with
// the identifier the gateway delivers: only the keys stored under it are
// used, wrong identifiers leave the store as it was, and the keys are
// single-use.
func TestReplyOpenByIdentifier(t *testing.T) {
	w := newWorld(t)
	store := NewReplyStore(0)
	replyRoute := append(w.route[:3:3], w.ackRoute[3])
	_, otherKeys, otherID, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	surb, keys, id, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []struct {
		id   sphinx.Identifier
		keys *sphinx.ReplyKeys
	}{{otherID, otherKeys}, {id, keys}} {
		if err := store.Add(kv.id, kv.keys); err != nil {
			t.Fatal(err)
		}
	}
	body, err := AttachSURB(surb, []byte("ping"))
	if err != nil {
		t.Fatal(err)
	}
	held, _, err := SplitBody(body)
	if err != nil {
		t.Fatal(err)
	}
	hop, pkt, err := Reply(held, []byte("pong"))
	if err != nil {
		t.Fatal(err)
	}
	_, u := w.net.walk(t, hop, pkt)
	if u.Identifier != id {
		t.Fatalf("final hop identifier %x, want %x", u.Identifier, id)
	}
	payload := bytes.Clone(u.Payload)

	for name, wrong := range map[string]sphinx.Identifier{"unknown": {0xff}, "another SURB's": otherID} {
		if _, err := store.OpenByIdentifier(wrong, payload); !errors.Is(err, ErrNoReplyKeys) {
			t.Fatalf("%s identifier: err = %v, want ErrNoReplyKeys", name, err)
		}
	}
	if _, err := store.OpenByIdentifier(id, payload[1:]); !errors.Is(err, ErrNoReplyKeys) {
		t.Fatalf("short payload: err = %v, want ErrNoReplyKeys", err)
	}
	if store.Len() != 2 {
		t.Fatalf("failed opens changed the store: %d key sets, want 2", store.Len())
	}
	got, err := store.OpenByIdentifier(id, payload)
	if err != nil || string(got) != "pong" {
		t.Fatalf("OpenByIdentifier = %q, %v", got, err)
	}
	if !bytes.Equal(payload, u.Payload) {
		t.Fatal("OpenByIdentifier modified the payload")
	}
	if store.Len() != 1 {
		t.Fatalf("store holds %d key sets after the reply, want 1", store.Len())
	}
	if _, err := store.OpenByIdentifier(id, payload); !errors.Is(err, ErrNoReplyKeys) {
		t.Fatalf("second open = %v, want ErrNoReplyKeys", err)
	}
	// A nil key set is refused, not dereferenced.
	if err := store.Add(sphinx.Identifier{9}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenByIdentifier(sphinx.Identifier{9}, payload); !errors.Is(err, ErrNoReplyKeys) {
		t.Fatalf("nil keys: err = %v", err)
	}
}
