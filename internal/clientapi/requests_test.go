// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestSelfAddressBothForms(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	want := h.fake.addr

	ws := h.dialRaw(t)
	m := jsonRoundTrip(t, ws, `{"type":"selfAddress"}`)
	if m["type"] != "selfAddress" || m["address"] != want.String() {
		t.Fatalf("JSON selfAddress: %v", m)
	}
	b := binRoundTrip(t, ws, []byte{clientapi.TagSelfAddress})
	if !bytes.Equal(b, append([]byte{clientapi.TagSelfAddrRes}, binaryAddress(want)...)) {
		t.Fatalf("binary selfAddress: %x", b)
	}

	got, err := h.dial(t).SelfAddress(ctxT(t))
	if err != nil || got != want.String() {
		t.Fatalf("Conn.SelfAddress = %q, %v; want %q", got, err, want)
	}
}

func TestSendBothForms(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	to := addr(7)

	ws := h.dialRaw(t)
	if err := ws.Write(ctxT(t), websocket.MessageText, []byte(`{"type":"send","message":"hello","recipient":"`+to.String()+`","withReplySurb":true}`)); err != nil {
		t.Fatal(err)
	}
	// A send has no response on success; the next request's answer shows it
	// was handled.
	if m := jsonRoundTrip(t, ws, `{"type":"selfAddress"}`); m["type"] != "selfAddress" {
		t.Fatalf("after JSON send: %v", m)
	}

	bin := []byte{0xff, 0x00, 0x80} // not UTF-8: only the binary form carries it
	if err := h.dial(t).Send(ctxT(t), to.String(), bin, false); err != nil {
		t.Fatal(err)
	}

	sends := h.fake.sent()
	if len(sends) != 2 {
		t.Fatalf("backend got %d sends, want 2", len(sends))
	}
	if sends[0].to != to || string(sends[0].msg) != "hello" || !sends[0].withSURB {
		t.Fatalf("JSON send reached the backend as %+v", sends[0])
	}
	if sends[1].to != to || !bytes.Equal(sends[1].msg, bin) || sends[1].withSURB {
		t.Fatalf("binary send reached the backend as %+v", sends[1])
	}
}

func TestReplyBothForms(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	_, raw := surbFixture(t)

	ws := h.dialRaw(t)
	if err := ws.Write(ctxT(t), websocket.MessageText, []byte(`{"type":"reply","message":"answer","replySurb":"`+base58.Encode(raw)+`"}`)); err != nil {
		t.Fatal(err)
	}
	if m := jsonRoundTrip(t, ws, `{"type":"selfAddress"}`); m["type"] != "selfAddress" {
		t.Fatalf("after JSON reply: %v", m)
	}
	if err := h.dial(t).Reply(ctxT(t), raw, []byte("binary answer")); err != nil {
		t.Fatal(err)
	}
	reps := h.fake.replied()
	if len(reps) != 2 {
		t.Fatalf("backend got %d replies, want 2", len(reps))
	}
	for i, want := range []string{"answer", "binary answer"} {
		if string(reps[i].msg) != want || !bytes.Equal(reps[i].surb, raw) {
			t.Fatalf("reply %d reached the backend as %q with SURB equal %v", i, reps[i].msg, bytes.Equal(reps[i].surb, raw))
		}
	}
}

func TestMalformedRequestsKeepConnection(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	_, raw := surbFixture(t)
	to := addr(2)

	text := []struct{ name, in, want string }{
		{"bad JSON", `{"type":`, "malformed"},
		{"unknown type", `{"type":"dance"}`, "unknown request type"},
		{"bad address", `{"type":"send","message":"x","recipient":"nope"}`, "bad recipient"},
		{"bad base58 SURB", `{"type":"reply","message":"x","replySurb":"0OIl"}`, "bad replySurb"},
		{"empty frame", ``, "empty request"},
	}
	ws := h.dialRaw(t)
	for _, tt := range text {
		m := jsonRoundTrip(t, ws, tt.in)
		msg, _ := m["message"].(string)
		if m["type"] != "error" || !strings.Contains(msg, tt.want) {
			t.Fatalf("%s: got %v, want an error containing %q", tt.name, m, tt.want)
		}
		if m := jsonRoundTrip(t, ws, `{"type":"selfAddress"}`); m["type"] != "selfAddress" {
			t.Fatalf("%s: connection unusable after the error: %v", tt.name, m)
		}
	}

	send := func(n uint64, msg []byte) []byte {
		b := append([]byte{clientapi.TagSend, 0}, binaryAddress(to)...)
		b = binary.BigEndian.AppendUint64(b, n)
		return append(b, msg...)
	}
	reply := append([]byte{clientapi.TagReply}, binary.BigEndian.AppendUint64(nil, uint64(len(raw)+5))...)
	reply = append(reply, raw...)
	bin := []struct {
		name string
		in   []byte
		code byte
	}{
		{"empty", []byte{}, clientapi.CodeEmptyRequest},
		{"unknown tag", []byte{0x09}, clientapi.CodeUnknownRequest},
		{"short send", []byte{clientapi.TagSend, 0, 1, 2}, clientapi.CodeTooShortRequest},
		{"length larger than data", send(10, []byte("abc")), clientapi.CodeMalformedRequest},
		{"length smaller than data", send(1, []byte("abc")), clientapi.CodeMalformedRequest},
		{"SURB length past the end", reply, clientapi.CodeMalformedRequest},
		{"short reply", []byte{clientapi.TagReply, 1}, clientapi.CodeTooShortRequest},
	}
	bws := h.dialRaw(t)
	for _, tt := range bin {
		b := binRoundTrip(t, bws, tt.in)
		if len(b) < 10 || b[0] != clientapi.TagError || b[1] != tt.code ||
			binary.BigEndian.Uint64(b[2:]) != uint64(len(b)-10) {
			t.Fatalf("%s: got %x, want an error with code 0x%02x", tt.name, b, tt.code)
		}
		if b := binRoundTrip(t, bws, []byte{clientapi.TagSelfAddress}); b[0] != clientapi.TagSelfAddrRes {
			t.Fatalf("%s: connection unusable after the error: %x", tt.name, b)
		}
	}
	if len(h.fake.sent()) != 0 {
		t.Fatal("a malformed request reached the backend")
	}
	if got, want := h.srv.Stats().BadRequests, uint64(len(text)+len(bin)); got != want {
		t.Fatalf("BadRequests = %d, want %d", got, want)
	}

	// Conn reports a bad recipient before sending anything.
	if err := h.dial(t).Send(ctxT(t), "nope", []byte("x"), false); !errors.Is(err, address.ErrInvalid) {
		t.Fatalf("Send to a bad address: %v", err)
	}
}

func TestBackendErrorsBecomeResponses(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	to := addr(4)
	h.fake.setSendErr(client.ErrNoTopology)

	c := h.dial(t)
	err := c.Send(ctxT(t), to.String(), []byte("x"), false)
	var se *clientapi.ServerError
	if !errors.As(err, &se) || se.Code != clientapi.CodeOther || !strings.Contains(se.Message, "no usable topology") {
		t.Fatalf("Send with no topology: %v", err)
	}
	ws := h.dialRaw(t)
	m := jsonRoundTrip(t, ws, `{"type":"send","message":"x","recipient":"`+to.String()+`"}`)
	if msg, _ := m["message"].(string); m["type"] != "error" || !strings.Contains(msg, "no usable topology") {
		t.Fatalf("JSON send with no topology: %v", m)
	}

	// The error belonged to that request only.
	h.fake.setSendErr(nil)
	if err := c.Send(ctxT(t), to.String(), []byte("y"), false); err != nil {
		t.Fatalf("Send after the backend recovered: %v", err)
	}
	if s := h.fake.sent(); len(s) != 1 || string(s[0].msg) != "y" {
		t.Fatalf("backend sends: %+v", s)
	}
}

func TestMessageLimit(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{MaxMessage: 1000})
	c := h.dial(t)
	to := addr(1).String()

	// Over MaxMessage but within the frame limit: an error response.
	var se *clientapi.ServerError
	if err := c.Send(ctxT(t), to, make([]byte, 1001), false); !errors.As(err, &se) || !strings.Contains(se.Message, "exceeds") {
		t.Fatalf("Send of 1001 bytes: %v", err)
	}
	if err := c.Send(ctxT(t), to, make([]byte, 1000), false); err != nil {
		t.Fatalf("Send of 1000 bytes: %v", err)
	}
	// A frame over MaxMessage + FrameOverhead closes the connection with
	// status 1009.
	ws := h.dialRaw(t)
	big := make([]byte, 1000+clientapi.FrameOverhead+1)
	_ = ws.Write(ctxT(t), websocket.MessageBinary, big)
	_, _, err := ws.Read(ctxT(t))
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("read after an oversized frame: %v, want close status 1009", err)
	}
}

// TestConcurrentSenders checks that each Send gets its own request's error,
// with several goroutines sending on one Conn.
func TestConcurrentSenders(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	c := h.dial(t)
	to := addr(6).String()
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			msg := "good-" + string(rune('a'+i))
			if i%2 == 1 {
				msg = "bad-" + string(rune('a'+i))
			}
			errs[i] = c.Send(ctxT(t), to, []byte(msg), false)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && err != nil {
			t.Errorf("good send %d: %v", i, err)
		}
		if want := "refused bad-" + string(rune('a'+i)); i%2 == 1 && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("bad send %d: %v, want an error containing %q", i, err, want)
		}
	}
	if got := len(h.fake.sent()); got != n/2 {
		t.Fatalf("backend queued %d messages, want %d", got, n/2)
	}
}

// TestAbandonedRequest checks that the answer to a request whose caller gave
// up is not taken for the next request's.
func TestAbandonedRequest(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	h.fake.block, h.fake.entered = make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(h.fake.block) })
	t.Cleanup(release) // before the server stops (cleanups run last first)
	c := h.dial(t)
	to := addr(6).String()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Send(ctx, to, []byte("block"), false) }()
	<-h.fake.entered // the request reached the backend; give up on it
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned Send: %v", err)
	}
	release()
	// The abandoned request's error response, then its selfAddress answer,
	// arrive now; the next request must skip both.
	if err := c.Send(ctxT(t), to, []byte("next"), false); err != nil {
		t.Fatalf("Send after an abandoned one: %v", err)
	}
}
