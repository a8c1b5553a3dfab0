// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwclient

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/gateway/gwproto"
)

// RefusedError is a gateway's error message during the handshake.
type RefusedError struct {
	Code   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("gwclient: gateway refused: %s: %s", e.Code, e.Reason)
}

// readJSON reads one text message.
func readJSON(ctx context.Context, c *websocket.Conn) (*gwproto.Message, error) {
	typ, b, err := c.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("gwclient: read: %w", err)
	}
	if typ != websocket.MessageText {
		return nil, errors.New("gwclient: binary message during the handshake")
	}
	m, err := gwproto.DecodeMessage(b)
	if err != nil {
		return nil, err
	}
	if m.Type == gwproto.TypeError {
		return nil, &RefusedError{Code: m.Code, Reason: m.Reason}
	}
	return m, nil
}

func writeJSON(ctx context.Context, c *websocket.Conn, m *gwproto.Message) error {
	if err := c.Write(ctx, websocket.MessageText, m.Encode()); err != nil {
		return fmt.Errorf("gwclient: write: %w", err)
	}
	return nil
}

// expect reads a message and checks its type.
func expect(ctx context.Context, c *websocket.Conn, typ string) (*gwproto.Message, error) {
	m, err := readJSON(ctx, c)
	if err != nil {
		return nil, err
	}
	if m.Type != typ {
		return nil, fmt.Errorf("gwclient: got %q, want %q", m.Type, typ)
	}
	return m, nil
}

// hello reads the gateway's hello and fills t's gateway fields.
func hello(ctx context.Context, c *websocket.Conn, gateway ed25519.PublicKey, t *gwproto.Transcript) error {
	m, err := expect(ctx, c, gwproto.TypeHello)
	if err != nil {
		return err
	}
	if m.Version != gwproto.Version {
		return fmt.Errorf("gwclient: gateway speaks version %d, want %d", m.Version, gwproto.Version)
	}
	if m.Gateway != base58.Encode(gateway) {
		return fmt.Errorf("gwclient: gateway identity %s, want %s", m.Gateway, base58.Encode(gateway))
	}
	if len(m.Nonce) != gwproto.NonceSize {
		return fmt.Errorf("gwclient: hello nonce of %d bytes", len(m.Nonce))
	}
	copy(t.GatewayNonce[:], m.Nonce)
	copy(t.Gateway[:], gateway)
	return nil
}

// register runs a registration and returns the new shared key and the
// transcript the session keys derive from.
func register(ctx context.Context, c *websocket.Conn, id ed25519.PrivateKey, gateway ed25519.PublicKey, rand io.Reader) ([]byte, *gwproto.Transcript, error) {
	t := new(gwproto.Transcript)
	if err := hello(ctx, c, gateway, t); err != nil {
		return nil, nil, err
	}
	copy(t.Client[:], id.Public().(ed25519.PublicKey))
	eph, err := gwproto.NewEphemeral(rand)
	if err != nil {
		return nil, nil, err
	}
	if t.ClientNonce, err = gwproto.NewNonce(rand); err != nil {
		return nil, nil, err
	}
	copy(t.ClientEphemeral[:], eph.PublicKey().Bytes())
	if err := writeJSON(ctx, c, &gwproto.Message{Type: gwproto.TypeRegister, Identity: base58.Encode(t.Client[:]),
		Ephemeral: t.ClientEphemeral[:], Nonce: t.ClientNonce[:]}); err != nil {
		return nil, nil, err
	}
	ch, err := expect(ctx, c, gwproto.TypeRegisterChallenge)
	if err != nil {
		return nil, nil, err
	}
	if t.GatewayEph, err = gwproto.Key32("ephemeral", ch.Ephemeral); err != nil {
		return nil, nil, err
	}
	if err := t.VerifyRegisterGateway(ch.Signature); err != nil {
		return nil, nil, err
	}
	dh, err := gwproto.DH(eph, t.GatewayEph[:])
	if err != nil {
		return nil, nil, err
	}
	shared, err := t.SharedKey(dh)
	if err != nil {
		return nil, nil, err
	}
	if err := writeJSON(ctx, c, &gwproto.Message{Type: gwproto.TypeRegisterFinish, Signature: t.SignRegisterClient(id)}); err != nil {
		return nil, nil, err
	}
	if err := ready(ctx, c, t, shared); err != nil {
		return nil, nil, err
	}
	return shared, t, nil
}

// authenticate proves possession of shared over a fresh pair of nonces.
func authenticate(ctx context.Context, c *websocket.Conn, id ed25519.PrivateKey, gateway ed25519.PublicKey, shared []byte, rand io.Reader) (*gwproto.Transcript, error) {
	t := new(gwproto.Transcript)
	if err := hello(ctx, c, gateway, t); err != nil {
		return nil, err
	}
	copy(t.Client[:], id.Public().(ed25519.PublicKey))
	var err error
	if t.ClientNonce, err = gwproto.NewNonce(rand); err != nil {
		return nil, err
	}
	if err := writeJSON(ctx, c, &gwproto.Message{Type: gwproto.TypeAuthenticate, Identity: base58.Encode(t.Client[:]),
		Nonce: t.ClientNonce[:], Proof: t.AuthProof(shared)}); err != nil {
		return nil, err
	}
	if err := ready(ctx, c, t, shared); err != nil {
		return nil, err
	}
	return t, nil
}

// ready reads Ready and checks the gateway's proof of the shared key.
func ready(ctx context.Context, c *websocket.Conn, t *gwproto.Transcript, shared []byte) error {
	m, err := expect(ctx, c, gwproto.TypeReady)
	if err != nil {
		return err
	}
	return gwproto.CheckProof(m.Proof, t.ReadyProof(shared))
}
