// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

// TestJSONEncodeFailureFallsBackToBinary checks that a JSON response that
// fails to encode reaches a text connection in binary form, is counted,
// and leaves the connection and the server running.
func TestJSONEncodeFailureFallsBackToBinary(t *testing.T) {
	leaktest.Check(t)
	clientapi.FailJSONEncoding(t) // before start: restored after the server stops
	h := start(t, clientapi.Config{})
	ws, _, err := websocket.Dial(ctxT(t), h.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	waitFor(t, func() bool { return h.srv.Stats().Conns == 1 })

	read := func(what string) []byte {
		t.Helper()
		typ, b, err := ws.Read(ctxT(t))
		if err != nil || typ != websocket.MessageBinary {
			t.Fatalf("%s: %v %q %v, want a binary frame", what, typ, b, err)
		}
		return b
	}
	write := func(req string) {
		t.Helper()
		if err := ws.Write(ctxT(t), websocket.MessageText, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}

	write(`{"type":"selfAddress"}`)
	self := h.fake.addr
	if b := read("selfAddress"); b[0] != clientapi.TagSelfAddrRes || !bytes.Contains(b, self.Identity[:]) {
		t.Fatalf("selfAddress answer %x, want the binary form", b)
	}
	write(`{"type":`)
	if b := read("error"); len(b) < 10 || b[0] != clientapi.TagError || binary.BigEndian.Uint64(b[2:10]) != uint64(len(b)-10) {
		t.Fatalf("error answer %x, want the binary form", b)
	}
	push(t, h, client.Received{Message: []byte("hi")})
	want := []byte{clientapi.TagReceived, 0, 0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'}
	if b := read("received"); !bytes.Equal(b, want) {
		t.Fatalf("received %x, want %x", b, want)
	}
	if st := h.srv.Stats(); st.EncodeFailures != 3 || st.BadRequests != 1 || st.Conns != 1 {
		t.Fatalf("Stats %+v, want 3 encode failures, 1 bad request, the connection open", st)
	}
}
