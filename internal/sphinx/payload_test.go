// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// payloadOf returns the unencrypted payload of an ack packet: 16 zero
// bytes, then body, then zeros.
func payloadOf(body ...byte) []byte {
	p := make([]byte, sphinx.Ack.PayloadSize())
	copy(p[16:], body)
	return p
}

func TestOpenPayload(t *testing.T) {
	full := append(bytes.Repeat([]byte{0xee}, 21), 1)
	tests := []struct {
		name    string
		payload []byte
		want    []byte
		wantErr error
	}{
		{"empty", payloadOf(1), []byte{}, nil},
		{"short", payloadOf('h', 'i', 1), []byte("hi"), nil},
		{"trailing marker bytes in plaintext", payloadOf(1, 0, 1, 1), []byte{1, 0, 1}, nil},
		{"full", payloadOf(full...), full[:21], nil},
		{"no marker", payloadOf(), nil, sphinx.ErrPayloadIntegrity},
		{"wrong marker", payloadOf('h', 2), nil, sphinx.ErrPayloadIntegrity},
		{"prefix not zero", func() []byte { p := payloadOf(1); p[15] = 1; return p }(), nil, sphinx.ErrPayloadIntegrity},
		{"prefix not zero, first byte", func() []byte { p := payloadOf(1); p[0] = 0x80; return p }(), nil, sphinx.ErrPayloadIntegrity},
		{"marker inside the prefix", func() []byte { p := payloadOf(); p[15] = 1; return p }(), nil, sphinx.ErrPayloadIntegrity},
		{"wrong length", make([]byte, 100), nil, sphinx.ErrMalformed},
		{"nil", nil, nil, sphinx.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sphinx.OpenPayload(tt.payload)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("plaintext %x, want %x", got, tt.want)
			}
		})
	}
}

func TestNewPacketErrors(t *testing.T) {
	rng := seededReader("TestNewPacketErrors")
	nodes := routeOf(newNodes(t, rng, sphinx.MaxHops+1))
	lowOrder := nodes[1]
	lowOrder.PublicKey = sphinx.PublicKey{} // the point of order 4 at u = 0
	negative := nodes[2]
	negative.Delay = -1
	badAddr := nodes[1]
	badAddr.Address = sphinx.NodeAddress{7}
	tests := []struct {
		name      string
		route     []sphinx.Hop
		size      sphinx.SizeType
		plaintext []byte
		wantErr   error
	}{
		{"no hops", nil, sphinx.Regular, nil, sphinx.ErrBadRoute},
		{"too many hops", nodes, sphinx.Regular, nil, sphinx.ErrBadRoute},
		{"negative delay", []sphinx.Hop{nodes[0], negative}, sphinx.Regular, nil, sphinx.ErrBadRoute},
		{"low-order key", []sphinx.Hop{nodes[0], lowOrder}, sphinx.Regular, nil, sphinx.ErrBadRoute},
		{"bad address", []sphinx.Hop{nodes[0], badAddr}, sphinx.Regular, nil, sphinx.ErrBadRoute},
		{"size 0", nodes[:1], 0, nil, sphinx.ErrMalformed},
		{"size 9", nodes[:1], 9, nil, sphinx.ErrMalformed},
		{"plaintext too long", nodes[:1], sphinx.Ack, make([]byte, 22), sphinx.ErrPlaintextTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt, err := sphinx.NewPacket(rng, tt.route, sphinx.Destination{}, sphinx.Identifier{}, tt.size, tt.plaintext)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewPacket: %v, want %v", err, tt.wantErr)
			}
			if pkt != nil {
				t.Fatal("NewPacket returned a packet with its error")
			}
			if tt.size.Valid() && tt.plaintext == nil {
				if _, _, err := sphinx.NewSURB(rng, tt.route, sphinx.Destination{}, sphinx.Identifier{}, tt.size); !errors.Is(err, tt.wantErr) {
					t.Fatalf("NewSURB: %v, want %v", err, tt.wantErr)
				}
			}
		})
	}
	if _, err := sphinx.NewPacket(bytes.NewReader(nil), nodes[:2], sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack, nil); err == nil {
		t.Fatal("NewPacket with an empty randomness source succeeded")
	}
}
