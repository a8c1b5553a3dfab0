// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto

import (
	"encoding/json"
	"fmt"
)

// Version is the protocol version a gateway announces in its hello.
const Version = 1

// Size bounds. A peer that exceeds them is closed with CloseTooBig.
const (
	// MaxTextMessage bounds a handshake (text) websocket message.
	MaxTextMessage = 4 << 10
	// MaxFrame bounds an encrypted (binary) websocket message: the largest
	// plaintext (a Send of an Extended packet, 33,167 bytes) plus the tag,
	// rounded up.
	MaxFrame = 36 << 10
	// MaxReadLimit is the websocket read limit both sides set.
	MaxReadLimit = MaxFrame
)

// Handshake and request message types (the "type" field of a JSON message).
const (
	TypeHello             = "hello"
	TypeRegister          = "register"
	TypeRegisterChallenge = "registerChallenge"
	TypeRegisterFinish    = "registerFinish"
	TypeAuthenticate      = "authenticate"
	TypeReady             = "ready"
	TypeError             = "error"
	TypeAck               = "ack"
	TypeSendRefused       = "sendRefused"
)

// Error codes carried in an Error message.
const (
	CodeBadRequest     = "bad_request"     // malformed JSON or fields
	CodeUnknownRequest = "unknown_request" // a type the receiver does not handle here
	CodeUnknownClient  = "unknown_client"  // authenticate from a client with no stored key
	CodeAuthFailed     = "auth_failed"     // a proof or signature did not verify
	CodeEncrypted      = "encrypted_only"  // a text message after the handshake
	CodeBadPacket      = "bad_packet"      // a Send frame that is not a valid packet
	CodeSendFailed     = "send_failed"     // the first hop's queue was full or unreachable
	CodeInternal       = "internal"        // a store failed
	CodeGatewayFull    = "gateway_full"    // at the registered or connected client limit; try later
	CodeRateLimited    = "rate_limited"    // too many registrations from this address; try later
)

// Websocket close codes a gateway uses (the 4000–4999 private range), plus
// the reasons it gives.
const (
	CloseReplaced        = 4000 // a newer authenticated connection of the same client took over
	CloseBadFrame        = 4001 // a frame failed authentication: forged, replayed or reordered
	CloseHandshakeFailed = 4002 // registration or authentication failed
	CloseTooBig          = 1009 // a message above the size limits (websocket's own code)
	CloseShutdown        = 1001 // the gateway is stopping (going away)
)

// Message is every JSON message of the protocol; which fields are set
// depends on Type. Byte strings are base64 (standard, padded); identity
// keys are base58.
type Message struct {
	Type string `json:"type"`
	// Hello: the protocol version and the gateway's identity and nonce.
	Version int    `json:"version,omitempty"`
	Gateway string `json:"gateway,omitempty"`
	// Register, RegisterChallenge, Authenticate: identity, ephemeral
	// X25519 key, nonce.
	Identity  string `json:"identity,omitempty"`
	Ephemeral []byte `json:"ephemeral,omitempty"`
	Nonce     []byte `json:"nonce,omitempty"`
	// RegisterChallenge, RegisterFinish: an Ed25519 signature.
	Signature []byte `json:"signature,omitempty"`
	// Authenticate, Ready: an HMAC proof of the shared key.
	Proof []byte `json:"proof,omitempty"`
	// Ready: "register" or "authenticate".
	Mode string `json:"mode,omitempty"`
	// Ack: message ids.
	IDs []uint64 `json:"ids,omitempty"`
	// Error, SendRefused: a code and a human-readable reason.
	Code    string `json:"code,omitempty"`
	Reason  string `json:"message,omitempty"`
	Request string `json:"request,omitempty"`
}

// Encode returns m as JSON.
func (m *Message) Encode() []byte {
	b, err := json.Marshal(m)
	if err != nil { // only unsupported types fail, and Message has none
		return []byte(`{"type":"error","code":"internal"}`)
	}
	return b
}

// DecodeMessage parses a JSON message; it fails on bad JSON or a missing
// type.
func DecodeMessage(b []byte) (*Message, error) {
	m := new(Message)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("gwproto: bad JSON: %w", err)
	}
	if m.Type == "" {
		return nil, fmt.Errorf("gwproto: message has no type")
	}
	return m, nil
}

// ErrorMessage returns an Error message.
func ErrorMessage(code, reason string) *Message {
	return &Message{Type: TypeError, Code: code, Reason: reason}
}
