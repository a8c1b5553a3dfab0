// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto

import (
	"fmt"

	"github.com/nym-go/nym/internal/sphinx"
)

// SURBAckSize is the length of the SURB-ack that starts the plaintext of
// every forward packet of Regular or Extended size: the ack's first hop
// (a sphinx.NodeAddress, 32 bytes) ‖ an Ack-size Sphinx packet (386 bytes).
// An all-zero first hop means the packet carries no ack (cover traffic);
// the 386 bytes are then ignored.
var SURBAckSize = sphinx.NodeAddressSize + sphinx.Ack.PacketSize()

// SplitSURBAck splits a forward plaintext into its SURB-ack and the
// message for the recipient. ok is false for an all-zero first hop (no
// ack). All slices alias plaintext.
func SplitSURBAck(plaintext []byte) (hop sphinx.NodeAddress, ack []byte, body []byte, ok bool, err error) {
	if len(plaintext) < SURBAckSize {
		return hop, nil, nil, false, fmt.Errorf("%w: %d-byte plaintext is shorter than a SURB-ack", ErrFrame, len(plaintext))
	}
	copy(hop[:], plaintext[:sphinx.NodeAddressSize])
	body = plaintext[SURBAckSize:]
	if hop == (sphinx.NodeAddress{}) {
		return hop, nil, body, false, nil
	}
	return hop, plaintext[sphinx.NodeAddressSize:SURBAckSize], body, true, nil
}

// AppendSURBAck builds the start of a forward plaintext: hop ‖ ack (which
// must be an Ack-size packet), or 418 zero bytes when ack is nil.
func AppendSURBAck(dst []byte, hop sphinx.NodeAddress, ack []byte) ([]byte, error) {
	if ack == nil {
		return append(dst, make([]byte, SURBAckSize)...), nil
	}
	if len(ack) != sphinx.Ack.PacketSize() {
		return nil, fmt.Errorf("gwproto: SURB-ack packet of %d bytes, want %d", len(ack), sphinx.Ack.PacketSize())
	}
	dst = append(dst, hop[:]...)
	return append(dst, ack...), nil
}
