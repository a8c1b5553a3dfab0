// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/socks5client"
	"github.com/nym-go/nym/internal/socks5client/socks5test"
)

// socksEnv is a SOCKS5 proxy on loopback over a socks5test.Exit, an HTTP target,
// and one well-behaved SOCKS client whose connection stays open.
type socksEnv struct {
	proxy  *socks5client.Proxy
	addr   string
	target string
	good   net.Conn
	goodR  *bufio.Reader
	seq    atomic.Int64 // numbers the pages fetched
}

func newSocksEnv(t *testing.T, cfg socks5client.ProxyConfig) *socksEnv {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.URL.Query().Get("n"))
	}))
	t.Cleanup(web.Close)
	ctx, cancel := context.WithCancel(context.Background())
	m := socks5test.NewExit(ctx, socks5test.ExitConfig{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Provider = address.Address{Identity: [32]byte{7}}
	p, err := socks5client.NewProxy(cfg, socks5client.ProxyDeps{Backend: m, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("proxy: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("proxy did not stop within 10 s")
		}
		m.Wait()
	})
	e := &socksEnv{proxy: p, addr: ln.Addr().String(), target: web.Listener.Addr().String()}
	e.good, err = e.connect()
	if err != nil {
		t.Fatalf("good SOCKS client: %v", err)
	}
	t.Cleanup(func() { e.good.Close() })
	e.goodR = bufio.NewReader(e.good)
	return e
}

// connect opens a SOCKS5 connection (no auth, CONNECT to the target's IP)
// from goodIP.
func (e *socksEnv) connect() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialFrom(ctx, goodIP, e.addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	host, portText, _ := net.SplitHostPort(e.target)
	port, _ := strconv.Atoi(portText)
	req := []byte{5, 1, 0, 5, 1, 0, 1}
	req = append(req, net.ParseIP(host).To4()...)
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	var rep [12]byte // method choice (2) + reply with an IPv4 address (10)
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		c.Close()
		return nil, fmt.Errorf("SOCKS handshake: %w", err)
	}
	if rep[1] != 0 || rep[3] != 0 {
		c.Close()
		return nil, fmt.Errorf("SOCKS refused: method %d, reply %d", rep[1], rep[3])
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// fetch does one HTTP request over c (kept alive).
func (e *socksEnv) fetch(c net.Conn, r *bufio.Reader) error {
	seq := e.seq.Add(1)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(c, "GET /?n=%d HTTP/1.1\r\nHost: target\r\n\r\n", seq); err != nil {
		return err
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return fmt.Errorf("fetch %d: %w", seq, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("page %d", seq); err != nil || string(body) != want {
		return fmt.Errorf("fetch %d: %q, %v; want %q", seq, body, err, want)
	}
	return nil
}

// exchange fetches a page over the well-behaved client's open connection.
func (e *socksEnv) exchange() error { return e.fetch(e.good, e.goodR) }

// fetchNew opens a new SOCKS connection and fetches a page over it.
func (e *socksEnv) fetchNew() error {
	c, err := e.connect()
	if err != nil {
		return err
	}
	defer c.Close()
	return e.fetch(c, bufio.NewReader(c))
}

func hostileProxyConfig() socks5client.ProxyConfig {
	return socks5client.ProxyConfig{HandshakeTimeout: 300 * time.Millisecond, MaxConns: 16}
}

// Random bytes and malformed greetings are closed at once or by the
// handshake timeout; a client that connected before keeps fetching and a
// new one connects.
func TestSocksRandomBytesAndBadGreetings(t *testing.T) {
	leaktest.Check(t)
	e := newSocksEnv(t, hostileProxyConfig())
	before := measure()
	bad := [][]byte{
		{5, 0},                         // no methods offered
		{5, 1, 2},                      // only username/password
		{4, 1, 0, 80, 127, 0, 0, 1, 0}, // SOCKS4
		{5, 255},                       // 255 methods announced, none sent
		append([]byte{5, 1, 0, 5, 1, 0, 3, 255}, junk(9, 64<<10)...),              // a 255-byte name, then 64 KiB more
		append([]byte{5, 1, 0, 5, 9, 0, 1, 1, 2, 3, 4, 0, 80}, junk(10, 1024)...), // unknown command
		append([]byte{5, 1, 0, 5, 1, 0, 9}, junk(11, 1024)...),                    // unknown address type
	}
	n := during(t, func() {
		if k := sprayRandom(t, e.addr, 32, 8<<10, nil); k != 32 {
			t.Errorf("%d of 32 random-byte connections closed", k)
		}
		for round := range 4 {
			for i, g := range bad {
				if k := sprayRandom(t, e.addr, 1, 0, g); k != 1 {
					t.Errorf("round %d: bad greeting %d not closed", round, i)
				}
			}
		}
		if err := e.fetchNew(); err != nil {
			t.Errorf("a new client during the attack: %v", err)
		}
	}, e.exchange)
	t.Logf("%d good fetches during the attack; stats %+v", n, e.proxy.Stats())
	checkRecovered(t, before, 4, 16<<20)
}

// Slowloris: connections that stop inside the greeting or the request are
// closed after the handshake timeout and counted.
func TestSocksSlowloris(t *testing.T) {
	leaktest.Check(t)
	e := newSocksEnv(t, hostileProxyConfig())
	before := measure()
	n := during(t, func() {
		var all []net.Conn
		for _, prefix := range [][]byte{nil, {5}, {5, 1, 0, 5, 1, 0, 3, 200, 'a'}} {
			conns, failed := holdOpen(t, e.addr, 4, prefix)
			if failed > 0 {
				t.Errorf("%d dials failed", failed)
			}
			all = append(all, conns...)
		}
		allClosed(t, all, 5*time.Second, "slow handshakes")
	}, e.exchange)
	t.Logf("%d good fetches during the attack", n)
	if got := e.proxy.Stats().HandshakeTimeouts; got < 12 {
		t.Fatalf("HandshakeTimeouts = %d, want at least 12", got)
	}
	if err := e.fetchNew(); err != nil {
		t.Fatalf("a new client after the attack: %v", err)
	}
	checkRecovered(t, before, 4, 16<<20)
}

// A flood of connections beyond MaxConns: the excess is reset at once and
// counted; a client already relaying keeps fetching, and a new client gets
// in once the flood's handshakes time out.
func TestSocksConnFlood(t *testing.T) {
	leaktest.Check(t)
	cfg := hostileProxyConfig()
	cfg.HandshakeTimeout = 2 * time.Second
	e := newSocksEnv(t, cfg)
	before := measure()
	var flood []net.Conn
	n := during(t, func() {
		// The excess is reset so fast that most of its dials fail
		// ("connection reset by peer" from connect).
		var failed int
		flood, failed = holdOpen(t, e.addr, 64, nil)
		t.Logf("%d flood dials reset before they completed", failed)
		waitFor(t, "the excess counted", func() bool { return e.proxy.Stats().OverLimit >= uint64(64-cfg.MaxConns) })
		checkPeak(t, before, 4*cfg.MaxConns+16, "during the flood")
	}, e.exchange)
	t.Logf("%d good fetches during the flood; stats %+v", n, e.proxy.Stats())
	// Everything in the flood is closed: the excess at once, the rest by
	// the handshake timeout.
	allClosed(t, flood, 10*time.Second, "flood connections")
	if got := e.proxy.Stats().OverLimit; got < 64-uint64(cfg.MaxConns) {
		t.Fatalf("OverLimit = %d, want at least %d", got, 64-cfg.MaxConns)
	}
	if err := e.fetchNew(); err != nil {
		t.Fatalf("a new client after the flood: %v", err)
	}
	if err := e.exchange(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, before, 4, 16<<20)
}
