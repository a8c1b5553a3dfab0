// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

// dialSilent connects a raw websocket that never reads (a stuck
// application) and waits until the server has registered it.
func dialSilent(t *testing.T, h *harness) *websocket.Conn {
	t.Helper()
	before := h.srv.Stats().Conns
	ws, _, err := websocket.Dial(ctxT(t), h.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	waitFor(t, func() bool { return h.srv.Stats().Conns == before+1 })
	return ws
}

// push hands m to the server's dispatcher.
func push(t *testing.T, h *harness, m client.Received) {
	t.Helper()
	select {
	case h.fake.recv <- m:
	case <-time.After(testTimeout):
		t.Fatal("the server stopped reading Receive")
	}
}

// filler returns n bytes that JSON carries as they are.
func filler(n int) []byte { return bytes.Repeat([]byte{'x'}, n) }

// pushUntilSlowDrop pushes messages of size bytes until the server has
// closed a connection as too slow (after which, with no live connection,
// it stops reading Receive). It returns how many it pushed.
func pushUntilSlowDrop(t *testing.T, h *harness, size, limit int) int {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(testTimeout)
	for n := 0; ; {
		if h.srv.Stats().SlowDrops > 0 {
			return n
		}
		if n == limit {
			t.Fatalf("%d messages of %d bytes queued without a slow drop", n, size)
		}
		select {
		case h.fake.recv <- client.Received{Message: filler(size)}:
			n++
		case <-tick.C: // look at SlowDrops again
		case <-deadline:
			t.Fatal("the server stopped reading Receive with no slow drop")
		}
	}
}

// receiveUntil reads c until a message equal to want, which must come
// within 5 s, after at most skip others.
func receiveUntil(t *testing.T, c *clientapi.Conn, want []byte, skip int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; ; i++ {
		got, err := c.Receive(ctx)
		if err != nil {
			t.Fatalf("waiting for the %d-byte message: %v", len(want), err)
		}
		if bytes.Equal(got.Message, want) {
			return
		}
		if i == skip {
			t.Fatalf("%d messages before the %d-byte one", i+1, len(want))
		}
	}
}

// TestMessageKeptWhenOnlyDeadConnection: a message read while the only
// connection has been closed as too slow (but is not yet gone) is kept for
// the next connection, not dropped.
func TestMessageKeptWhenOnlyDeadConnection(t *testing.T) {
	leaktest.Check(t)
	// WriteQueue 4: the next connection may get three messages at once.
	h := start(t, clientapi.Config{WriteQueue: 4, WriteTimeout: testTimeout})
	dialSilent(t, h)
	pushUntilSlowDrop(t, h, 256<<10, 400)
	// Its writer is stuck in a write; the connection is dead but still
	// registered. The next messages must wait for a live connection.
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		h.fake.recv <- client.Received{Message: []byte("keep me")}
	}()
	select { // before the fix: taken at once and dropped
	case <-pushed:
	case <-time.After(100 * time.Millisecond):
	}
	c := h.dial(t)
	// Maybe first the message that found the queue full and one left in
	// the backend's buffer.
	receiveUntil(t, c, []byte("keep me"), 2)
	<-pushed
}

// TestSendOnlyConnection: a connection opened with ?receive=false (Go:
// DialOptions.SendOnly) can send but gets no received messages, and does not
// make the server take messages from the client.
func TestSendOnlyConnection(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	so, err := clientapi.DialWith(ctxT(t), h.url, clientapi.DialOptions{SendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer so.Close()
	if err := so.Send(ctxT(t), addr(3).String(), []byte("out"), false); err != nil {
		t.Fatal(err)
	}
	if s := h.fake.sent(); len(s) != 1 || string(s[0].msg) != "out" {
		t.Fatalf("backend sends: %+v", s)
	}
	h.fake.recv <- client.Received{Message: []byte("for a listener")}
	for i := range 64 { // as in TestNoReceiveWithoutConnection
		h.fake.fails <- client.Failure{ID: client.MessageID(i + 1000), Err: errors.New("lost")}
	}
	if len(h.fake.recv) != 1 {
		t.Fatal("the server read Receive with only a send-only connection open")
	}
	waitFor(t, func() bool { return h.srv.Stats().FailuresLogged == 64 })
	c := h.dial(t)
	if got, err := c.Receive(ctxT(t)); err != nil || string(got.Message) != "for a listener" {
		t.Fatalf("listener: %q %v", got.Message, err)
	}
	// The send-only connection got nothing: the fan-out had queued its
	// frame (if any) before this answer.
	if _, err := so.SelfAddress(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if got, err := so.Receive(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send-only connection received %q, %v", got.Message, err)
	}

	// A bad value of the parameter is refused before the upgrade.
	_, resp, err := websocket.Dial(ctxT(t), h.url+"/?receive=maybe", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("?receive=maybe: %v, want HTTP 400", err)
	}
	ws, _, err := websocket.Dial(ctxT(t), h.url+"/?receive=true", nil)
	if err != nil {
		t.Fatalf("?receive=true: %v", err)
	}
	ws.CloseNow()
}

// TestWriteQueueByteBudget: a connection whose queued bytes exceed
// WriteQueueBytes is closed as too slow, long before its frame count is
// reached.
func TestWriteQueueByteBudget(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{WriteQueue: 1000, WriteQueueBytes: 1 << 20, WriteTimeout: testTimeout})
	dialSilent(t, h)
	// 200 × 256 KiB = 50 MiB: beyond the socket buffers plus 1 MiB, far
	// below 1000 frames' worth.
	n := pushUntilSlowDrop(t, h, 256<<10, 200)
	t.Logf("closed after %d messages", n)

	// A message larger than the budget still reaches a connection with an
	// empty queue.
	h2 := start(t, clientapi.Config{WriteQueueBytes: 1 << 20})
	c := h2.dial(t)
	big := bytes.Repeat([]byte{7}, 2<<20)
	push(t, h2, client.Received{Message: big})
	if got, err := c.Receive(ctxT(t)); err != nil || !bytes.Equal(got.Message, big) {
		t.Fatalf("message over the budget: %d bytes, %v", len(got.Message), err)
	}
	if st := h2.srv.Stats(); st.SlowDrops != 0 {
		t.Fatalf("stats %+v, want no slow drop", st)
	}
}

// TestConnInboxByteBudget: a Conn whose application does not call Receive
// stops reading once InboxBytes are buffered, instead of buffering InboxSize
// frames of any size. A fake server writes received messages until a write
// blocks.
func TestConnInboxByteBudget(t *testing.T) {
	leaktest.Check(t)
	const size = 128 << 10
	written := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		// Answer the Conn's first selfAddress, then flood it.
		if _, _, err := ws.Read(r.Context()); err != nil {
			return
		}
		if ws.Write(r.Context(), websocket.MessageBinary, append([]byte{clientapi.TagSelfAddrRes}, binaryAddress(addr(1))...)) != nil {
			return
		}
		frame := binary.BigEndian.AppendUint64([]byte{clientapi.TagReceived, 0}, size)
		frame = append(frame, make([]byte, size)...)
		n := 0
		for ; n < 1200; n++ {
			ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
			err := ws.Write(ctx, websocket.MessageBinary, frame)
			cancel()
			if err != nil {
				break
			}
		}
		written <- n
	}))
	defer srv.Close()
	c, err := clientapi.DialWith(ctxT(t), "ws"+strings.TrimPrefix(srv.URL, "http"), clientapi.DialOptions{InboxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := <-written
	t.Logf("the server wrote %d messages of %d bytes before a write blocked", n, size)
	// 1 MiB in the inbox plus the socket buffers; without the budget the
	// Conn would take InboxSize (1024) messages.
	if n*size >= 64<<20 {
		t.Fatalf("the Conn read %d messages (%d MiB) without Receive", n, n*size>>20)
	}
	// What was buffered is still returned.
	got := 0
	for {
		if _, err := c.Receive(ctxT(t)); err != nil {
			break
		}
		got++
	}
	if got < (1<<20)/size {
		t.Fatalf("Receive returned %d messages, want at least the budget's %d", got, (1<<20)/size)
	}
}

// TestDialMaxMessage: a Conn's read limit is DialOptions.MaxMessage plus the
// framing.
func TestDialMaxMessage(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	c, err := clientapi.DialWith(ctxT(t), h.url, clientapi.DialOptions{MaxMessage: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	push(t, h, client.Received{Message: make([]byte, 1000)})
	if got, err := c.Receive(ctxT(t)); err != nil || len(got.Message) != 1000 {
		t.Fatalf("1000 bytes: %d, %v", len(got.Message), err)
	}
	push(t, h, client.Received{Message: make([]byte, 1000+clientapi.FrameOverhead+1)})
	if got, err := c.Receive(ctxT(t)); err == nil {
		t.Fatalf("a frame over the limit was read (%d bytes)", len(got.Message))
	}
	if _, err := clientapi.DialWith(ctxT(t), h.url, clientapi.DialOptions{MaxMessage: -1}); err == nil {
		t.Fatal("DialWith accepted a negative MaxMessage")
	}
}

// TestShutdownWithStuckReader: Run returns soon after cancellation even when
// an application has stopped reading with a write in progress.
func TestShutdownWithStuckReader(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{WriteQueueBytes: 64 << 20, WriteTimeout: testTimeout})
	dialSilent(t, h)
	// 24 MiB is more than the loopback socket buffers hold: the writer
	// is stuck in a write.
	for range 24 {
		push(t, h, client.Received{Message: filler(1 << 20)})
	}
	begin := time.Now()
	h.stop()
	d := time.Since(begin)
	t.Logf("Run returned %v after cancellation", d)
	if d > clientapi.DefaultShutdownGrace+time.Second {
		t.Fatalf("Run returned %v after cancellation, want about %v", d, clientapi.DefaultShutdownGrace)
	}
	if n := h.srv.Stats().Conns; n != 0 {
		t.Fatalf("%d connections left", n)
	}
}
