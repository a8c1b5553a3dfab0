// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto_test

import (
	"bytes"
	"testing"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
)

// FuzzFrames feeds arbitrary plaintexts to the frame parsers: they never
// panic, and what they accept re-encodes to the same bytes.
func FuzzFrames(f *testing.F) {
	f.Add(gwproto.AppendSend(nil, sphinx.NodeAddress{1}, sphinx.Ack, make([]byte, sphinx.Ack.PacketSize())))
	f.Add(gwproto.AppendDeliver(nil, 7, gwproto.FlagReply, []byte("data")))
	f.Add(gwproto.AppendAck(nil, []uint64{1, 2, 3}))
	f.Add([]byte{byte(gwproto.KindAck), 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, pt []byte) {
		if hop, size, pkt, err := gwproto.ParseSend(pt); err == nil {
			if !bytes.Equal(gwproto.AppendSend(nil, hop, size, pkt), pt) {
				t.Fatal("send does not round-trip")
			}
		}
		if id, flags, data, err := gwproto.ParseDeliver(pt); err == nil {
			if !bytes.Equal(gwproto.AppendDeliver(nil, id, flags, data), pt) {
				t.Fatal("deliver does not round-trip")
			}
		}
		if ids, err := gwproto.ParseAck(pt); err == nil {
			if len(ids) > gwproto.MaxAckIDs || !bytes.Equal(gwproto.AppendAck(nil, ids), pt) {
				t.Fatal("ack does not round-trip")
			}
		}
	})
}

// FuzzOpen feeds arbitrary frames to an Opener: they never open, never
// panic, and do not advance the counter.
func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{5}, 32)
	s, _ := gwproto.NewSealer(key)
	good := s.Seal(nil, []byte("hello"))
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if bytes.Equal(frame, good) {
			return
		}
		o, _ := gwproto.NewOpener(key)
		if _, err := o.Open(nil, frame); err == nil {
			t.Fatal("an arbitrary frame opened")
		}
		if pt, err := o.Open(nil, good); err != nil || string(pt) != "hello" {
			t.Fatalf("a refused frame advanced the counter: %v", err)
		}
	})
}

// FuzzDecodeMessage feeds arbitrary JSON: no panic, and an accepted message
// has a type and survives Encode and DecodeMessage.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"type":"hello","version":1,"gateway":"abc","nonce":"AAAA"}`))
	f.Add([]byte(`{"type":"ack","ids":[1,2,18446744073709551615]}`))
	f.Add([]byte(`{"type":""}`))
	f.Add([]byte(`{"type":"register","ephemeral":"not base64"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := gwproto.DecodeMessage(b)
		if err != nil {
			return
		}
		if m.Type == "" {
			t.Fatal("accepted a message without a type")
		}
		m2, err := gwproto.DecodeMessage(m.Encode())
		if err != nil || m2.Type != m.Type || !bytes.Equal(m2.Nonce, m.Nonce) || len(m2.IDs) != len(m.IDs) {
			t.Fatalf("re-decoding %s: %+v %v", m.Encode(), m2, err)
		}
	})
}

// FuzzSplitSURBAck splits arbitrary plaintexts: no panic, the parts tile
// the input, and AppendSURBAck rebuilds the prefix.
func FuzzSplitSURBAck(f *testing.F) {
	pt, _ := gwproto.AppendSURBAck(nil, sphinx.NodeAddress{9}, make([]byte, sphinx.Ack.PacketSize()))
	f.Add(append(pt, "body"...))
	f.Add(make([]byte, gwproto.SURBAckSize))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, pt []byte) {
		hop, ack, body, ok, err := gwproto.SplitSURBAck(pt)
		if err != nil {
			if len(pt) >= gwproto.SURBAckSize {
				t.Fatalf("refused a %d-byte plaintext: %v", len(pt), err)
			}
			return
		}
		if len(body) != len(pt)-gwproto.SURBAckSize || ok != (hop != sphinx.NodeAddress{}) {
			t.Fatalf("split %d bytes: body %d ok %v", len(pt), len(body), ok)
		}
		if ok {
			re, err := gwproto.AppendSURBAck(nil, hop, ack)
			if err != nil || !bytes.Equal(re, pt[:gwproto.SURBAckSize]) {
				t.Fatalf("SURB-ack does not rebuild: %v", err)
			}
		}
	})
}
