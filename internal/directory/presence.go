// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
)

// kind indexes the presence kinds; it orders the store's maps.
type kind int

const (
	kindMixNode kind = iota
	kindMixProvider
	kindCocoNode
	kindGateway
	numKinds
)

// kindInfo describes one presence kind.
type kindInfo struct {
	name dirapi.Kind
	path string
	// decode parses and validates a POST body.
	decode func(body []byte, maxLayers int) (*announcement, error)
}

var kinds = [numKinds]kindInfo{
	kindMixNode:     {dirapi.KindMixNode, dirapi.PathPresenceMixNodes, decodeMixNode},
	kindMixProvider: {dirapi.KindMixProvider, dirapi.PathPresenceMixProviders, decodeMixProvider},
	kindCocoNode:    {dirapi.KindCocoNode, dirapi.PathPresenceCocoNodes, decodeCocoNode},
	kindGateway:     {dirapi.KindGateway, dirapi.PathPresenceGateways, decodeGateway},
}

// announcement is a decoded, validated presence POST.
type announcement struct {
	kind   kind
	pubKey string
	signed dirapi.Signed // a copy of p's signing fields; zero if unsigned
	// p is a *dirapi.MixNodePresence, *MixProviderPresence, *CocoPresence
	// or *GatewayPresence with LastSeen zero. It is never changed once
	// decoded, so the store may share it with topology snapshots.
	p    dirapi.Signable
	size int // request body bytes, charged against Config.MaxNodeBytes
}

// isSigned reports whether the announcement carries a signature.
func (a *announcement) isSigned() bool { return a.signed.IdentityKey != "" }

func decodeMixNode(body []byte, maxLayers int) (*announcement, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	p := &dirapi.MixNodePresence{
		Host:     o.hostPort("host", false),
		PubKey:   o.str("pubKey", true, maxKeyLen),
		Version:  o.str("version", true, maxVersionLen),
		Location: o.str("location", false, maxLocationLen),
		Layer:    o.uint("layer", true),
	}
	if o.err == nil && (p.Layer < 1 || p.Layer > uint64(maxLayers)) {
		o.fail("layer", "must be from 1 to %d", maxLayers)
	}
	p.Signed = o.signing(p.PubKey)
	return o.announcement(kindMixNode, p, p.PubKey, p.Signed, len(body))
}

func decodeCocoNode(body []byte, _ int) (*announcement, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	p := &dirapi.CocoPresence{
		Host:     o.hostPort("host", false),
		PubKey:   o.str("pubKey", true, maxKeyLen),
		Version:  o.str("version", true, maxVersionLen),
		Location: o.str("location", false, maxLocationLen),
		Type:     o.str("type", true, maxTypeLen),
	}
	p.Signed = o.signing(p.PubKey)
	return o.announcement(kindCocoNode, p, p.PubKey, p.Signed, len(body))
}

func decodeGateway(body []byte, _ int) (*announcement, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	p := o.provider(false)
	return o.announcement(kindGateway, p, p.PubKey, p.Signed, len(body))
}

// decodeMixProvider is decodeGateway with IP-only listeners: v0.5.0
// clients parse provider listeners as socket addresses and panic if that
// fails.
func decodeMixProvider(body []byte, _ int) (*announcement, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	p := (*dirapi.MixProviderPresence)(o.provider(true))
	return o.announcement(kindMixProvider, p, p.PubKey, p.Signed, len(body))
}

// provider decodes the fields gateways and mix providers share.
func (o *object) provider(ipOnly bool) *dirapi.GatewayPresence {
	p := &dirapi.GatewayPresence{
		ClientListener:    o.clientListener("clientListener", ipOnly),
		MixnetListener:    o.hostPort("mixnetListener", ipOnly),
		PubKey:            o.str("pubKey", true, maxKeyLen),
		Version:           o.str("version", true, maxVersionLen),
		Location:          o.str("location", false, maxLocationLen),
		RegisteredClients: o.clients("registeredClients"),
		// Optional: v0.7.0 gateways don't send it.
		RegisteredClientCount: o.uint("registeredClientCount", false),
	}
	p.Signed = o.signing(p.PubKey)
	return p
}

// clientListener decodes host:port or, unless ipOnly, ws://host:port or
// wss://host:port.
func (o *object) clientListener(name string, ipOnly bool) string {
	s := o.str(name, true, maxHostLen)
	if o.err != nil {
		return s
	}
	hp := s
	if !ipOnly {
		for _, scheme := range []string{"ws://", "wss://"} {
			if len(s) > len(scheme) && s[:len(scheme)] == scheme {
				hp = s[len(scheme):]
				break
			}
		}
	}
	if msg := checkHostPort(hp, ipOnly); msg != "" {
		if !ipOnly {
			msg += " (optionally after ws:// or wss://)"
		}
		o.fail(name, "%s", msg)
	}
	return s
}

// clients decodes a required, non-null array of {"pubKey": string}.
func (o *object) clients(name string) []dirapi.RegisteredClient {
	r, ok := o.raw(name)
	if !ok {
		o.fail(name, "required (an array, [] when empty)")
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(r, &elems); err != nil {
		o.fail(name, "must be an array of {\"pubKey\": string}")
		return nil
	}
	if len(elems) > maxClients {
		o.fail(name, "more than %d entries", maxClients)
		return nil
	}
	cs := make([]dirapi.RegisteredClient, len(elems))
	for i, e := range elems {
		field := fmt.Sprintf("%s[%d]", name, i)
		eo, err := parseObject(e)
		if err != nil {
			o.fail(field, "must be an object {\"pubKey\": string}")
			return nil
		}
		cs[i].PubKey = eo.str("pubKey", true, maxKeyLen)
		if eo.err != nil {
			o.fail(field+"."+eo.err.field, "%s", eo.err.msg)
			return nil
		}
	}
	return cs
}

// signing decodes identityKey, signature and timestamp. Either all of
// identityKey and signature are present (signed; timestamp required too)
// or none of the three is.
func (o *object) signing(pubKey string) dirapi.Signed {
	s := dirapi.Signed{
		IdentityKey: o.str("identityKey", false, maxKeyLen),
		Signature:   o.str("signature", false, 2*maxKeyLen),
		Timestamp:   o.int("timestamp"),
	}
	if o.err != nil || !s.IsSigned() {
		return s
	}
	switch {
	case s.IdentityKey == "":
		o.fail("identityKey", "required in a signed announcement (signature or timestamp is set)")
	case s.Signature == "":
		o.fail("signature", "required in a signed announcement (identityKey is set)")
	case s.Timestamp <= 0:
		o.fail("timestamp", "required in a signed announcement (positive Unix nanoseconds)")
	case !isKey(s.IdentityKey, ed25519.PublicKeySize):
		o.fail("identityKey", "must be base58 of a 32-byte Ed25519 public key")
	case !isKey(s.Signature, ed25519.SignatureSize):
		o.fail("signature", "must be base58 of a 64-byte Ed25519 signature")
	case !isKey(pubKey, 32):
		o.fail("pubKey", "must be base58 of a 32-byte key in a signed announcement")
	}
	return s
}

func isKey(s string, n int) bool {
	_, err := base58.DecodeFixed(s, n)
	return err == nil
}

// announcement finishes a decoder: it returns the first field error or
// the announcement.
func (o *object) announcement(k kind, p dirapi.Signable, pubKey string, s dirapi.Signed, size int) (*announcement, error) {
	if o.err != nil {
		return nil, o.err
	}
	return &announcement{kind: k, pubKey: pubKey, signed: s, p: p, size: size}, nil
}

// sameFields reports whether two records of one kind have the same fields,
// apart from lastSeen, signature and timestamp (which change with every
// announcement without changing what the record says).
func sameFields(a, b dirapi.Signable) bool {
	switch x := a.(type) {
	case *dirapi.MixNodePresence:
		y := b.(*dirapi.MixNodePresence)
		return x.Host == y.Host && x.PubKey == y.PubKey && x.Version == y.Version &&
			x.Location == y.Location && x.Layer == y.Layer && x.IdentityKey == y.IdentityKey
	case *dirapi.CocoPresence:
		y := b.(*dirapi.CocoPresence)
		return x.Host == y.Host && x.PubKey == y.PubKey && x.Version == y.Version &&
			x.Location == y.Location && x.Type == y.Type && x.IdentityKey == y.IdentityKey
	case *dirapi.GatewayPresence:
		return sameProvider(x, b.(*dirapi.GatewayPresence))
	case *dirapi.MixProviderPresence:
		return sameProvider((*dirapi.GatewayPresence)(x), (*dirapi.GatewayPresence)(b.(*dirapi.MixProviderPresence)))
	}
	return false
}

func sameProvider(x, y *dirapi.GatewayPresence) bool {
	return x.ClientListener == y.ClientListener && x.MixnetListener == y.MixnetListener &&
		x.PubKey == y.PubKey && x.Version == y.Version && x.Location == y.Location &&
		x.IdentityKey == y.IdentityKey && slices.Equal(x.RegisteredClients, y.RegisteredClients) &&
		x.RegisteredClientCount == y.RegisteredClientCount
}
