// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/sphinx"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 20 * time.Second

// fakeBackend records what the server asks of it. Its Receive channel holds
// one message, so a test can see whether the server took it.
type fakeBackend struct {
	addr  address.Address
	recv  chan client.Received
	fails chan client.Failure

	// block, if set, makes Send of a message "block" signal entered, wait
	// until block is closed and fail.
	block, entered chan struct{}

	mu      sync.Mutex
	sends   []sentMsg
	replies []replyMsg
	sendErr error
	nextID  client.MessageID
}

type sentMsg struct {
	to       address.Address
	msg      []byte
	withSURB bool
	id       client.MessageID
}

type replyMsg struct {
	surb []byte
	msg  []byte
}

func newFake() *fakeBackend {
	return &fakeBackend{addr: addr(40), recv: make(chan client.Received, 1), fails: make(chan client.Failure)}
}

func (f *fakeBackend) Address() address.Address { return f.addr }

func (f *fakeBackend) Send(_ context.Context, to address.Address, msg []byte, with bool) (client.MessageID, error) {
	if string(msg) == "block" && f.block != nil {
		close(f.entered)
		<-f.block
		return 0, errors.New("blocked message refused")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return 0, f.sendErr
	}
	if bytes.HasPrefix(msg, []byte("bad")) {
		return 0, errors.New("refused " + string(msg))
	}
	f.nextID++
	f.sends = append(f.sends, sentMsg{to, msg, with, f.nextID})
	return f.nextID, nil
}

func (f *fakeBackend) Reply(_ context.Context, surb *sphinx.SURB, msg []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := surb.MarshalBinary()
	f.replies = append(f.replies, replyMsg{b, msg})
	return nil
}

func (f *fakeBackend) Receive() <-chan client.Received { return f.recv }

func (f *fakeBackend) Failures() <-chan client.Failure { return f.fails }

func (f *fakeBackend) setSendErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sendErr = err
}

func (f *fakeBackend) sent() []sentMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMsg(nil), f.sends...)
}

func (f *fakeBackend) replied() []replyMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]replyMsg(nil), f.replies...)
}

func addr(seed byte) address.Address {
	var a address.Address
	for i := range address.KeySize {
		a.Identity[i] = seed + byte(i)
		a.Encryption[i] = seed + 3*byte(i)
		a.Gateway[i] = seed ^ byte(i)
	}
	return a
}

func surbFixture(t *testing.T) (*sphinx.SURB, []byte) {
	t.Helper()
	hop, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1789"))
	if err != nil {
		t.Fatal(err)
	}
	s := &sphinx.SURB{Size: sphinx.Regular, FirstHop: hop}
	for i := range s.Header {
		s.Header[i] = byte(3 * i)
	}
	s.Key[5] = 9
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

// harness is a running server over a fake backend.
type harness struct {
	fake *fakeBackend
	srv  *clientapi.Server
	url  string
	stop func() // cancels Run and waits for it (also a cleanup)
}

func start(t testing.TB, cfg clientapi.Config) *harness {
	t.Helper()
	fake := newFake()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := clientapi.New(cfg, clientapi.Deps{Backend: fake, Listener: lis})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(testTimeout):
			t.Error("Run did not return after cancellation")
		}
	})
	t.Cleanup(stop)
	return &harness{fake: fake, srv: srv, url: "ws://" + lis.Addr().String(), stop: stop}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func (h *harness) dial(t testing.TB) *clientapi.Conn {
	t.Helper()
	c, err := clientapi.Dial(ctxT(t), h.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (h *harness) dialRaw(t *testing.T) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctxT(t), h.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(32 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	// The server registers a connection just after the upgrade; its first
	// answer shows it has.
	if m := jsonRoundTrip(t, ws, `{"type":"selfAddress"}`); m["type"] != "selfAddress" {
		t.Fatalf("first selfAddress: %v", m)
	}
	return ws
}

// jsonRoundTrip writes a text frame and returns the decoded text response.
func jsonRoundTrip(t *testing.T, ws *websocket.Conn, req string) map[string]any {
	t.Helper()
	if err := ws.Write(ctxT(t), websocket.MessageText, []byte(req)); err != nil {
		t.Fatal(err)
	}
	return readJSON(t, ws)
}

func readJSON(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	typ, b, err := ws.Read(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("got a binary frame %x, want text", b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return m
}

func binRoundTrip(t *testing.T, ws *websocket.Conn, req []byte) []byte {
	t.Helper()
	if err := ws.Write(ctxT(t), websocket.MessageBinary, req); err != nil {
		t.Fatal(err)
	}
	typ, b, err := ws.Read(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageBinary {
		t.Fatalf("got a text frame %q, want binary", b)
	}
	return b
}

func binaryAddress(a address.Address) []byte {
	return append(append(append([]byte(nil), a.Identity[:]...), a.Encryption[:]...), a.Gateway[:]...)
}

// waitFor polls cond (the server's state changes on its own goroutines).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}
