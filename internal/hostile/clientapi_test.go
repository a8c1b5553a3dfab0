// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

// apiBackend is a client core that accepts every message and delivers what
// the test puts on recv.
type apiBackend struct {
	addr  address.Address
	recv  chan client.Received
	fails chan client.Failure

	mu    sync.Mutex
	sends int
}

func (b *apiBackend) Address() address.Address { return b.addr }
func (b *apiBackend) Send(context.Context, address.Address, []byte, bool) (client.MessageID, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sends++
	return client.MessageID(b.sends), nil
}
func (b *apiBackend) Reply(context.Context, *sphinx.SURB, []byte) error { return nil }
func (b *apiBackend) Receive() <-chan client.Received                   { return b.recv }
func (b *apiBackend) Failures() <-chan client.Failure                   { return b.fails }

// apiEnv is a client API server on loopback (served by Run on its own
// listener, as nym-client runs it) with one well-behaved application
// connected from goodIP.
type apiEnv struct {
	srv     *clientapi.Server
	backend *apiBackend
	addr    string // host:port
	url     string
	good    *clientapi.Conn
	seq     int
}

// hostileAPIConfig is small enough that the attacks reach every limit.
func hostileAPIConfig() clientapi.Config {
	return clientapi.Config{MaxConns: 8, MaxMessage: 64 << 10, WriteQueue: 64, WriteQueueBytes: 1 << 20}
}

func newAPIEnv(t *testing.T, cfg clientapi.Config) *apiEnv {
	t.Helper()
	var a address.Address
	for i := range a.Identity {
		a.Identity[i], a.Encryption[i], a.Gateway[i] = byte(i), byte(2*i), byte(3*i)
	}
	b := &apiBackend{addr: a, recv: make(chan client.Received), fails: make(chan client.Failure)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := clientapi.New(cfg, clientapi.Deps{Backend: b, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("client API: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("client API did not stop within 10 s")
		}
	})
	e := &apiEnv{srv: srv, backend: b, addr: ln.Addr().String(), url: "ws://" + ln.Addr().String()}
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	e.good, err = clientapi.Dial(dctx, e.url)
	if err != nil {
		t.Fatalf("good application: %v", err)
	}
	t.Cleanup(func() { e.good.Close() })
	return e
}

// exchange asks for the client's address and has one message delivered to
// the well-behaved application.
func (e *apiEnv) exchange() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := e.good.SelfAddress(ctx)
	if err != nil {
		return fmt.Errorf("selfAddress: %w", err)
	}
	if got != e.backend.addr.String() {
		return fmt.Errorf("selfAddress %q, want %q", got, e.backend.addr)
	}
	e.seq++
	msg := fmt.Appendf(nil, "message %d", e.seq)
	select {
	case e.backend.recv <- client.Received{Message: msg}:
	case <-ctx.Done():
		return fmt.Errorf("message %d not taken by the server: %w", e.seq, ctx.Err())
	}
	for {
		r, err := e.good.Receive(ctx)
		if err != nil {
			return fmt.Errorf("receive %d: %w", e.seq, err)
		}
		if bytes.Equal(r.Message, msg) {
			return nil
		}
	}
}

// attackerWS upgrades a websocket from the attacker's IP; receive=false
// keeps it out of the deliveries unless it wants them.
func (e *apiEnv) attackerWS(ctx context.Context, sendOnly bool) (*websocket.Conn, *http.Response, error) {
	u := e.url
	if sendOnly {
		u += "/?" + clientapi.ReceiveParam + "=false"
	}
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: attackerHTTP()})
}

func TestClientAPIRandomBytesAndOversizedFrames(t *testing.T) {
	leaktest.Check(t)
	e := newAPIEnv(t, hostileAPIConfig())
	before := measure()
	n := during(t, func() {
		// Garbage instead of HTTP: answered 400 and closed.
		if k := sprayRandom(t, e.addr, 32, 8<<10, nil); k != 32 {
			t.Errorf("%d of 32 random-byte connections closed", k)
		}
		// Frames over MaxMessage + FrameOverhead close the connection
		// (1009), text or binary, without reading them into memory.
		for i := range 8 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, _, err := e.attackerWS(ctx, true)
			if err != nil {
				cancel()
				t.Errorf("upgrade %d: %v", i, err)
				continue
			}
			typ := websocket.MessageBinary
			if i%2 == 0 {
				typ = websocket.MessageText
			}
			c.Write(ctx, typ, junk(uint64(i), 64<<10+clientapi.FrameOverhead+1))
			err = readUntilClosed(ctx, c)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("oversized frame %d: connection not closed within 10 s", i)
			} else if st := websocket.CloseStatus(err); st != websocket.StatusMessageTooBig {
				t.Errorf("oversized frame %d: closed with %v (%d), want 1009", i, err, st)
			}
			c.CloseNow()
			cancel()
		}
	}, e.exchange)
	t.Logf("%d good exchanges during the attack", n)
	waitFor(t, "attacker connections gone", func() bool { return e.srv.Stats().Conns == 1 })
	checkRecovered(t, before, 4, 16<<20)
}

// Connections that stop in their HTTP request are closed by the server's
// header timeout (10 s); upgraded connections that send nothing hold a
// slot (an application may stay idle) but cost the others nothing, and
// connections beyond MaxConns are refused with 503 before the upgrade.
func TestClientAPISlowlorisAndConnFlood(t *testing.T) {
	leaktest.Check(t)
	cfg := hostileAPIConfig()
	e := newAPIEnv(t, cfg)
	before := measure()
	var halfHTTP []net.Conn
	var idle []*websocket.Conn
	refused := 0
	n := during(t, func() {
		var failed int
		halfHTTP, failed = holdOpen(t, e.addr, 32, []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr"))
		if failed > 0 {
			t.Errorf("%d half-request dials failed", failed)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Fill the slots the good application leaves, then flood.
		for i := range cfg.MaxConns - 1 {
			c, _, err := e.attackerWS(ctx, false)
			if err != nil {
				t.Errorf("idle upgrade %d: %v", i, err)
				continue
			}
			idle = append(idle, c)
		}
		// The server counts a connection once its upgrade is done, a
		// moment after the client sees the 101; a dial racing that moment
		// is admitted over MaxConns (see the report on clientapi.admit).
		waitFor(t, "idle connections registered", func() bool { return e.srv.Stats().Conns == cfg.MaxConns })
		for range 40 {
			c, resp, err := e.attackerWS(ctx, true)
			if err == nil {
				c.CloseNow()
				t.Error("a connection over MaxConns was upgraded")
				continue
			}
			if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
				refused++
			}
		}
		checkPeak(t, before, 4*(len(halfHTTP)+len(idle))+16, "during the flood")
	}, e.exchange)
	t.Logf("%d good exchanges during the attack", n)
	if refused != 40 || e.srv.Stats().Refused < 40 {
		t.Fatalf("%d of 40 connections over MaxConns got 503 (Stats.Refused %d)", refused, e.srv.Stats().Refused)
	}
	if got := e.srv.Stats().Conns; got != cfg.MaxConns {
		t.Fatalf("Stats.Conns = %d, want %d", got, cfg.MaxConns)
	}
	allClosed(t, halfHTTP, 15*time.Second, "half-sent HTTP requests")
	// The idle connections still work when they speak, and free their
	// slots when they close.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range idle {
		c.Close(websocket.StatusNormalClosure, "")
	}
	waitFor(t, "idle connections released", func() bool { return e.srv.Stats().Conns == 1 })
	c, _, err := e.attackerWS(ctx, true)
	if err != nil {
		t.Fatalf("a connection after the flood: %v", err)
	}
	c.CloseNow()
	if err := e.exchange(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, before, 4, 16<<20)
}

// malformedRequests are requests the server must answer with an error:
// empty, unknown tag, truncated send and reply, bad JSON, unknown JSON
// type, a JSON send to an address that does not parse.
var malformedRequests = []struct {
	typ  websocket.MessageType
	data []byte
}{
	{websocket.MessageBinary, nil},
	{websocket.MessageBinary, []byte{0x7f, 1, 2, 3}},
	{websocket.MessageBinary, []byte{clientapi.TagSend, 1, 2, 3, 4}},
	{websocket.MessageBinary, []byte{clientapi.TagReply, 0, 0}},
	{websocket.MessageText, []byte("{not json")},
	{websocket.MessageText, []byte(`{"type":"nope"}`)},
	{websocket.MessageText, []byte(`{"type":"send","recipient":"garbage","message":"x"}`)},
	{websocket.MessageText, []byte{0xff, 0xfe, '{'}},
}

// Malformed requests at a high rate, from connections that read their
// error responses and from ones that never read them (closed as too slow
// once their write queue fills), get error answers and counted; none
// reaches the backend, and the well-behaved application is served
// throughout.
func TestClientAPIMalformedRequestFlood(t *testing.T) {
	leaktest.Check(t)
	e := newAPIEnv(t, hostileAPIConfig())
	before := measure()
	const perConn = 400
	n := during(t, func() {
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				c, _, err := e.attackerWS(ctx, true)
				if err != nil {
					t.Errorf("attacker %d: %v", i, err)
					return
				}
				defer c.CloseNow()
				// Even attackers read their answers, a batch of 8 requests at
				// a time; odd ones never read.
				reads := i%2 == 0
				for j := range perConn {
					r := malformedRequests[(i+j)%len(malformedRequests)]
					if err := c.Write(ctx, r.typ, r.data); err != nil {
						if reads {
							t.Errorf("attacker %d (reading its answers) cut off after %d requests: %v", i, j, err)
						}
						return
					}
					if reads && j%8 == 7 {
						for range 8 {
							if _, _, err := c.Read(ctx); err != nil {
								t.Errorf("attacker %d: answer to request %d: %v", i, j, err)
								return
							}
						}
					}
				}
				if reads {
					c.Close(websocket.StatusNormalClosure, "")
				}
			})
		}
		wg.Wait()
	}, e.exchange)
	t.Logf("%d good exchanges during the attack; stats %+v", n, e.srv.Stats())
	if got := e.srv.Stats().BadRequests; got < 3*perConn {
		t.Fatalf("BadRequests = %d, want at least %d (the reading attackers' requests)", got, 3*perConn)
	}
	e.backend.mu.Lock()
	sends := e.backend.sends
	e.backend.mu.Unlock()
	if sends != 0 {
		t.Fatalf("%d malformed requests reached the backend", sends)
	}
	waitFor(t, "attacker connections gone", func() bool { return e.srv.Stats().Conns == 1 })
	checkRecovered(t, before, 4, 16<<20)
}
