// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// TestMultiSURBBody: a body with several SURBs has the documented layout,
// parses back to the same SURBs, and each SURB carries its own reply.
func TestMultiSURBBody(t *testing.T) {
	w := newWorld(t)
	replyRoute := append(w.route[:3:3], w.ackRoute[3])
	store := NewReplyStore(0)
	var surbs []*sphinx.SURB
	var ids []sphinx.Identifier
	for range 5 {
		surb, keys, id, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Add(id, keys); err != nil {
			t.Fatal(err)
		}
		surbs, ids = append(surbs, surb), append(ids, id)
	}
	body, err := AttachSURBs(surbs, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != BodyOverhead(5)+5 || body[0] != BodyWithSURBs || binary.BigEndian.Uint16(body[1:]) != 5 {
		t.Fatalf("body header %x, length %d", body[:3], len(body))
	}
	for i, s := range surbs {
		b, _ := s.MarshalBinary()
		if !bytes.Equal(body[3+i*sphinx.SURBSize:3+(i+1)*sphinx.SURBSize], b) {
			t.Fatalf("SURB %d not at its offset", i)
		}
	}
	got, msg, err := ParseBody(body)
	if err != nil || string(msg) != "hello" || len(got) != 5 {
		t.Fatalf("ParseBody = %d SURBs, %q, %v", len(got), msg, err)
	}
	first, msg1, err := SplitBody(body)
	if err != nil || string(msg1) != "hello" || *first != *got[0] {
		t.Fatalf("SplitBody does not return the first SURB: %v", err)
	}
	for i := len(got) - 1; i >= 0; i-- { // any order
		hop, pkt, err := Reply(got[i], []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		_, u := w.net.walk(t, hop, pkt)
		if u.Identifier != ids[i] {
			t.Fatalf("reply %d has identifier %x", i, u.Identifier[:4])
		}
		r, err := store.OpenByIdentifier(u.Identifier, u.Payload)
		if err != nil || !bytes.Equal(r, []byte{byte(i)}) {
			t.Fatalf("reply %d = %x, %v", i, r, err)
		}
	}
	if store.Len() != 0 {
		t.Fatalf("%d key sets left after every reply", store.Len())
	}

	// 0 and 1 SURBs use the older layouts.
	if b, _ := AttachSURBs(nil, []byte("x")); !bytes.Equal(b, PlainBody([]byte("x"))) {
		t.Fatalf("no SURBs: %x", b)
	}
	one, _ := AttachSURBs(surbs[:1], []byte("x"))
	if want, _ := AttachSURB(surbs[0], []byte("x")); !bytes.Equal(one, want) {
		t.Fatal("one SURB does not use the one-SURB layout")
	}
	if _, err := AttachSURBs(make([]*sphinx.SURB, MaxSURBs+1), nil); err == nil {
		t.Fatal("more than MaxSURBs attached")
	}
}

// testSURBBytes returns an encoded SURB that parses.
func testSURBBytes(t testing.TB) []byte {
	hop, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&sphinx.SURB{Size: sphinx.Regular, FirstHop: hop}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBodyErrors(t *testing.T) {
	sb := testSURBBytes(t)
	two := append([]byte{BodyWithSURBs, 0, 2}, append(sb, sb...)...)
	if s, _, err := ParseBody(two); err != nil || len(s) != 2 {
		t.Fatalf("two SURBs: %d, %v", len(s), err)
	}
	badSize := bytes.Clone(two)
	badSize[3+sphinx.SURBSize] = 0xee
	for name, b := range map[string][]byte{
		"empty":      nil,
		"flag":       {0x03, 0, 1},
		"no count":   {BodyWithSURBs, 0},
		"zero count": {BodyWithSURBs, 0, 0},
		"over max":   binary.BigEndian.AppendUint16([]byte{BodyWithSURBs}, MaxSURBs+1),
		"truncated":  two[:len(two)-1],
		"short one":  {BodyWithSURB, 1},
		"bad SURB":   badSize,
	} {
		if _, _, err := ParseBody(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseBody(f *testing.F) {
	sb := testSURBBytes(f)
	f.Add(append(append([]byte{BodyWithSURBs, 0, 2}, append(sb, sb...)...), 'm'))
	f.Add([]byte{BodyWithSURBs, 0xff, 0xff})
	f.Add([]byte{BodyPlain})
	f.Fuzz(func(t *testing.T, b []byte) {
		surbs, msg, err := ParseBody(b)
		if err != nil {
			return
		}
		// What parses re-encodes to the same bytes.
		out, err := AttachSURBs(surbs, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, b) && !(len(surbs) == 1 && b[0] == BodyWithSURBs) {
			t.Fatalf("re-encoding differs:\n%x\n%x", out, b)
		}
	})
}
