// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
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

func TestRunStopsCleanly(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	a := h.dial(t)
	ws := h.dialRaw(t)
	if err := h.srv.Run(context.Background()); !errors.Is(err, clientapi.ErrRunning) {
		t.Fatalf("second Run: %v", err)
	}
	// Read the raw connection while the server closes it, as a live
	// application would (the server waits for the close handshake).
	rawErr := make(chan error, 1)
	go func() {
		_, _, err := ws.Read(ctxT(t))
		rawErr <- err
	}()
	h.stop()
	if _, err := a.Receive(ctxT(t)); err == nil {
		t.Fatal("Receive after shutdown returned no error")
	}
	if err := <-rawErr; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("raw connection: %v, want close status 1001", err)
	}
	if _, err := clientapi.Dial(ctxT(t), h.url); err == nil {
		t.Fatal("Dial after shutdown succeeded")
	}
	if n := h.srv.Stats().Conns; n != 0 {
		t.Fatalf("%d connections left open", n)
	}
}

func TestMaxConnsAndOrigin(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{MaxConns: 1})
	h.dial(t)
	_, resp, err := websocket.Dial(ctxT(t), h.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second connection: %v, want HTTP 503", err)
	}
	if h.srv.Stats().Refused != 1 {
		t.Fatal("refusal not counted")
	}

	h2 := start(t, clientapi.Config{})
	hdr := http.Header{"Origin": {"https://evil.example"}}
	_, resp, err = websocket.Dial(ctxT(t), h2.url, &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin connection: %v, want HTTP 403", err)
	}
}

func TestNewChecks(t *testing.T) {
	fake := newFake()
	if _, err := clientapi.New(clientapi.Config{}, clientapi.Deps{}); err == nil {
		t.Fatal("New without a backend succeeded")
	}
	for _, cfg := range []clientapi.Config{{MaxMessage: -1}, {MaxConns: -1}, {WriteQueue: -1}, {WriteTimeout: -1}, {TrackedMessages: -1}} {
		if _, err := clientapi.New(cfg, clientapi.Deps{Backend: fake}); err == nil {
			t.Fatalf("New(%+v) succeeded", cfg)
		}
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

// BenchmarkConnSend measures a Conn.Send round trip (binary send and the
// selfAddress barrier) of a 1 KiB message over loopback.
func BenchmarkConnSend(b *testing.B) {
	h := start(b, clientapi.Config{})
	c := h.dial(b)
	to := addr(1).String()
	msg := make([]byte, 1024)
	ctx := ctxT(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(ctx, to, msg, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceive measures delivery of 64 KiB received messages from the
// backend to one Conn.
func BenchmarkReceive(b *testing.B) {
	h := start(b, clientapi.Config{})
	c := h.dial(b)
	ctx := ctxT(b)
	msg := client.Received{Message: make([]byte, 64<<10)}
	b.SetBytes(int64(len(msg.Message)))
	b.ReportAllocs()
	for b.Loop() {
		h.fake.recv <- msg
		if _, err := c.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCollector(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	c := h.dial(t)
	h.fake.recv <- client.Received{Message: []byte("counted")}
	if _, err := c.Receive(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(h.srv.Collector())
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{"nym_client_api_connections 1\n", "nym_client_api_received_total 1\n", "nym_client_api_slow_drops_total 0\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestMaxConnsConcurrentUpgrades: connections that upgrade at the same time
// cannot exceed MaxConns (a slot is taken when a request is admitted, not
// when its upgrade completes).
func TestMaxConnsConcurrentUpgrades(t *testing.T) {
	const max, dials = 3, 24
	h := start(t, clientapi.Config{MaxConns: max})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []*websocket.Conn
	for range dials {
		wg.Go(func() {
			ws, _, err := websocket.Dial(ctxT(t), h.url, nil)
			if err != nil {
				return // refused with 503
			}
			mu.Lock()
			open = append(open, ws)
			mu.Unlock()
		})
	}
	wg.Wait()
	defer func() {
		for _, ws := range open {
			ws.CloseNow()
		}
	}()
	if len(open) > max {
		t.Fatalf("%d of %d concurrent dials upgraded, MaxConns %d", len(open), dials, max)
	}
	if got := h.srv.Stats().Refused; got < dials-max {
		t.Fatalf("refused %d, want at least %d", got, dials-max)
	}
}
