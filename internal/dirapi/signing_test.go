// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dirapi

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

var testNow = time.Unix(1_800_000_000, 123)

func samples() []Signable {
	return []Signable{
		&MixNodePresence{Host: "127.0.0.1:1789", PubKey: "mixkey", Version: "0.1.0", Location: "Earth", Layer: 2},
		&GatewayPresence{ClientListener: "ws://127.0.0.1:9000", MixnetListener: "127.0.0.1:1789", PubKey: "gwkey",
			Version: "0.1.0", RegisteredClients: []RegisteredClient{{PubKey: "a"}, {PubKey: "bc"}}},
		&MixProviderPresence{ClientListener: "127.0.0.1:9000", MixnetListener: "127.0.0.1:1789", PubKey: "pk",
			Version: "0.1.0", RegisteredClients: []RegisteredClient{}},
		&CocoPresence{Host: "127.0.0.1:4000", PubKey: "coco", Version: "0.1.0", Type: "validator"},
	}
}

func TestSignVerify(t *testing.T) {
	key := testKey(1)
	for _, p := range samples() {
		t.Run(string(p.Kind()), func(t *testing.T) {
			Sign(p, key, testNow)
			id, err := Verify(p)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !bytes.Equal(id, key.Public().(ed25519.PublicKey)) {
				t.Fatalf("Verify returned another key")
			}
			if p.signed().Timestamp != testNow.UnixNano() {
				t.Fatalf("timestamp = %d", p.signed().Timestamp)
			}
			// The signature survives a JSON round trip (what the server sees).
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			back := samplesByKind(p.Kind())
			if err := json.Unmarshal(raw, back); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(back); err != nil {
				t.Fatalf("Verify after JSON round trip: %v", err)
			}
		})
	}
}

func samplesByKind(k Kind) Signable {
	switch k {
	case KindMixNode:
		return &MixNodePresence{}
	case KindGateway:
		return &GatewayPresence{}
	case KindMixProvider:
		return &MixProviderPresence{}
	default:
		return &CocoPresence{}
	}
}

// Every field but the signature and lastSeen is covered: changing any one
// breaks the signature.
func TestEveryFieldIsSigned(t *testing.T) {
	key := testKey(2)
	mutations := map[string]func(*MixNodePresence){
		"host":        func(p *MixNodePresence) { p.Host = "127.0.0.1:1790" },
		"pubKey":      func(p *MixNodePresence) { p.PubKey += "x" },
		"identityKey": func(p *MixNodePresence) { p.IdentityKey = identityOf(testKey(3)) },
		"version":     func(p *MixNodePresence) { p.Version = "0.1.1" },
		"location":    func(p *MixNodePresence) { p.Location = "Mars" },
		"layer":       func(p *MixNodePresence) { p.Layer = 3 },
		"timestamp":   func(p *MixNodePresence) { p.Timestamp++ },
	}
	for name, mutate := range mutations {
		p := &MixNodePresence{Host: "127.0.0.1:1789", PubKey: "k", Version: "0.1.0", Location: "Earth", Layer: 2}
		Sign(p, key, testNow)
		mutate(p)
		if _, err := Verify(p); !errors.Is(err, ErrForged) {
			t.Errorf("after changing %s: Verify error = %v, want ErrForged", name, err)
		}
	}
	p := &MixNodePresence{Host: "127.0.0.1:1789", PubKey: "k", Version: "0.1.0", Layer: 2}
	Sign(p, key, testNow)
	p.LastSeen = 42
	if _, err := Verify(p); err != nil {
		t.Errorf("lastSeen must not be signed: %v", err)
	}
}

// identityOf returns the base58 identity of key.
func identityOf(key ed25519.PrivateKey) string {
	p := &MixNodePresence{}
	Sign(p, key, testNow)
	return p.IdentityKey
}

// Field boundaries are length-prefixed: moving bytes between two fields
// changes the message.
func TestNoFieldAmbiguity(t *testing.T) {
	a := &GatewayPresence{ClientListener: "ab", MixnetListener: "c", RegisteredClients: []RegisteredClient{{"x"}, {"y"}}}
	b := &GatewayPresence{ClientListener: "a", MixnetListener: "bc", RegisteredClients: []RegisteredClient{{"xy"}}}
	if bytes.Equal(a.SigningMessage(), b.SigningMessage()) {
		t.Fatal("different records encode the same")
	}
	g := &GatewayPresence{PubKey: "p"}
	pr := (*MixProviderPresence)(g)
	if bytes.Equal(g.SigningMessage(), pr.SigningMessage()) {
		t.Fatal("gateway and provider records share a signing message")
	}
}

func TestVerifyErrors(t *testing.T) {
	good := &MixNodePresence{Host: "127.0.0.1:1789", PubKey: "k", Version: "0.1.0", Layer: 1}
	Sign(good, testKey(4), testNow)
	tests := []struct {
		name string
		edit func(p *MixNodePresence)
		want error
	}{
		{"unsigned", func(p *MixNodePresence) { p.Signed = Signed{} }, ErrUnsigned},
		{"identity not base58", func(p *MixNodePresence) { p.IdentityKey = "0OIl" }, ErrBadIdentity},
		{"identity short", func(p *MixNodePresence) { p.IdentityKey = "abc" }, ErrBadIdentity},
		{"signature missing", func(p *MixNodePresence) { p.Signature = "" }, ErrBadSignature},
		{"signature short", func(p *MixNodePresence) { p.Signature = "abc" }, ErrBadSignature},
		{"other identity", func(p *MixNodePresence) { p.IdentityKey = identityOf(testKey(5)) }, ErrForged},
	}
	for _, tt := range tests {
		p := *good
		tt.edit(&p)
		if _, err := Verify(&p); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// The canonical encoding is a protocol constant: this golden value pins it
// to docs/protocol/directory.md.
func TestSigningMessageGolden(t *testing.T) {
	p := &MixNodePresence{Host: "h:1", PubKey: "k", Version: "v", Location: "", Layer: 1,
		Signed: Signed{IdentityKey: "i", Timestamp: 2}}
	got := hex.EncodeToString(p.SigningMessage())
	want := hex.EncodeToString([]byte(SigningDomain)) +
		"07" + hex.EncodeToString([]byte("mixnode")) +
		"04" + hex.EncodeToString([]byte("host")) + "00000003" + hex.EncodeToString([]byte("h:1")) +
		"06" + hex.EncodeToString([]byte("pubKey")) + "00000001" + "6b" +
		"0b" + hex.EncodeToString([]byte("identityKey")) + "00000001" + "69" +
		"07" + hex.EncodeToString([]byte("version")) + "00000001" + "76" +
		"08" + hex.EncodeToString([]byte("location")) + "00000000" +
		"05" + hex.EncodeToString([]byte("layer")) + "00000008" + "0000000000000001" +
		"09" + hex.EncodeToString([]byte("timestamp")) + "00000008" + "0000000000000002"
	if got != want {
		t.Fatalf("SigningMessage =\n%s\nwant\n%s", got, want)
	}
}
