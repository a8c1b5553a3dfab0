// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/sphinx"
)

// fixedKeys returns reply keys for a 4-hop Regular SURB whose seeds are
// seed, seed+1, ... byte by byte, decoded from their documented layout.
func fixedKeys(t testing.TB, seed byte) (*sphinx.ReplyKeys, []byte) {
	t.Helper()
	b := []byte{byte(sphinx.Regular), 4}
	for i := range 5 * sphinx.PayloadKeySeedSize {
		b = append(b, seed+byte(i))
	}
	k := new(sphinx.ReplyKeys)
	if err := k.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return k, b
}

// TestReplyStoreEncoding checks the byte layout against one written out by
// hand from the format's description: entries sorted by identifier, nil key
// sets left out.
func TestReplyStoreEncoding(t *testing.T) {
	s := NewReplyStore(0)
	k1, kb1 := fixedKeys(t, 0x10)
	k2, kb2 := fixedKeys(t, 0x80)
	id1, id2 := sphinx.Identifier{0x01, 0xaa}, sphinx.Identifier{0x02}
	for id, k := range map[sphinx.Identifier]*sphinx.ReplyKeys{id2: k2, id1: k1, {0x03}: nil} {
		if err := s.Add(id, k); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("NRKS\x02\x00\x00\x00\x02")
	noExpiry := make([]byte, 8)
	want = append(append(append(append(want, id1[:]...), noExpiry...), 0x00, 0x52), kb1...)
	want = append(append(append(append(want, id2[:]...), noExpiry...), 0x00, 0x52), kb2...)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %s\nwant %s", hex.EncodeToString(got), hex.EncodeToString(want))
	}
	empty, err := NewReplyStore(0).MarshalBinary()
	if err != nil || string(empty) != "NRKS\x02\x00\x00\x00\x00" {
		t.Fatalf("empty store encodes to %x, %v", empty, err)
	}
}

// TestReplyStoreRoundTrip: keys saved from one store and loaded into
// another open a reply sent through the SURB.
func TestReplyStoreRoundTrip(t *testing.T) {
	w := newWorld(t)
	replyRoute := append(w.route[:3:3], w.ackRoute[3])
	saved := NewReplyStore(0)
	surb, keys, id, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	if err := saved.Add(id, keys); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // more key sets around it
		k, _ := fixedKeys(t, byte(i))
		if err := saved.Add(sphinx.Identifier{byte(i), 0xee}, k); err != nil {
			t.Fatal(err)
		}
	}
	blob, err := saved.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	loaded := NewReplyStore(0)
	if err := loaded.Add(sphinx.Identifier{0x77}, keys); err != nil { // replaced by the load
		t.Fatal(err)
	}
	if err := loaded.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if loaded.Len() != 4 {
		t.Fatalf("loaded %d key sets, want 4", loaded.Len())
	}
	again, err := loaded.MarshalBinary()
	if err != nil || !bytes.Equal(again, blob) {
		t.Fatalf("re-encoding differs (%v)", err)
	}
	hop, pkt, err := Reply(surb, []byte("after restart"))
	if err != nil {
		t.Fatal(err)
	}
	_, u := w.net.walk(t, hop, pkt)
	got, err := loaded.OpenByIdentifier(u.Identifier, u.Payload)
	if err != nil || string(got) != "after restart" {
		t.Fatalf("reply through loaded keys = %q, %v", got, err)
	}
}

func TestReplyStoreDecodeErrors(t *testing.T) {
	s := NewReplyStore(0)
	k, _ := fixedKeys(t, 1)
	if err := s.Add(sphinx.Identifier{1}, k); err != nil {
		t.Fatal(err)
	}
	good, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dup := append(bytes.Clone(good[:9]), good[9:]...)
	dup[8] = 2
	dup = append(dup, good[9:]...)
	badKeys := bytes.Clone(good)
	badKeys[9+26] = 0xee // size type
	negExpiry := bytes.Clone(good)
	negExpiry[9+16] = 0x80
	for name, b := range map[string][]byte{
		"empty":        nil,
		"magic":        append([]byte("XRKS"), good[4:]...),
		"version":      append([]byte("NRKS\x03"), good[5:]...),
		"huge count":   append([]byte("NRKS\x02\xff\xff\xff\xff"), good[9:]...),
		"negative exp": negExpiry,
		"truncated":    good[:len(good)-1],
		"trailing":     append(bytes.Clone(good), 0),
		"duplicate id": dup,
		"bad keys":     badKeys,
	} {
		t.Run(name, func(t *testing.T) {
			loaded := NewReplyStore(0)
			if err := loaded.Add(sphinx.Identifier{9}, k); err != nil {
				t.Fatal(err)
			}
			if err := loaded.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if loaded.Len() != 1 {
				t.Fatal("a failed load changed the store")
			}
		})
	}
	small := NewReplyStore(1)
	two := NewReplyStore(0)
	for i := range 2 {
		if err := two.Add(sphinx.Identifier{byte(i)}, k); err != nil {
			t.Fatal(err)
		}
	}
	blob, _ := two.MarshalBinary()
	// Saved under a higher limit: the store keeps what fits (both never
	// expire, so the higher identifier stays) and counts the eviction.
	if err := small.UnmarshalBinary(blob); err != nil {
		t.Fatalf("over the limit: err = %v, want the newest kept", err)
	}
	if _, ok := small.keys[sphinx.Identifier{1}]; small.Len() != 1 || !ok || small.Evicted() != 1 {
		t.Fatalf("over the limit: %d key sets (identifier 1 kept: %v), %d evicted; want 1, true, 1", small.Len(), ok, small.Evicted())
	}
}

func FuzzReplyStoreUnmarshal(f *testing.F) {
	s := NewReplyStore(0)
	k, _ := fixedKeys(f, 3)
	_ = s.Add(sphinx.Identifier{1}, k)
	good, _ := s.MarshalBinary()
	f.Add(good)
	f.Add([]byte("NRKS\x01\x00\x00\x00\x00"))
	f.Add([]byte("NRKS\x02\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewReplyStore(8)
		if err := s.UnmarshalBinary(b); err != nil {
			if s.Len() != 0 {
				t.Fatal("a failed load left keys")
			}
			return
		}
		// What decodes re-encodes to the same bytes (the format is
		// canonical only for sorted input, so compare by decoding again).
		out, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		s2 := NewReplyStore(8)
		if err := s2.UnmarshalBinary(out); err != nil || s2.Len() != s.Len() {
			t.Fatalf("re-encoded store does not decode: %v", err)
		}
		if b[4] == replyStateVersion && len(out) != len(b) {
			t.Fatalf("re-encoding is %d bytes, input %d", len(out), len(b))
		}
	})
}

// TestReplyStoreVersion1: a store saved before keys expired (version 1, no
// expiry field) loads, with keys that never expire.
func TestReplyStoreVersion1(t *testing.T) {
	k, kb := fixedKeys(t, 0x10)
	id := sphinx.Identifier{0x05}
	v1 := []byte("NRKS\x01\x00\x00\x00\x01")
	v1 = append(append(append(v1, id[:]...), 0x00, 0x52), kb...)
	s := NewReplyStore(0)
	if err := s.UnmarshalBinary(v1); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || s.Expire(time.Unix(1<<40, 0)) != 0 {
		t.Fatalf("loaded %d key sets; want 1 that never expires", s.Len())
	}
	want, _ := k.MarshalBinary()
	got, _ := s.keys[id].keys.MarshalBinary()
	if !bytes.Equal(got, want) {
		t.Fatal("version-1 keys decoded wrong")
	}
}

// TestReplyStoreExpiry: keys added with AddUntil go at their expiry time on
// a fake clock, and survive an encode/decode with it.
func TestReplyStoreExpiry(t *testing.T) {
	clk := clocktest.NewFake(time.Unix(1_700_000_000, 0))
	ttl := 24 * time.Hour
	s := NewReplyStore(3)
	k, _ := fixedKeys(t, 1)
	if err := s.AddUntil(sphinx.Identifier{1}, k, clk.Now().Add(ttl)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if err := s.AddUntil(sphinx.Identifier{2}, k, clk.Now().Add(ttl)); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(sphinx.Identifier{3}, k); err != nil { // never expires
		t.Fatal(err)
	}
	// A full store evicts the key set closest to expiry (1) for a new one.
	if err := s.AddUntil(sphinx.Identifier{4}, k, clk.Now().Add(ttl)); err != nil {
		t.Fatalf("fourth key set in a store of 3: %v", err)
	}
	if _, ok := s.keys[sphinx.Identifier{1}]; ok || s.Len() != 3 || s.Evicted() != 1 {
		t.Fatalf("after the fourth: oldest kept %v, %d stored, %d evicted", ok, s.Len(), s.Evicted())
	}
	s.Remove(sphinx.Identifier{4})
	if err := s.AddUntil(sphinx.Identifier{1}, k, clk.Now().Add(ttl-time.Hour)); err != nil {
		t.Fatal(err)
	}
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	loaded := NewReplyStore(3)
	if err := loaded.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*ReplyStore{s, loaded} {
		clk := clocktest.NewFake(time.Unix(1_700_000_000, 0))
		clk.Advance(ttl - time.Nanosecond)
		if n := st.Expire(clk.Now()); n != 0 {
			t.Fatalf("%d key sets expired before the TTL", n)
		}
		clk.Advance(time.Nanosecond)
		if n := st.Expire(clk.Now()); n != 1 || st.Len() != 2 {
			t.Fatalf("at the TTL %d expired, %d left; want 1, 2", n, st.Len())
		}
		if _, ok := st.keys[sphinx.Identifier{1}]; ok {
			t.Fatal("the oldest key set is still stored")
		}
		clk.Advance(time.Hour)
		if n := st.Expire(clk.Now()); n != 1 || st.Len() != 1 || st.Free() != 2 {
			t.Fatalf("an hour later %d expired, %d left", n, st.Len())
		}
	}
}

// TestReplyStoreEviction: a full store makes room by evicting the key sets
// closest to expiry, never-expiring ones last; only a request beyond the
// whole limit fails with ErrStoreFull.
func TestReplyStoreEviction(t *testing.T) {
	k, _ := fixedKeys(t, 7)
	base := time.Unix(1_700_000_000, 0)
	s := NewReplyStore(4)
	// Identifier i expires i hours from base; 9 never expires.
	for _, i := range []byte{3, 9, 1, 2} {
		exp := base.Add(time.Duration(i) * time.Hour)
		if i == 9 {
			exp = time.Time{}
		}
		if err := s.AddUntil(sphinx.Identifier{i}, k, exp); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.MakeRoom(0); n != 0 || err != nil {
		t.Fatalf("MakeRoom(0) = %d, %v", n, err)
	}
	if n, err := s.MakeRoom(5); n != 0 || !errors.Is(err, ErrStoreFull) || s.Len() != 4 {
		t.Fatalf("MakeRoom beyond the limit = %d, %v with %d left; want 0, ErrStoreFull, 4", n, err, s.Len())
	}
	if n, err := s.MakeRoom(2); n != 2 || err != nil {
		t.Fatalf("MakeRoom(2) = %d, %v; want 2 evicted", n, err)
	}
	for id, want := range map[byte]bool{1: false, 2: false, 3: true, 9: true} {
		if _, ok := s.keys[sphinx.Identifier{id}]; ok != want {
			t.Errorf("identifier %d stored %v, want %v", id, ok, want)
		}
	}
	// A key set added after the room was made needs no more evictions;
	// then one more evicts 3, the oldest left, before 9.
	for _, i := range []byte{4, 5} {
		if err := s.AddUntil(sphinx.Identifier{i}, k, base.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Evicted() != 2 || s.Len() != 4 {
		t.Fatalf("%d evicted, %d stored; want 2, 4", s.Evicted(), s.Len())
	}
	if err := s.AddUntil(sphinx.Identifier{6}, k, base.Add(6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.keys[sphinx.Identifier{3}]; ok || s.Evicted() != 3 {
		t.Fatalf("identifier 3 kept %v, %d evicted; want it evicted, 3", ok, s.Evicted())
	}
	// Replacing a stored identifier evicts nothing.
	if err := s.AddUntil(sphinx.Identifier{6}, k, base.Add(7*time.Hour)); err != nil || s.Evicted() != 3 {
		t.Fatalf("replacing: %v, %d evicted", err, s.Evicted())
	}
}
