// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/storage"
)

// handshakeError is a refusal sent to the client before closing.
type handshakeError struct {
	code, reason string
}

func (e *handshakeError) Error() string { return e.code + ": " + e.reason }

func refuse(code, format string, args ...any) error {
	return &handshakeError{code: code, reason: fmt.Sprintf(format, args...)}
}

// handshake sends hello, runs a registration or an authentication and
// returns the new session, registered as its client's live one. On failure
// it has told the client why and closed the connection.
func (g *Gateway) handshake(conn *websocket.Conn, ip netip.Addr) (*session, error) {
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.HandshakeTimeout)
	defer cancel()
	t, shared, mode, err := g.runHandshake(ctx, conn, ip)
	if err != nil {
		var he *handshakeError
		if errors.As(err, &he) {
			m := gwproto.ErrorMessage(he.code, he.reason)
			if conn.Write(ctx, websocket.MessageText, m.Encode()) == nil {
				conn.Close(gwproto.CloseHandshakeFailed, truncate(he.reason))
				return nil, err
			}
		}
		conn.CloseNow()
		return nil, err
	}
	s, err := g.newSession(conn, t, shared)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	s.ready = &gwproto.Message{Type: gwproto.TypeReady, Mode: mode, Proof: t.ReadyProof(shared)}
	return s, nil
}

// runHandshake does the message exchange; it returns the transcript, the
// shared key and "register" or "authenticate".
func (g *Gateway) runHandshake(ctx context.Context, conn *websocket.Conn, ip netip.Addr) (*gwproto.Transcript, []byte, string, error) {
	t := &gwproto.Transcript{Gateway: g.idPub}
	var err error
	if t.GatewayNonce, err = gwproto.NewNonce(g.deps.Rand); err != nil {
		return nil, nil, "", err
	}
	hello := &gwproto.Message{Type: gwproto.TypeHello, Version: gwproto.Version, Gateway: g.idB58, Nonce: t.GatewayNonce[:]}
	if err := conn.Write(ctx, websocket.MessageText, hello.Encode()); err != nil {
		return nil, nil, "", fmt.Errorf("gateway: write hello: %w", err)
	}
	m, err := readText(ctx, conn)
	if err != nil {
		return nil, nil, "", err
	}
	if t.Client, err = clientKey(m.Identity); err != nil {
		return nil, nil, "", refuse(gwproto.CodeBadRequest, "%v", err)
	}
	if len(m.Nonce) != gwproto.NonceSize {
		return nil, nil, "", refuse(gwproto.CodeBadRequest, "nonce must be %d bytes", gwproto.NonceSize)
	}
	copy(t.ClientNonce[:], m.Nonce)
	switch m.Type {
	case gwproto.TypeAuthenticate:
		shared, ok, err := g.deps.Keys.GetKey(ctx, storage.ClientID(t.Client))
		if err != nil {
			return nil, nil, "", refuse(gwproto.CodeInternal, "key store: %v", err)
		}
		if !ok {
			return nil, nil, "", refuse(gwproto.CodeUnknownClient, "no key registered for %s; register", m.Identity)
		}
		if err := gwproto.CheckProof(m.Proof, t.AuthProof(shared)); err != nil {
			return nil, nil, "", refuse(gwproto.CodeAuthFailed, "proof does not match the registered key")
		}
		g.remember(storage.ClientID(t.Client))
		g.touchKey(ctx, storage.ClientID(t.Client))
		return t, shared, "authenticate", nil
	case gwproto.TypeRegister:
		shared, err := g.register(ctx, conn, t, m, ip)
		return t, shared, "register", err
	default:
		return nil, nil, "", refuse(gwproto.CodeUnknownRequest, "expected register or authenticate, got %q", m.Type)
	}
}

// register finishes a registration after the client's register message.
func (g *Gateway) register(ctx context.Context, conn *websocket.Conn, t *gwproto.Transcript, m *gwproto.Message, ip netip.Addr) ([]byte, error) {
	if err := g.admitRegistration(ctx, storage.ClientID(t.Client), ip); err != nil {
		return nil, err
	}
	var err error
	if t.ClientEphemeral, err = gwproto.Key32("ephemeral", m.Ephemeral); err != nil {
		return nil, refuse(gwproto.CodeBadRequest, "%v", err)
	}
	eph, err := gwproto.NewEphemeral(g.deps.Rand)
	if err != nil {
		return nil, err
	}
	copy(t.GatewayEph[:], eph.PublicKey().Bytes())
	dh, err := gwproto.DH(eph, t.ClientEphemeral[:])
	if err != nil {
		return nil, refuse(gwproto.CodeBadRequest, "%v", err)
	}
	ch := &gwproto.Message{Type: gwproto.TypeRegisterChallenge, Ephemeral: t.GatewayEph[:], Signature: t.SignRegisterGateway(g.deps.Identity)}
	if err := conn.Write(ctx, websocket.MessageText, ch.Encode()); err != nil {
		return nil, fmt.Errorf("gateway: write challenge: %w", err)
	}
	fin, err := readText(ctx, conn)
	if err != nil {
		return nil, err
	}
	if fin.Type != gwproto.TypeRegisterFinish {
		return nil, refuse(gwproto.CodeUnknownRequest, "expected registerFinish, got %q", fin.Type)
	}
	if err := t.VerifyRegisterClient(fin.Signature); err != nil {
		return nil, refuse(gwproto.CodeAuthFailed, "client signature does not verify")
	}
	shared, err := t.SharedKey(dh)
	if err != nil {
		return nil, refuse(gwproto.CodeInternal, "%v", err)
	}
	if err := g.deps.Keys.PutKey(ctx, storage.ClientID(t.Client), shared); err != nil {
		return nil, refuse(gwproto.CodeInternal, "key store: %v", err)
	}
	g.remember(storage.ClientID(t.Client))
	g.ctr.registrations.Add(1)
	return shared, nil
}

// admitRegistration refuses a registration beyond the per-IP rate or,
// for an identity without a stored key, beyond MaxRegistered keys. (Two
// concurrent registrations may overshoot MaxRegistered by the number of
// handshakes in progress.)
func (g *Gateway) admitRegistration(ctx context.Context, client storage.ClientID, ip netip.Addr) error {
	if !g.regs.allow(ip) {
		g.ctr.refusedRegRate.Add(1)
		return refuse(gwproto.CodeRateLimited, "too many registrations from %v; try again later", ip)
	}
	n, err := g.deps.Keys.CountKeys()
	if err != nil {
		return refuse(gwproto.CodeInternal, "key store: %v", err)
	}
	if n < g.cfg.MaxRegistered {
		return nil
	}
	if _, ok, err := g.deps.Keys.GetKey(ctx, client); err == nil && ok {
		return nil // re-registration replaces the key
	}
	g.ctr.refusedRegFull.Add(1)
	return refuse(gwproto.CodeGatewayFull, "the gateway has %d registered clients, its limit", n)
}

// readText reads one handshake message; a binary or malformed message is
// refused.
func readText(ctx context.Context, conn *websocket.Conn) (*gwproto.Message, error) {
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("gateway: read handshake: %w", err)
	}
	if typ != websocket.MessageText {
		return nil, refuse(gwproto.CodeBadRequest, "binary message before authentication")
	}
	if len(b) > gwproto.MaxTextMessage {
		return nil, refuse(gwproto.CodeBadRequest, "handshake message of %d bytes (limit %d)", len(b), gwproto.MaxTextMessage)
	}
	m, err := gwproto.DecodeMessage(b)
	if err != nil {
		return nil, refuse(gwproto.CodeBadRequest, "%v", err)
	}
	return m, nil
}

func clientKey(s string) ([32]byte, error) {
	b, err := base58.Decode(s)
	if err != nil {
		return [32]byte{}, fmt.Errorf("identity: %w", err)
	}
	return gwproto.Key32("identity", b)
}

// truncate keeps a close reason within websocket's 123-byte limit.
func truncate(s string) string {
	if len(s) > 120 {
		return s[:120]
	}
	return s
}
