// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dirapi

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nym-go/nym/internal/base58"
)

// SigningDomain opens every signed message, so that a presence signature can
// never be mistaken for a signature over anything else.
const SigningDomain = "nym-go/directory/presence/v1"

// Errors returned (wrapped) by Verify.
var (
	ErrUnsigned     = errors.New("presence is not signed")
	ErrBadIdentity  = errors.New("identityKey is not a base58 Ed25519 public key")
	ErrBadSignature = errors.New("signature is not a base58 Ed25519 signature")
	ErrForged       = errors.New("signature does not verify")
)

// Signable is implemented by every presence type: it can be signed with
// Sign and checked with Verify.
type Signable interface {
	// Kind names the record's kind; it is part of the signed message.
	Kind() Kind
	// SigningMessage returns the canonical bytes a signature covers.
	SigningMessage() []byte
	signed() *Signed
}

// Kind implements Signable.
func (*MixNodePresence) Kind() Kind { return KindMixNode }

// Kind implements Signable.
func (*GatewayPresence) Kind() Kind { return KindGateway }

// Kind implements Signable.
func (*MixProviderPresence) Kind() Kind { return KindMixProvider }

// Kind implements Signable.
func (*CocoPresence) Kind() Kind { return KindCocoNode }

// SigningMessage implements Signable. Fields: host, pubKey, identityKey,
// version, location, layer, timestamp.
func (p *MixNodePresence) SigningMessage() []byte {
	e := newEncoder(p.Kind())
	e.str("host", p.Host)
	e.str("pubKey", p.PubKey)
	e.str("identityKey", p.IdentityKey)
	e.str("version", p.Version)
	e.str("location", p.Location)
	e.u64("layer", p.Layer)
	e.u64("timestamp", uint64(p.Timestamp))
	return e.buf
}

// SigningMessage implements Signable. Fields: clientListener,
// mixnetListener, pubKey, identityKey, version, location, registeredClients,
// registeredClientCount, timestamp.
func (p *GatewayPresence) SigningMessage() []byte {
	return providerMessage(p.Kind(), p)
}

// SigningMessage implements Signable, with the gateway's fields.
func (p *MixProviderPresence) SigningMessage() []byte {
	return providerMessage(p.Kind(), (*GatewayPresence)(p))
}

func providerMessage(k Kind, p *GatewayPresence) []byte {
	e := newEncoder(k)
	e.str("clientListener", p.ClientListener)
	e.str("mixnetListener", p.MixnetListener)
	e.str("pubKey", p.PubKey)
	e.str("identityKey", p.IdentityKey)
	e.str("version", p.Version)
	e.str("location", p.Location)
	e.clients("registeredClients", p.RegisteredClients)
	e.u64("registeredClientCount", p.RegisteredClientCount)
	e.u64("timestamp", uint64(p.Timestamp))
	return e.buf
}

// SigningMessage implements Signable. Fields: host, pubKey, identityKey,
// version, location, type, timestamp.
func (p *CocoPresence) SigningMessage() []byte {
	e := newEncoder(p.Kind())
	e.str("host", p.Host)
	e.str("pubKey", p.PubKey)
	e.str("identityKey", p.IdentityKey)
	e.str("version", p.Version)
	e.str("location", p.Location)
	e.str("type", p.Type)
	e.u64("timestamp", uint64(p.Timestamp))
	return e.buf
}

// Sign sets p's identityKey and timestamp (to now) and signs the record
// with key. Any other field changed afterwards invalidates the signature.
func Sign(p Signable, key ed25519.PrivateKey, now time.Time) {
	s := p.signed()
	s.IdentityKey = base58.Encode(key.Public().(ed25519.PublicKey))
	s.Timestamp = now.UnixNano()
	s.Signature = ""
	s.Signature = base58.Encode(ed25519.Sign(key, p.SigningMessage()))
}

// Verify checks p's signature against its identityKey and returns that key.
// It does not judge the timestamp; the caller compares it with its clock.
func Verify(p Signable) (ed25519.PublicKey, error) {
	s := p.signed()
	if s.IdentityKey == "" && s.Signature == "" {
		return nil, ErrUnsigned
	}
	id, err := base58.DecodeFixed(s.IdentityKey, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadIdentity, err)
	}
	sig, err := base58.DecodeFixed(s.Signature, ed25519.SignatureSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !ed25519.Verify(id, p.SigningMessage(), sig) {
		return nil, ErrForged
	}
	return id, nil
}

// encoder builds the canonical message: the domain, the kind, then each
// field as (u8 name length, name, u32 big-endian value length, value).
// Strings are their UTF-8 bytes; integers are 8 bytes big-endian.
type encoder struct{ buf []byte }

func newEncoder(k Kind) *encoder {
	e := &encoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, SigningDomain...)
	e.buf = append(e.buf, byte(len(k)))
	e.buf = append(e.buf, k...)
	return e
}

func (e *encoder) field(name string, n int) {
	e.buf = append(e.buf, byte(len(name)))
	e.buf = append(e.buf, name...)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
}

func (e *encoder) str(name, v string) {
	e.field(name, len(v))
	e.buf = append(e.buf, v...)
}

func (e *encoder) u64(name string, v uint64) {
	e.field(name, 8)
	e.buf = binary.BigEndian.AppendUint64(e.buf, v)
}

// clients encodes the list as u32 count, then each pubKey as u32 length and
// bytes.
func (e *encoder) clients(name string, cs []RegisteredClient) {
	n := 4
	for _, c := range cs {
		n += 4 + len(c.PubKey)
	}
	e.field(name, n)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(cs)))
	for _, c := range cs {
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(c.PubKey)))
		e.buf = append(e.buf, c.PubKey...)
	}
}
