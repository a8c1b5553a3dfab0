// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

func TestRegisterThenAuthenticateAcrossRestart(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c := e.dial(u)
	if !c.Registered() {
		t.Fatal("first Dial did not register")
	}
	c.Close()
	if c2 := e.dial(u); c2.Registered() {
		t.Fatal("second Dial registered again instead of authenticating")
	} else {
		c2.Close()
	}
	e.restart()
	c3 := e.dial(u)
	if c3.Registered() {
		t.Fatal("Dial after a gateway restart registered again: the key was not kept")
	}
	if st := e.gw.Stats(); st.RegisteredClients != 1 {
		t.Fatalf("RegisteredClients = %d, want 1", st.RegisteredClients)
	}
	// A client that lost its key registers again.
	u.keys = new(gwclient.MemKeys)
	if c4 := e.dial(u); !c4.Registered() {
		t.Fatal("a client without a key did not register")
	}
}

func TestSecondConnectionTakesOver(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c1 := e.dial(u)
	c2 := e.dial(u)
	waitClosedWith(t, "first connection", c1, gwproto.CloseReplaced)
	deliverText(t, e, u, c2, "new connection", "to the new one")
}

func TestBadFramesCloseTheConnection(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	bystander := newUser(t)
	bc := e.dial(bystander)
	ack := gwproto.AppendAck(nil, []uint64{1})
	for _, tc := range []struct {
		name  string
		sendf func(c *gwclient.Client) error
	}{
		{"forged", func(c *gwclient.Client) error {
			f := c.SealFrame(ack)
			f[3] ^= 1
			return c.WriteRaw(context.Background(), websocket.MessageBinary, f)
		}},
		{"replayed", func(c *gwclient.Client) error {
			f := c.SealFrame(ack)
			if err := c.WriteRaw(context.Background(), websocket.MessageBinary, f); err != nil {
				return err
			}
			return c.WriteRaw(context.Background(), websocket.MessageBinary, f)
		}},
		{"reordered", func(c *gwclient.Client) error {
			c.SealFrame(ack) // frame 0, never sent
			return c.WriteRaw(context.Background(), websocket.MessageBinary, c.SealFrame(ack))
		}},
		{"garbage", func(c *gwclient.Client) error {
			return c.WriteRaw(context.Background(), websocket.MessageBinary, []byte("not a frame at all"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dial(newUser(t))
			if err := tc.sendf(c); err != nil {
				t.Fatal(err)
			}
			waitClosedWith(t, "connection", c, gwproto.CloseBadFrame)
		})
	}
	if e.gw.Stats().Refused["bad_frame"] != 4 {
		t.Fatalf("bad_frame = %d, want 4", e.gw.Stats().Refused["bad_frame"])
	}
	deliverText(t, e, bystander, bc, "bystander", "still here")
}

func TestOfflineClientGetsStoredMessagesInOrder(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	goOffline(t, e, u)
	const n = 250 // more than one fetch batch
	for i := range n {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), fmt.Appendf(nil, "msg %03d", i)))
	}
	// memstore's writes are durable at once, so every SURB-ack is out.
	if got := e.fwd.count(); got != n {
		t.Fatalf("forwarded %d SURB-acks, want %d", got, n)
	}
	for i, p := range e.fwd.list() {
		if p.hop != ackHop || p.size != sphinx.Ack || p.pkt[0] != byte(i) {
			t.Fatalf("SURB-ack %d = %v %v %d", i, p.hop, p.size, p.pkt[0])
		}
	}
	c := e.dial(u)
	var ids []uint64
	for i := range n {
		d := receive(t, c)
		if want := fmt.Sprintf("msg %03d", i); string(d.Data) != want || !d.Stored() {
			t.Fatalf("delivery %d = %q stored=%v, want %q from the inbox", i, d.Data, d.Stored(), want)
		}
		ids = append(ids, d.ID)
		if len(ids) == 50 {
			if err := c.Ack(context.Background(), ids...); err != nil {
				t.Fatal(err)
			}
			ids = ids[:0]
		}
	}
	waitFor(t, "inbox emptied by acks", func() bool { return e.gw.Stats().StoredMessages == 0 })
	// Now live: a new message is pushed, not stored.
	waitFor(t, "live mode", func() bool {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(9, []byte("live")))
		d := receive(t, c)
		c.Ack(context.Background(), d.ID)
		return !d.Stored()
	})
}

func TestLiveMessageSURBAckWaitsForClientAck(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c := e.dial(u)
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(7, []byte("hello")))
	d := receive(t, c)
	if d.Stored() || d.Reply() || string(d.Data) != "hello" {
		t.Fatalf("delivery = %+v", d)
	}
	if e.fwd.count() != 0 {
		t.Fatal("SURB-ack forwarded before the client acked")
	}
	if err := c.Request(context.Background(), &gwproto.Message{Type: gwproto.TypeAck, IDs: []uint64{d.ID}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SURB-ack", func() bool { return e.fwd.count() == 1 })
	if e.gw.Stats().StoredMessages != 0 || e.gw.Stats().DeliveredLive != 1 {
		t.Fatalf("stats = %+v", e.gw.Stats())
	}
}

func TestUnackedMessageGoesToInboxAfterTimeout(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c := e.dial(u)
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(7, []byte("slow")))
	d := receive(t, c)
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.clk.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(4 * time.Second)
	if e.fwd.count() != 0 || e.gw.Stats().StoredMessages != 0 {
		t.Fatal("acted before the ack timeout")
	}
	e.clk.Advance(time.Second)
	waitFor(t, "store after ack timeout", func() bool { return e.gw.Stats().Stored == 1 && e.fwd.count() == 1 })
	// It is delivered again from the inbox, with the same id.
	d2 := receive(t, c)
	if d2.ID != d.ID || !d2.Stored() {
		t.Fatalf("redelivery = %+v, want id %d from the inbox", d2, d.ID)
	}
	c.Ack(context.Background(), d2.ID)
	waitFor(t, "inbox empty", func() bool { return e.gw.Stats().StoredMessages == 0 })
}

func TestDisconnectStoresPendingMessages(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c := e.dial(u)
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(7, []byte("keep me")))
	d := receive(t, c)
	c.Close()
	waitFor(t, "pending stored", func() bool { return e.gw.Stats().StoredMessages == 1 && e.fwd.count() == 1 })
	c2 := e.dial(u)
	if d2 := receive(t, c2); d2.ID != d.ID || string(d2.Data) != "keep me" {
		t.Fatalf("redelivery = %+v", d2)
	}
}

func TestKindsOfFinalPackets(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	c := e.dial(u)
	// An ack-size packet: its plaintext is delivered, flagged.
	final(t, e.gw, u.dest(), sphinx.Ack, []byte("0123456789abcdefghijk"))
	if d := receive(t, c); !d.IsAck() || string(d.Data) != "0123456789abcdefghijk" {
		t.Fatalf("ack delivery = %+v", d)
	}
	// A reply (payload that does not open): delivered raw, flagged.
	raw := make([]byte, sphinx.Regular.PayloadSize())
	rand.Read(raw)
	// It carries the Sphinx identifier, apart from the data.
	ident := sphinx.Identifier{0x1d, 15: 0x2e}
	e.gw.Final(&sphinx.Unwrapped{Action: sphinx.Final, Size: sphinx.Regular, Destination: u.dest(), Identifier: ident, Payload: raw})
	if d := receive(t, c); !d.Reply() || !bytes.Equal(d.Data, raw) || !d.HasIdentifier() || d.Identifier != ident {
		t.Fatalf("reply delivery: reply=%v len=%d identifier=%v %x", d.Reply(), len(d.Data), d.HasIdentifier(), d.Identifier)
	}
	// Cover (zero SURB-ack hop): delivered, nothing forwarded on ack.
	pt := append(make([]byte, gwproto.SURBAckSize), "cover"...)
	final(t, e.gw, u.dest(), sphinx.Regular, pt)
	d := receive(t, c)
	c.Ack(context.Background(), d.ID)
	// Unknown recipient: dropped, counted.
	final(t, e.gw, newUser(t).dest(), sphinx.Regular, forwardPlaintext(1, []byte("nobody")))
	waitFor(t, "counts", func() bool { return e.gw.Stats().DeliveredLive == 1 })
	if st := e.gw.Stats(); st.Dropped["unknown_recipient"] != 1 || e.fwd.count() != 0 {
		t.Fatalf("stats %+v, forwarded %d", st, e.fwd.count())
	}
}

func TestQuotaRefusalsGetNoSURBAck(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{MaxMessages: 2})
	u := newUser(t)
	goOffline(t, e, u)
	for i := range 3 {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), []byte("x")))
	}
	st := e.gw.Stats()
	if st.Stored != 2 || st.Dropped["quota_messages"] != 1 || e.fwd.count() != 2 {
		t.Fatalf("stored %d, quota refusals %d, SURB-acks %d; want 2, 1, 2", st.Stored, st.Dropped["quota_messages"], e.fwd.count())
	}
}

func TestRetentionExpiresStoredMessages(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{Retention: 7 * 24 * time.Hour})
	u := newUser(t)
	goOffline(t, e, u)
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(1, []byte("old")))
	e.clk.Advance(6 * 24 * time.Hour)
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(2, []byte("new")))
	e.clk.Advance(24*time.Hour + time.Second)
	if n, err := e.store.Expire(context.Background(), e.clk.Now()); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	c := e.dial(u)
	if d := receive(t, c); string(d.Data) != "new" {
		t.Fatalf("got %q, want only the message within retention", d.Data)
	}
}

func TestGarbageOnTheClientPort(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	bystander := newUser(t)
	bc := e.dial(bystander)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	valid := base58.Encode(newUser(t).id.Public().(ed25519.PublicKey))
	for _, msg := range []struct {
		typ  websocket.MessageType
		body string
		code string
	}{
		{websocket.MessageBinary, "\x00\x01binary first", gwproto.CodeBadRequest},
		{websocket.MessageText, "{not json", gwproto.CodeBadRequest},
		{websocket.MessageText, `{"type":"frobnicate","identity":"` + valid + `","nonce":"` + b64(32) + `"}`, gwproto.CodeUnknownRequest},
		{websocket.MessageText, `{"type":"authenticate","identity":"!!","nonce":"AA=="}`, gwproto.CodeBadRequest},
		{websocket.MessageText, `{"type":"authenticate","identity":"` + valid + `","nonce":"` + b64(32) + `","proof":"` + b64(32) + `"}`, gwproto.CodeUnknownClient},
		{websocket.MessageText, `{"type":"register","identity":"` + valid + `","nonce":"` + b64(32) + `","ephemeral":"` + b64(5) + `"}`, gwproto.CodeBadRequest},
	} {
		conn, _, err := websocket.Dial(ctx, e.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := conn.Read(ctx); err != nil { // hello
			t.Fatal(err)
		}
		if err := conn.Write(ctx, msg.typ, []byte(msg.body)); err != nil {
			t.Fatal(err)
		}
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("%q: no error response: %v", msg.body, err)
		}
		m, err := gwproto.DecodeMessage(b)
		if err != nil || m.Type != gwproto.TypeError || m.Code != msg.code {
			t.Fatalf("%q: response %s, want error %s", msg.body, b, msg.code)
		}
		_, _, err = conn.Read(ctx)
		if websocket.CloseStatus(err) != gwproto.CloseHandshakeFailed {
			t.Fatalf("%q: then %v, want close %d", msg.body, err, gwproto.CloseHandshakeFailed)
		}
		conn.CloseNow()
	}
	// A message over the read limit is refused by the websocket layer.
	conn, _, err := websocket.Dial(ctx, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.Read(ctx)
	conn.Write(ctx, websocket.MessageText, make([]byte, gwproto.MaxReadLimit+1))
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: %v", err)
	}
	conn.CloseNow()
	// After the handshake: a text frame and unknown requests get errors, and
	// the connection stays.
	c := e.dial(newUser(t))
	c.WriteRaw(ctx, websocket.MessageText, []byte(`{"type":"ack","ids":[1]}`))
	c.Request(ctx, &gwproto.Message{Type: "frobnicate"})
	c.WriteRaw(ctx, websocket.MessageBinary, c.SealFrame([]byte{0x7f, 1, 2}))
	c.WriteRaw(ctx, websocket.MessageBinary, c.SealFrame([]byte{byte(gwproto.KindSend), 1, 2}))
	c.WriteRaw(ctx, websocket.MessageBinary, c.SealFrame([]byte{byte(gwproto.KindJSON), '{'}))
	for _, want := range []string{gwproto.CodeEncrypted, gwproto.CodeUnknownRequest, gwproto.CodeUnknownRequest, gwproto.CodeBadPacket, gwproto.CodeBadRequest} {
		select {
		case m := <-c.Notices():
			if m.Code != want {
				t.Fatalf("notice %+v, want code %s", m, want)
			}
		case <-ctx.Done():
			t.Fatalf("no %s notice", want)
		}
	}
	if c.Err() != nil {
		t.Fatalf("connection closed: %v", c.Err())
	}
	deliverText(t, e, bystander, bc, "bystander", "unaffected")
}

func TestReplayedAuthenticateIsRefused(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	e.dial(u).Close()
	shared, _, _ := u.keys.LoadKey(e.gwPub())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// An authenticate recorded from an earlier session (its gateway nonce
	// was different) must not verify.
	tr := &gwproto.Transcript{}
	copy(tr.Client[:], u.id.Public().(ed25519.PublicKey))
	copy(tr.Gateway[:], e.gwPub())
	rand.Read(tr.GatewayNonce[:])
	rand.Read(tr.ClientNonce[:])
	old := &gwproto.Message{Type: gwproto.TypeAuthenticate, Identity: base58.Encode(tr.Client[:]), Nonce: tr.ClientNonce[:], Proof: tr.AuthProof(shared)}
	conn, _, err := websocket.Dial(ctx, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.Read(ctx)
	conn.Write(ctx, websocket.MessageText, old.Encode())
	_, b, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := gwproto.DecodeMessage(b); m == nil || m.Code != gwproto.CodeAuthFailed {
		t.Fatalf("response %s, want auth_failed", b)
	}
}

func b64(n int) string {
	b, _ := (&gwproto.Message{Nonce: make([]byte, n)}).Encode(), 0
	// {"type":"","nonce":"..."} — take the base64 field
	s := string(b)
	i := bytes.Index(b, []byte(`"nonce":"`)) + len(`"nonce":"`)
	return s[i : len(s)-2]
}

var _ = errors.Is

// goOffline registers u with the gateway and waits until its session has
// ended: messages for u are stored from then on.
func goOffline(t *testing.T, e *env, u *user) {
	t.Helper()
	e.dial(u).Close()
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 0 })
}

// deliverText hands the gateway a packet for u with the plaintext text and
// checks that u's connection c, which who names, receives it.
func deliverText(t *testing.T, e *env, u *user, c *gwclient.Client, who, text string) {
	t.Helper()
	final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(1, []byte(text)))
	if d := receive(t, c); string(d.Data) != text {
		t.Fatalf("%s got %q, want %q", who, d.Data, text)
	}
}

// waitClosedWith waits (bounded) until the gateway closes c, which what
// names, and checks the websocket close code.
func waitClosedWith(t *testing.T, what string, c *gwclient.Client, code websocket.StatusCode) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not closed", what)
	}
	if got := websocket.CloseStatus(c.Err()); got != code {
		t.Fatalf("%s closed with %v (%v), want %d", what, got, c.Err(), code)
	}
}
