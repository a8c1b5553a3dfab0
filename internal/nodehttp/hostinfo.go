// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nym-go/nym/internal/base58"
)

// HostSigningDomain opens the message a host-information signature covers:
// the signature is Ed25519 over HostSigningDomain followed by the exact
// bytes of the response's "data" value.
const HostSigningDomain = "nym-go/node/host-information/v1"

// Errors returned (wrapped) by VerifyHostInformation.
var (
	ErrMalformedHostInfo = errors.New("host information is malformed")
	ErrHostInfoForged    = errors.New("host information signature does not verify")
)

// HostInformation is the "data" of /api/v1/host-information: who the node
// is and where it listens.
type HostInformation struct {
	// IPAddress lists the IP addresses the node announces.
	IPAddress []string `json:"ip_address"`
	// Hostname is the node's DNS name, or empty.
	Hostname string `json:"hostname"`
	// Keys are the node's public keys.
	Keys HostKeys `json:"keys"`
	// Mixnet is the node's packet listener.
	Mixnet Addresses `json:"mixnet"`
	// HTTP is this API's listener.
	HTTP Addresses `json:"http"`
}

// HostKeys are a node's public keys, base58.
type HostKeys struct {
	// Ed25519Identity signs this structure and the node's presence.
	Ed25519Identity string `json:"ed25519_identity"`
	// X25519Sphinx is the key packets are encrypted to.
	X25519Sphinx string `json:"x25519_sphinx"`
}

// Addresses are where a listener is bound and what the node announces.
type Addresses struct {
	// Listen is the bound host:port.
	Listen string `json:"listen"`
	// Announce is the host:port others use; empty when it equals Listen.
	Announce string `json:"announce,omitempty"`
}

// SignedHostInformation is the body of /api/v1/host-information.
type SignedHostInformation struct {
	// Data is the JSON encoding of a HostInformation; keep its exact bytes
	// to verify.
	Data json.RawMessage `json:"data"`
	// Signature is base58 Ed25519 over HostSigningDomain ‖ Data.
	Signature string `json:"signature"`
}

// SignHostInformation returns the response body serving info signed with
// key. Keys.Ed25519Identity is set from key.
func SignHostInformation(info HostInformation, key ed25519.PrivateKey) ([]byte, error) {
	info.Keys.Ed25519Identity = base58.Encode(key.Public().(ed25519.PublicKey))
	if info.IPAddress == nil {
		info.IPAddress = []string{}
	}
	data, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("nodehttp: encode host information: %w", err)
	}
	sig := ed25519.Sign(key, hostMessage(data))
	// Written by hand so that data's bytes are exactly those signed.
	var b bytes.Buffer
	b.WriteString(`{"data":`)
	b.Write(data)
	b.WriteString(`,"signature":"`)
	b.WriteString(base58.Encode(sig))
	b.WriteString("\"}\n")
	return b.Bytes(), nil
}

// VerifyHostInformation checks a /api/v1/host-information body: the
// signature must verify under the ed25519_identity key inside the data. It
// returns the data. A caller that knows the node's identity must also
// compare it with Keys.Ed25519Identity.
func VerifyHostInformation(body []byte) (*HostInformation, error) {
	var s SignedHostInformation
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedHostInfo, err)
	}
	var info HostInformation
	if err := json.Unmarshal(s.Data, &info); err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrMalformedHostInfo, err)
	}
	id, err := base58.DecodeFixed(info.Keys.Ed25519Identity, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: ed25519_identity: %v", ErrMalformedHostInfo, err)
	}
	sig, err := base58.DecodeFixed(s.Signature, ed25519.SignatureSize)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrMalformedHostInfo, err)
	}
	if !ed25519.Verify(id, hostMessage(s.Data), sig) {
		return nil, ErrHostInfoForged
	}
	return &info, nil
}

func hostMessage(data []byte) []byte {
	return append([]byte(HostSigningDomain), data...)
}
