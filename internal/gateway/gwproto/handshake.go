// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Sizes of handshake values.
const (
	NonceSize     = 32 // each side's fresh handshake nonce
	SharedKeySize = 32 // the long-term key a registration establishes
	ProofSize     = sha256.Size
)

// Domain-separation labels (ASCII, no terminator) prefixed to every signed,
// MACed or derived value, so no value of one kind is valid as another.
const (
	labelRegisterGateway = "nym-go gateway v1 register gateway"
	labelRegisterClient  = "nym-go gateway v1 register client"
	labelSharedKey       = "nym-go gateway v1 shared key"
	labelAuthenticate    = "nym-go gateway v1 authenticate"
	labelReady           = "nym-go gateway v1 ready"
	labelSession         = "nym-go gateway v1 session"
)

// ErrAuth is returned (wrapped) when a signature or proof does not verify.
var ErrAuth = errors.New("gwproto: authentication failed")

// Transcript is what both sides of a handshake agree on: the two
// identities and the two fresh nonces (and, when registering, the two
// ephemeral keys).
type Transcript struct {
	Client          [32]byte // the client's Ed25519 public key
	Gateway         [32]byte // the gateway's Ed25519 public key
	ClientEphemeral [32]byte // registration only
	GatewayEph      [32]byte // registration only
	GatewayNonce    [NonceSize]byte
	ClientNonce     [NonceSize]byte
}

// registerBytes is label ‖ Client ‖ Gateway ‖ ClientEphemeral ‖
// GatewayEph ‖ GatewayNonce ‖ ClientNonce.
func (t *Transcript) registerBytes(label string) []byte {
	b := make([]byte, 0, len(label)+6*32)
	b = append(b, label...)
	b = append(b, t.Client[:]...)
	b = append(b, t.Gateway[:]...)
	b = append(b, t.ClientEphemeral[:]...)
	b = append(b, t.GatewayEph[:]...)
	b = append(b, t.GatewayNonce[:]...)
	return append(b, t.ClientNonce[:]...)
}

// bind is Client ‖ Gateway ‖ GatewayNonce ‖ ClientNonce.
func (t *Transcript) bind() []byte {
	b := make([]byte, 0, 4*32)
	b = append(b, t.Client[:]...)
	b = append(b, t.Gateway[:]...)
	b = append(b, t.GatewayNonce[:]...)
	return append(b, t.ClientNonce[:]...)
}

// SignRegisterGateway is the gateway's registration signature.
func (t *Transcript) SignRegisterGateway(key ed25519.PrivateKey) []byte {
	return ed25519.Sign(key, t.registerBytes(labelRegisterGateway))
}

// SignRegisterClient is the client's registration signature.
func (t *Transcript) SignRegisterClient(key ed25519.PrivateKey) []byte {
	return ed25519.Sign(key, t.registerBytes(labelRegisterClient))
}

// VerifyRegisterGateway checks the gateway's registration signature.
func (t *Transcript) VerifyRegisterGateway(sig []byte) error {
	if !ed25519.Verify(t.Gateway[:], t.registerBytes(labelRegisterGateway), sig) {
		return fmt.Errorf("%w: gateway signature", ErrAuth)
	}
	return nil
}

// VerifyRegisterClient checks the client's registration signature.
func (t *Transcript) VerifyRegisterClient(sig []byte) error {
	if !ed25519.Verify(t.Client[:], t.registerBytes(labelRegisterClient), sig) {
		return fmt.Errorf("%w: client signature", ErrAuth)
	}
	return nil
}

// SharedKey derives the long-term shared key of a registration from the
// X25519 secret: HKDF-SHA256(ikm = dh, salt = GatewayNonce ‖ ClientNonce,
// info = label ‖ Client ‖ Gateway), 32 bytes. An error (HKDF refuses only
// lengths above 255*32 bytes, so none is expected) fails the handshake.
func (t *Transcript) SharedKey(dh []byte) ([]byte, error) {
	salt := append(t.GatewayNonce[:], t.ClientNonce[:]...)
	info := labelSharedKey + string(t.Client[:]) + string(t.Gateway[:])
	k, err := hkdf.Key(sha256.New, dh, salt, info, SharedKeySize)
	if err != nil {
		return nil, fmt.Errorf("gwproto: shared key: %w", err)
	}
	return k, nil
}

// AuthProof is the client's proof of the shared key:
// HMAC-SHA256(shared, label ‖ Client ‖ Gateway ‖ GatewayNonce ‖ ClientNonce).
func (t *Transcript) AuthProof(shared []byte) []byte { return t.mac(shared, labelAuthenticate) }

// ReadyProof is the gateway's proof of the shared key, sent in Ready.
func (t *Transcript) ReadyProof(shared []byte) []byte { return t.mac(shared, labelReady) }

// CheckProof compares proof with the expected one in constant time.
func CheckProof(proof, want []byte) error {
	if !hmac.Equal(proof, want) {
		return fmt.Errorf("%w: proof", ErrAuth)
	}
	return nil
}

func (t *Transcript) mac(key []byte, label string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	h.Write(t.bind())
	return h.Sum(nil)
}

// SessionKeys derives one session's two frame keys from the shared key and
// both nonces: HKDF-SHA256(ikm = shared, salt = GatewayNonce ‖ ClientNonce,
// info = label ‖ Client ‖ Gateway), 64 bytes; the first 32 encrypt client →
// gateway frames, the last 32 gateway → client frames. Fresh nonces make
// every session's keys new, so frame nonces (counters from zero) never
// repeat under one key. An error (none is expected, as for SharedKey)
// fails the session.
func (t *Transcript) SessionKeys(shared []byte) (clientToGateway, gatewayToClient []byte, err error) {
	salt := append(t.GatewayNonce[:], t.ClientNonce[:]...)
	info := labelSession + string(t.Client[:]) + string(t.Gateway[:])
	k, err := hkdf.Key(sha256.New, shared, salt, info, 64)
	if err != nil {
		return nil, nil, fmt.Errorf("gwproto: session keys: %w", err)
	}
	return k[:32], k[32:], nil
}

// NewNonce reads a fresh handshake nonce from rand.
func NewNonce(rand io.Reader) ([NonceSize]byte, error) {
	var n [NonceSize]byte
	if _, err := io.ReadFull(rand, n[:]); err != nil {
		return n, fmt.Errorf("gwproto: nonce: %w", err)
	}
	return n, nil
}

// NewEphemeral generates an X25519 key pair from rand.
func NewEphemeral(rand io.Reader) (*ecdh.PrivateKey, error) {
	var seed [32]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("gwproto: ephemeral key: %w", err)
	}
	k, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return nil, fmt.Errorf("gwproto: ephemeral key: %w", err)
	}
	return k, nil
}

// DH computes the X25519 secret of priv and the peer's 32-byte public key.
// It fails for a malformed or low-order peer key.
func DH(priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("%w: ephemeral key: %v", ErrAuth, err)
	}
	s, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: ephemeral key: %v", ErrAuth, err)
	}
	return s, nil
}

// Key32 copies a 32-byte field, failing on any other length.
func Key32(name string, b []byte) ([32]byte, error) {
	var k [32]byte
	if len(b) != 32 {
		return k, fmt.Errorf("gwproto: %s is %d bytes, want 32", name, len(b))
	}
	copy(k[:], b)
	return k, nil
}
