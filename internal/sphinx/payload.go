// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import "fmt"

// A payload before encryption is 16 zero bytes ‖ plaintext ‖ 0x01 ‖ zero
// bytes up to the payload size. The zeros let the final reader detect
// tampering (Lioness turns any change into garbage); the marker lets the
// plaintext have any length up to the size's limit.

// encodePayload writes the unencrypted payload for plaintext into dst, which
// must be a whole payload and have room for plaintext.
func encodePayload(dst, plaintext []byte) {
	clear(dst[:integritySize])
	n := copy(dst[integritySize:], plaintext)
	dst[integritySize+n] = 0x01
	clear(dst[integritySize+n+1:])
}

// checkPlaintext returns an error if plaintext does not fit a packet of
// size t.
func checkPlaintext(t SizeType, plaintext []byte) error {
	if !t.Valid() {
		return fmt.Errorf("%w: size type %v", ErrMalformed, t)
	}
	if len(plaintext) > t.PlaintextSize() {
		return fmt.Errorf("%w: %d bytes, %v packets hold %d", ErrPlaintextTooLong, len(plaintext), t, t.PlaintextSize())
	}
	return nil
}

// OpenPayload returns the plaintext of a forward packet's payload as the
// final hop gets it (the Payload of an [Unwrapped] with Action Final). The
// plaintext aliases payload. It returns an error wrapping
// [ErrPayloadIntegrity] if the payload was modified on its way, and
// [ErrMalformed] if payload does not have the length of any size type's
// payload. Payloads of replies sent with a SURB do not open here: their
// creator opens them with [ReplyKeys.Open].
func OpenPayload(payload []byte) ([]byte, error) {
	if !validPayloadLen(len(payload)) {
		return nil, fmt.Errorf("%w: payload length %d matches no size type", ErrMalformed, len(payload))
	}
	return decodePayload(payload)
}

func validPayloadLen(n int) bool {
	_, ok := SizeTypeForPacketLen(HeaderSize + n)
	return ok
}

// decodePayload checks the integrity prefix and strips the end marker.
func decodePayload(payload []byte) ([]byte, error) {
	var acc byte
	for _, b := range payload[:integritySize] {
		acc |= b
	}
	if acc != 0 {
		return nil, ErrPayloadIntegrity
	}
	end := len(payload) - 1
	for end >= integritySize && payload[end] == 0 {
		end--
	}
	if end < integritySize || payload[end] != 0x01 {
		return nil, ErrPayloadIntegrity
	}
	return payload[integritySize:end:end], nil
}
