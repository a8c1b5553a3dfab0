// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

func TestHeaderSize(t *testing.T) {
	if sphinx.HeaderSize != 348 || sphinx.RoutingInfoSize != 300 || sphinx.MaxHops*sphinx.RoutingBlockSize != 300 {
		t.Fatalf("header %d, β %d", sphinx.HeaderSize, sphinx.RoutingInfoSize)
	}
}

func TestSizeTypes(t *testing.T) {
	tests := []struct {
		t                 sphinx.SizeType
		name              string
		plaintext, packet int
		valid             bool
		payload           int
	}{
		{sphinx.Regular, "regular", 2048, 2413, true, 2065},
		{sphinx.Ack, "ack", 21, 386, true, 38},
		{sphinx.Extended, "extended", 32768, 33133, true, 32785},
		{0, "SizeType(0)", 0, 0, false, 0},
		{4, "SizeType(4)", 0, 0, false, 0},
		{255, "SizeType(255)", 0, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.String(); got != tt.name {
				t.Errorf("String() = %q", got)
			}
			if got := tt.t.PlaintextSize(); got != tt.plaintext {
				t.Errorf("PlaintextSize() = %d, want %d", got, tt.plaintext)
			}
			if got := tt.t.PayloadSize(); got != tt.payload {
				t.Errorf("PayloadSize() = %d, want %d", got, tt.payload)
			}
			if got := tt.t.PacketSize(); got != tt.packet {
				t.Errorf("PacketSize() = %d, want %d", got, tt.packet)
			}
			if got := tt.t.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v", got)
			}
			if tt.valid {
				if got, ok := sphinx.SizeTypeForPacketLen(tt.packet); !ok || got != tt.t {
					t.Errorf("SizeTypeForPacketLen(%d) = %v, %v", tt.packet, got, ok)
				}
			}
		})
	}
	for _, n := range []int{-1, 0, 1, sphinx.HeaderSize, 385, 387, 2412, 2414, 33132, 33134} {
		if got, ok := sphinx.SizeTypeForPacketLen(n); ok {
			t.Errorf("SizeTypeForPacketLen(%d) = %v, want none", n, got)
		}
	}
}
