// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestReceivedFanOut(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	surb, raw := surbFixture(t)
	a, b := h.dial(t), h.dial(t)
	text := h.dialRaw(t) // has sent nothing: gets JSON while the message is UTF-8

	h.fake.recv <- client.Received{Message: []byte("to all"), ReplySURB: surb}
	for i, c := range []*clientapi.Conn{a, b} {
		got, err := c.Receive(ctxT(t))
		if err != nil || string(got.Message) != "to all" || !bytes.Equal(got.ReplySURB, raw) {
			t.Fatalf("conn %d: %q %v (SURB equal %v)", i, got.Message, err, bytes.Equal(got.ReplySURB, raw))
		}
	}
	m := readJSON(t, text)
	if m["type"] != "received" || m["message"] != "to all" || m["replySurb"] != base58.Encode(raw) {
		t.Fatalf("JSON received: %v", m)
	}

	// Not UTF-8: the text connection gets the binary form.
	h.fake.recv <- client.Received{Message: []byte{0xfe, 0xff}}
	for i, c := range []*clientapi.Conn{a, b} {
		got, err := c.Receive(ctxT(t))
		if err != nil || !bytes.Equal(got.Message, []byte{0xfe, 0xff}) || got.ReplySURB != nil {
			t.Fatalf("conn %d: %x %v", i, got.Message, err)
		}
	}
	typ, fb, err := text.Read(ctxT(t))
	if err != nil || typ != websocket.MessageBinary || !bytes.Equal(fb, []byte{clientapi.TagReceived, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xfe, 0xff}) {
		t.Fatalf("text connection got %v %x %v", typ, fb, err)
	}
	if got := h.srv.Stats().Received; got != 2 {
		t.Fatalf("Stats.Received = %d, want 2", got)
	}
}

// TestNoReceiveWithoutConnection checks that the server leaves messages in
// the backend while no application is connected.
func TestNoReceiveWithoutConnection(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	h.fake.recv <- client.Received{Message: []byte("wait for me")}
	// The dispatcher takes every failure (with no connection it logs it).
	// Each unbuffered send completes only when it selects again, with the
	// message ready on Receive: had it watched Receive, it would have taken
	// the message at one of these selects (each picks a ready case at
	// random).
	for i := range 64 {
		h.fake.fails <- client.Failure{ID: client.MessageID(i + 1000), Err: errors.New("lost")}
	}
	if len(h.fake.recv) != 1 {
		t.Fatal("the server read Receive with no connection open")
	}
	waitFor(t, func() bool { return h.srv.Stats().FailuresLogged == 64 })
	if st := h.srv.Stats(); st.Received != 0 {
		t.Fatalf("stats %+v, want nothing received", st)
	}
	// The first connection gets it.
	c := h.dial(t)
	got, err := c.Receive(ctxT(t))
	if err != nil || string(got.Message) != "wait for me" {
		t.Fatalf("Receive: %q %v", got.Message, err)
	}
	// And after it closes, the server stops reading again.
	c.Close()
	waitFor(t, func() bool { return h.srv.Stats().Conns == 0 })
	// Two handled failures: the dispatcher has seen the connection go.
	for i := range 2 {
		h.fake.fails <- client.Failure{ID: client.MessageID(i + 3000), Err: errors.New("lost")}
	}
	h.fake.recv <- client.Received{Message: []byte("later")}
	for i := range 64 {
		h.fake.fails <- client.Failure{ID: client.MessageID(i + 2000), Err: errors.New("lost")}
	}
	if len(h.fake.recv) != 1 {
		t.Fatal("the server read Receive after the last connection closed")
	}
}

func TestFailuresRouted(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	a, b := h.dial(t), h.dial(t)
	to := addr(8).String()
	if err := a.Send(ctxT(t), to, []byte("from a"), false); err != nil {
		t.Fatal(err)
	}
	id := h.fake.sent()[0].id

	h.fake.fails <- client.Failure{ID: id, Err: errors.New("no ack")}
	h.fake.recv <- client.Received{Message: []byte("marker")}
	_, err := a.Receive(ctxT(t))
	var se *clientapi.ServerError
	if !errors.As(err, &se) || se.Code != clientapi.CodeMessageFailed || !strings.Contains(se.Message, "no ack") {
		t.Fatalf("sender's Receive: %v, want a CodeMessageFailed error", err)
	}
	// b did not get the failure: the marker, queued after it, comes first.
	for i, c := range []*clientapi.Conn{a, b} {
		if got, err := c.Receive(ctxT(t)); err != nil || string(got.Message) != "marker" {
			t.Fatalf("conn %d: %q %v, want the marker", i, got.Message, err)
		}
	}

	// A failure arriving while a Send waits for its answer does not become
	// that Send's error.
	h.fake.fails <- client.Failure{ID: id, Err: errors.New("again")}
	if err := a.Send(ctxT(t), to, []byte("second"), false); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := a.Receive(ctxT(t)); !errors.As(err, &se) || !strings.Contains(se.Message, "again") {
		t.Fatalf("Receive: %v, want the second failure", err)
	}

	// Once the sender has gone, its failures go to every connection.
	a.Close()
	waitFor(t, func() bool { return h.srv.Stats().Conns == 1 })
	h.fake.fails <- client.Failure{ID: id, Err: errors.New("orphan")}
	if _, err := b.Receive(ctxT(t)); !errors.As(err, &se) || !strings.Contains(se.Message, "orphan") {
		t.Fatalf("other connection's Receive: %v, want the orphaned failure", err)
	}
}

func TestSlowReaderDropped(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{WriteQueue: 4, WriteTimeout: testTimeout})
	fast := h.dial(t)
	slow := h.dialRaw(t) // never reads until the end

	const size = 256 << 10
	ctx := ctxT(t)
	got1 := make(chan bool)
	go func() {
		for {
			m, err := fast.Receive(ctx)
			got1 <- err == nil && len(m.Message) == size
			if err != nil {
				return
			}
		}
	}()
	// The socket buffers hold some megabytes, then the slow connection's
	// queue of 4 fills and it is closed. The fast one, which keeps up,
	// gets every message (each is read before the next is offered).
	sent := 0
	for ; sent < 400 && h.srv.Stats().SlowDrops == 0; sent++ {
		select {
		case h.fake.recv <- client.Received{Message: make([]byte, size)}:
		case <-time.After(testTimeout):
			t.Fatal("the server stopped reading Receive: a slow connection blocked it")
		}
		if ok := <-got1; !ok {
			t.Fatalf("fast connection failed at message %d", sent)
		}
	}
	if st := h.srv.Stats(); st.SlowDrops != 1 || st.WriteFailures != 0 {
		t.Fatalf("after %d messages: %+v, want one slow drop", sent, st)
	}
	fast.Close()
	<-got1 // the reader's final error
	// Reading at last, the slow application gets what was buffered (its
	// first answer, then messages), then the close status.
	got := 0
	var err error
	for {
		if _, _, err = slow.Read(ctxT(t)); err != nil {
			break
		}
		got++
	}
	if got >= sent {
		t.Fatalf("slow connection read all %d messages", got)
	}
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "too slowly") {
		t.Fatalf("slow connection ended with %v, want status 1008", err)
	}
	waitFor(t, func() bool { return h.srv.Stats().Conns == 0 })
}
