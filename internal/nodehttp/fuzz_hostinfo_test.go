// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp_test

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/nodehttp"
)

// FuzzVerifyHostInformation feeds arbitrary host-information bodies (what
// a peer's /api/v1/host-information returns): no panic, and whatever is
// accepted carries a signature that verifies by the documented rule under
// the identity key it names.
func FuzzVerifyHostInformation(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	body, err := nodehttp.SignHostInformation(nodehttp.HostInformation{
		IPAddress: []string{"127.0.0.1"},
		Keys:      nodehttp.HostKeys{X25519Sphinx: "sphinxkey"},
		Mixnet:    nodehttp.Addresses{Listen: "0.0.0.0:1789", Announce: "127.0.0.1:1789"},
	}, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Add([]byte(`{"data":{"keys":{"ed25519_identity":"1"}},"signature":"1"}`))
	f.Add([]byte(`{"data":null,"signature":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := nodehttp.VerifyHostInformation(b)
		if err != nil {
			return
		}
		var raw struct {
			Data      json.RawMessage `json:"data"`
			Signature string          `json:"signature"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("accepted a body that is not JSON: %v", err)
		}
		pub, err1 := base58.Decode(info.Keys.Ed25519Identity)
		sig, err2 := base58.Decode(raw.Signature)
		if err1 != nil || err2 != nil || len(pub) != ed25519.PublicKeySize {
			t.Fatalf("accepted with undecodable key or signature: %v %v", err1, err2)
		}
		msg := append([]byte(nodehttp.HostSigningDomain), raw.Data...)
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatalf("accepted a body whose signature does not verify: %q", b)
		}
	})
}
