// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/wire"
)

// gatewayEnv is a gateway as a nym-node runs it: its mixnet listener (a
// mix node whose final hop is the gateway) and its client websocket served
// by nodehttp.ServeWith, plus one well-behaved client and a previous hop
// that sends it packets.
type gatewayEnv struct {
	t      *testing.T
	gw     *gateway.Gateway
	mix    *mixNode
	wsAddr string
	url    string
	refuse func() uint64 // the listener's per-IP refusals

	client *gwclient.Client
	dest   sphinx.Destination
	hop    net.Conn
	w      *wire.Writer
	rng    *mrand.ChaCha8
	seq    uint64
}

func hostileGatewayConfig() gateway.Config {
	return gateway.Config{HandshakeTimeout: 300 * time.Millisecond, MaxHandshakes: 32, MaxConnsPerIP: 8,
		RateLimitLoopback: true}
}

func newGatewayEnv(t *testing.T, cfg gateway.Config, opts nodehttp.ServeOptions) *gatewayEnv {
	t.Helper()
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New(memstore.Config{}, memstore.Deps{})
	gw, err := gateway.New(cfg, gateway.Deps{Identity: id, Inbox: store, Keys: store,
		Forward: func(sphinx.NodeAddress, sphinx.SizeType, []byte) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gwDone := make(chan error, 1)
	go func() { gwDone <- gw.Run(ctx) }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &gatewayEnv{t: t, gw: gw, wsAddr: ln.Addr().String(), url: "ws://" + ln.Addr().String(),
		rng: mrand.NewChaCha8([32]byte{3})}
	opts.Refused = func(f func() uint64) { e.refuse = f }
	srvDone := make(chan error, 1)
	go func() { srvDone <- nodehttp.ServeWith(ctx, ln, gw.Handler(), opts) }()
	t.Cleanup(func() {
		cancel()
		for _, ch := range []chan error{srvDone, gwDone} {
			select {
			case err := <-ch:
				if err != nil {
					t.Errorf("gateway: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("gateway did not stop within 10 s")
			}
		}
	})
	// The previous hop's connection must outlive the tests' waits.
	e.mix = startMix(t, mixnode.Config{IdleConnTimeout: time.Minute, FrameTimeout: 300 * time.Millisecond}, gw.Final)

	_, cid, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	copy(e.dest[:], cid.Public().(ed25519.PublicKey))
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	e.client, err = gwclient.Dial(dctx, e.url, cid, id.Public().(ed25519.PublicKey), new(gwclient.MemKeys), nil)
	if err != nil {
		t.Fatalf("good client: %v", err)
	}
	t.Cleanup(func() { e.client.Close() })
	e.redialHop()
	return e
}

// redialHop (re)connects the previous hop to the gateway's mixnet listener.
func (e *gatewayEnv) redialHop() {
	e.t.Helper()
	if e.hop != nil {
		e.hop.Close()
	}
	c, err := dialFrom(context.Background(), goodIP, e.mix.Addr().String())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	e.hop, e.w = c, wire.NewWriter(c)
}

// exchange sends one packet to the client through the gateway's mixnet
// listener and waits until the client receives (and acks) it.
func (e *gatewayEnv) exchange() error {
	e.seq++
	body := binary.BigEndian.AppendUint64([]byte("mail"), e.seq)
	ack := make([]byte, sphinx.Ack.PacketSize())
	pt, err := gwproto.AppendSURBAck(nil, e.mix.addr, ack)
	if err != nil {
		return err
	}
	pt = append(pt, body...)
	pkt, err := sphinx.NewPacket(e.rng, []sphinx.Hop{e.mix.hop()}, e.dest, sphinx.Identifier{}, sphinx.Regular, pt)
	if err != nil {
		return err
	}
	e.hop.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := e.w.WriteFrame(sphinx.Regular, pkt); err != nil {
		return fmt.Errorf("previous hop: %w", err)
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("previous hop: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		d, err := e.client.Receive(ctx)
		if err != nil {
			return fmt.Errorf("client receive %d: %w", e.seq, err)
		}
		if err := e.client.Ack(ctx, d.ID); err != nil {
			return fmt.Errorf("client ack: %w", err)
		}
		if bytes.Equal(d.Data, body) {
			return nil
		}
	}
}

func TestGatewayRandomBytes(t *testing.T) {
	leaktest.Check(t)
	e := newGatewayEnv(t, hostileGatewayConfig(), nodehttp.ServeOptions{ReadHeaderTimeout: 300 * time.Millisecond})
	before := measure()
	n := during(t, func() {
		// On the websocket port: garbage instead of HTTP (the HTTP server
		// answers 400 and closes) ...
		if k := sprayRandom(t, e.wsAddr, 32, 8<<10, nil); k != 32 {
			t.Errorf("websocket port: %d of 32 random-byte connections closed", k)
		}
		// ... garbage after a valid upgrade (closed as a bad handshake) ...
		for i := range 16 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, _, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPClient: attackerHTTP()})
			if err != nil {
				cancel()
				t.Errorf("upgrade %d: %v", i, err)
				continue
			}
			typ := websocket.MessageBinary
			if i%2 == 0 {
				typ = websocket.MessageText
			}
			c.Write(ctx, typ, junk(uint64(i), 1000))
			if err := readUntilClosed(ctx, c); errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("garbage handshake %d not closed within 10 s", i)
			}
			c.CloseNow()
			cancel()
		}
		// ... and on the mixnet port.
		if k := sprayRandom(t, e.mix.Addr().String(), 32, 8<<10, nil); k != 32 {
			t.Errorf("mixnet port: %d of 32 random-byte connections closed", k)
		}
	}, e.exchange)
	st := e.gw.Stats()
	if st.Refused["bad_handshake"] < 16 {
		t.Fatalf("bad_handshake = %d, want >= 16", st.Refused["bad_handshake"])
	}
	t.Logf("%d messages delivered to the good client during the attack", n)
	checkRecovered(t, before, 5, 32<<20)
}

func TestGatewaySlowloris(t *testing.T) {
	leaktest.Check(t)
	e := newGatewayEnv(t, hostileGatewayConfig(), nodehttp.ServeOptions{ReadHeaderTimeout: 300 * time.Millisecond})
	before := measure()
	// Never send a request; send half the request's headers; upgrade and
	// never send the handshake.
	silent, _ := holdOpen(t, e.wsAddr, 8, nil)
	half, _ := holdOpen(t, e.wsAddr, 8, []byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"))
	var upgraded []*websocket.Conn
	for range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, _, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPClient: attackerHTTP()})
		cancel()
		if err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		defer c.CloseNow()
		upgraded = append(upgraded, c)
	}
	if err := e.exchange(); err != nil {
		t.Fatalf("good client while connections stall: %v", err)
	}
	allClosed(t, silent, 10*time.Second, "no request")
	allClosed(t, half, 10*time.Second, "half a request")
	for i, c := range upgraded {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := readUntilClosed(ctx, c)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("upgraded connection %d without a handshake still open after 10 s", i)
		}
	}
	if err := e.exchange(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, before, 5, 32<<20)
}

func TestGatewayOversized(t *testing.T) {
	leaktest.Check(t)
	e := newGatewayEnv(t, hostileGatewayConfig(), nodehttp.ServeOptions{ReadHeaderTimeout: time.Second})
	before := measure()
	n := during(t, func() {
		// Headers over 16 KiB: 431, closed.
		c, err := dialFrom(context.Background(), attackerIP, e.wsAddr)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"))
		buf := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if k, _ := c.Read(buf); !strings.Contains(string(buf[:k]), "431") {
			t.Errorf("oversized headers answered %q, want 431", buf[:k])
		}
		// Messages over the read limit, text (handshake) and binary: closed.
		for i, size := range []int{gwproto.MaxTextMessage + 1, 4 << 20} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			ws, _, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPClient: attackerHTTP()})
			if err != nil {
				cancel()
				t.Error(err)
				continue
			}
			ws.Write(ctx, websocket.MessageText, make([]byte, size))
			err = readUntilClosed(ctx, ws)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("oversized message %d (%d bytes): %v, want the connection closed", i, size, err)
			} else {
				t.Logf("oversized message of %d bytes: %v", size, err)
			}
			ws.CloseNow()
			cancel()
		}
	}, e.exchange)
	t.Logf("%d messages delivered during the attack", n)
	checkRecovered(t, before, 5, 32<<20)
}

// One source opening many websockets is held to MaxConnsPerIP (503,
// counted too_many_per_ip); the good client, from another address, keeps
// receiving, and goroutines stay bounded by the limit.
func TestGatewayFloodPerIP(t *testing.T) {
	leaktest.Check(t)
	e := newGatewayEnv(t, hostileGatewayConfig(), nodehttp.ServeOptions{ReadHeaderTimeout: time.Second})
	before := measure()
	var held []*websocket.Conn
	refused := 0
	for range 60 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, resp, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPClient: attackerHTTP()})
		cancel()
		if err != nil {
			if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("flood connection: %v, want 503", err)
			}
			refused++
			continue
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.CloseNow()
		}
	}()
	if len(held) > 8 || refused < 52 {
		t.Fatalf("admitted %d, refused %d; want at most 8 admitted", len(held), refused)
	}
	if got := e.gw.Stats().Refused["too_many_per_ip"]; got != uint64(refused) {
		t.Fatalf("too_many_per_ip = %d, want %d", got, refused)
	}
	checkPeak(t, before, 8*4+8, "during the flood")
	if err := e.exchange(); err != nil {
		t.Fatalf("good client during the flood: %v", err)
	}
	for _, c := range held {
		c.CloseNow()
	}
	checkRecovered(t, before, 5, 32<<20)
}

// nodehttp's per-IP listener limit closes raw connections beyond it.
func TestGatewayListenerPerIP(t *testing.T) {
	leaktest.Check(t)
	e := newGatewayEnv(t, hostileGatewayConfig(), nodehttp.ServeOptions{ReadHeaderTimeout: 5 * time.Second,
		MaxConnsPerIP: 10, LimitLoopback: true})
	before := measure()
	conns, _ := holdOpen(t, e.wsAddr, 50, nil)
	waitFor(t, "listener refusals", func() bool { return e.refuse() >= 40 })
	open := 0
	for _, c := range conns {
		if !closedWithin(c, 50*time.Millisecond) {
			open++
		}
	}
	if open > 10 {
		t.Fatalf("%d raw connections open from one IP, want <= 10", open)
	}
	// The good client connected from 127.0.0.1 before; a new one from
	// there still gets in.
	if err := e.exchange(); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		c.Close()
	}
	checkRecovered(t, before, 5, 32<<20)
}

// attackerHTTP is an HTTP client whose connections come from attackerIP.
func attackerHTTP() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dialFrom(ctx, attackerIP, addr)
		},
		DisableKeepAlives: true,
	}}
}

// readUntilClosed reads messages (the gateway may send an error message
// before it closes) until the connection fails, and returns that error.
func readUntilClosed(ctx context.Context, c *websocket.Conn) error {
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return err
		}
	}
}
