// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
)

// handshake runs a registration's key agreement on both sides.
func handshake(t *testing.T) (client, gateway *gwproto.Transcript, cShared, gShared []byte, cID, gID ed25519.PrivateKey) {
	t.Helper()
	_, cID, _ = ed25519.GenerateKey(rand.Reader)
	_, gID, _ = ed25519.GenerateKey(rand.Reader)
	cEph, err := gwproto.NewEphemeral(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	gEph, err := gwproto.NewEphemeral(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var tr gwproto.Transcript
	copy(tr.Client[:], cID.Public().(ed25519.PublicKey))
	copy(tr.Gateway[:], gID.Public().(ed25519.PublicKey))
	copy(tr.ClientEphemeral[:], cEph.PublicKey().Bytes())
	copy(tr.GatewayEph[:], gEph.PublicKey().Bytes())
	if tr.GatewayNonce, err = gwproto.NewNonce(rand.Reader); err != nil {
		t.Fatal(err)
	}
	if tr.ClientNonce, err = gwproto.NewNonce(rand.Reader); err != nil {
		t.Fatal(err)
	}
	cDH, err := gwproto.DH(cEph, tr.GatewayEph[:])
	if err != nil {
		t.Fatal(err)
	}
	gDH, err := gwproto.DH(gEph, tr.ClientEphemeral[:])
	if err != nil {
		t.Fatal(err)
	}
	c, g := tr, tr
	cShared, err = c.SharedKey(cDH)
	if err != nil {
		t.Fatal(err)
	}
	gShared, err = g.SharedKey(gDH)
	if err != nil {
		t.Fatal(err)
	}
	return &c, &g, cShared, gShared, cID, gID
}

// sessionKeys is SessionKeys, failing t on an error.
func sessionKeys(t *testing.T, tr *gwproto.Transcript, shared []byte) (c2g, g2c []byte) {
	t.Helper()
	c2g, g2c, err := tr.SessionKeys(shared)
	if err != nil {
		t.Fatal(err)
	}
	return c2g, g2c
}

func TestHandshakeIsSymmetric(t *testing.T) {
	c, g, cShared, gShared, cID, gID := handshake(t)
	if !bytes.Equal(cShared, gShared) || len(cShared) != gwproto.SharedKeySize {
		t.Fatal("the two sides derived different shared keys")
	}
	if err := c.VerifyRegisterGateway(g.SignRegisterGateway(gID)); err != nil {
		t.Fatalf("client rejects the gateway's signature: %v", err)
	}
	if err := g.VerifyRegisterClient(c.SignRegisterClient(cID)); err != nil {
		t.Fatalf("gateway rejects the client's signature: %v", err)
	}
	// A signature made for the other role does not verify.
	if err := c.VerifyRegisterGateway(c.SignRegisterClient(cID)); err == nil {
		t.Fatal("a client signature verified as the gateway's")
	}
	if err := gwproto.CheckProof(c.AuthProof(cShared), g.AuthProof(gShared)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c.AuthProof(cShared), c.ReadyProof(cShared)) {
		t.Fatal("authenticate and ready proofs are equal")
	}
	c2g, g2c := sessionKeys(t, c, cShared)
	gc2g, gg2c := sessionKeys(t, g, gShared)
	if !bytes.Equal(c2g, gc2g) || !bytes.Equal(g2c, gg2c) || bytes.Equal(c2g, g2c) {
		t.Fatal("session keys differ between the sides or between the directions")
	}
	// New nonces give new session keys and proofs.
	c3 := *c
	c3.ClientNonce[0] ^= 1
	if k, _ := sessionKeys(t, &c3, cShared); bytes.Equal(k, c2g) {
		t.Fatal("session keys do not depend on the nonces")
	}
	if err := gwproto.CheckProof(c3.AuthProof(cShared), g.AuthProof(gShared)); !errors.Is(err, gwproto.ErrAuth) {
		t.Fatalf("a proof for other nonces: %v", err)
	}
}

func TestDHRejectsBadKeys(t *testing.T) {
	priv, err := gwproto.NewEphemeral(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, peer := range [][]byte{nil, make([]byte, 31), make([]byte, 32)} { // the last is low-order
		if _, err := gwproto.DH(priv, peer); err == nil {
			t.Errorf("DH accepted a %d-byte peer key %x", len(peer), peer)
		}
	}
}

func TestOpenerRejectsReplayReorderAndForgery(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	s, _ := gwproto.NewSealer(key)
	f0 := s.Seal(nil, []byte("zero"))
	f1 := s.Seal(nil, []byte("one"))
	f2 := s.Seal(nil, []byte("two"))

	o, _ := gwproto.NewOpener(key)
	if _, err := o.Open(nil, f1); !errors.Is(err, gwproto.ErrFrame) {
		t.Fatalf("frame 1 before frame 0 (reorder/drop): %v", err)
	}
	if pt, err := o.Open(nil, f0); err != nil || string(pt) != "zero" {
		t.Fatalf("frame 0 after a refused frame: %q %v", pt, err)
	}
	if _, err := o.Open(nil, f0); !errors.Is(err, gwproto.ErrFrame) {
		t.Fatalf("replayed frame 0: %v", err)
	}
	forged := bytes.Clone(f1)
	forged[0] ^= 1
	if _, err := o.Open(nil, forged); !errors.Is(err, gwproto.ErrFrame) {
		t.Fatalf("forged frame: %v", err)
	}
	for i, f := range [][]byte{f1, f2} {
		if _, err := o.Open(nil, f); err != nil {
			t.Fatalf("frame %d in order: %v", i+1, err)
		}
	}
	other := make([]byte, 32)
	rand.Read(other)
	o2, _ := gwproto.NewOpener(other)
	if _, err := o2.Open(nil, f0); err == nil {
		t.Fatal("a frame opened under another key")
	}
}

func TestFrameRoundTrips(t *testing.T) {
	hop := sphinx.NodeAddress{1, 2, 3}
	pkt := make([]byte, sphinx.Ack.PacketSize())
	pkt[5] = 9
	h, size, p, err := gwproto.ParseSend(gwproto.AppendSend(nil, hop, sphinx.Ack, pkt))
	if err != nil || h != hop || size != sphinx.Ack || !bytes.Equal(p, pkt) {
		t.Fatalf("send: %v %v %v", h, size, err)
	}
	if _, _, _, err := gwproto.ParseSend(gwproto.AppendSend(nil, hop, sphinx.Regular, pkt)); err == nil {
		t.Fatal("send with a packet of the wrong size parsed")
	}
	id, flags, data, err := gwproto.ParseDeliver(gwproto.AppendDeliver(nil, 42, gwproto.FlagStored, []byte("x")))
	if err != nil || id != 42 || flags != gwproto.FlagStored || string(data) != "x" {
		t.Fatalf("deliver: %d %d %q %v", id, flags, data, err)
	}
	ids, err := gwproto.ParseAck(gwproto.AppendAck(nil, []uint64{1, 1 << 60}))
	if err != nil || len(ids) != 2 || ids[1] != 1<<60 {
		t.Fatalf("ack: %v %v", ids, err)
	}
	if _, err := gwproto.ParseAck(gwproto.AppendAck(nil, make([]uint64, gwproto.MaxAckIDs+1))); err == nil {
		t.Fatal("an ack of more than MaxAckIDs ids parsed")
	}
}

func TestSURBAckSplit(t *testing.T) {
	hop := sphinx.NodeAddress{7}
	ack := bytes.Repeat([]byte{3}, sphinx.Ack.PacketSize())
	pt, err := gwproto.AppendSURBAck(nil, hop, ack)
	if err != nil {
		t.Fatal(err)
	}
	h, a, body, ok, err := gwproto.SplitSURBAck(append(pt, "body"...))
	if err != nil || !ok || h != hop || !bytes.Equal(a, ack) || string(body) != "body" {
		t.Fatalf("split: %v %v %q %v", h, ok, body, err)
	}
	cover, _ := gwproto.AppendSURBAck(nil, sphinx.NodeAddress{}, nil)
	if _, a, _, ok, err := gwproto.SplitSURBAck(cover); err != nil || ok || a != nil {
		t.Fatalf("cover: ok %v ack %d bytes %v", ok, len(a), err)
	}
	if _, _, _, _, err := gwproto.SplitSURBAck(pt[:len(pt)-1]); err == nil {
		t.Fatal("a short plaintext split")
	}
	if _, err := gwproto.AppendSURBAck(nil, hop, ack[1:]); err == nil {
		t.Fatal("AppendSURBAck took a short ack packet")
	}
}

func TestSplitIdentifier(t *testing.T) {
	id := sphinx.Identifier{1, 15: 2}
	data := gwproto.AppendIdentifier(nil, id, []byte("payload"))
	got, payload, ok, err := gwproto.SplitIdentifier(gwproto.FlagReply|gwproto.FlagIdentifier, data)
	if err != nil || !ok || got != id || string(payload) != "payload" {
		t.Fatalf("SplitIdentifier = %x %q %v %v", got, payload, ok, err)
	}
	if got, payload, ok, err := gwproto.SplitIdentifier(gwproto.FlagReply, data); err != nil || ok || got != (sphinx.Identifier{}) || !bytes.Equal(payload, data) {
		t.Fatalf("without the flag: %x %q %v %v", got, payload, ok, err)
	}
	if _, _, _, err := gwproto.SplitIdentifier(gwproto.FlagIdentifier, data[:15]); !errors.Is(err, gwproto.ErrFrame) {
		t.Fatalf("short data: err = %v, want ErrFrame", err)
	}
}
