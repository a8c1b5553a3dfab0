// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/leaktest"
)

// dirEnv is a directory serving on 127.0.0.1 and an HTTP client from
// goodIP.
type dirEnv struct {
	t    *testing.T
	srv  *directory.Server
	addr string
	url  string
	good *http.Client
}

func newDirEnv(t *testing.T, cfg directory.Config) *dirEnv {
	t.Helper()
	srv, err := directory.New(cfg, directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dialFrom(ctx, goodIP, addr)
	}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("directory Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("directory did not stop within 15 s")
		}
	})
	return &dirEnv{t: t, srv: srv, addr: ln.Addr().String(), url: "http://" + ln.Addr().String(),
		good: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func hostileDirConfig() directory.Config {
	return directory.Config{MaxConnsPerIP: 8, LimitLoopback: true, ReadHeaderTimeout: 300 * time.Millisecond}
}

// health is the well-behaved reader: GET /api/healthcheck answers 200.
func (e *dirEnv) health() error {
	resp, err := e.good.Get(e.url + dirapi.PathHealthcheck)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s", resp.Status)
	}
	return nil
}

func (e *dirEnv) post(path string, v any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postRaw(path, b)
}

func (e *dirEnv) postRaw(path string, b []byte) (int, string) {
	e.t.Helper()
	resp, err := e.good.Post(e.url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestDirectoryRandomBytes(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, hostileDirConfig())
	before := measure()
	n := during(t, func() {
		if k := sprayRandom(t, e.addr, 48, 8<<10, nil); k != 48 {
			t.Errorf("%d of 48 random-byte connections closed", k)
		}
		// A websocket subscriber that sends garbage.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws://"+e.addr+dirapi.PathWebsocket, &websocket.DialOptions{HTTPClient: attackerHTTP()})
		if err != nil {
			t.Error(err)
			return
		}
		defer ws.CloseNow()
		for i := range 8 {
			ws.Write(ctx, websocket.MessageBinary, junk(uint64(i), 1000))
		}
	}, e.health)
	t.Logf("%d good requests answered during the attack", n)
	checkRecovered(t, before, 5, 32<<20)
}

func TestDirectorySlowloris(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, hostileDirConfig())
	before := measure()
	silent, _ := holdOpen(t, e.addr, 4, nil)
	half, _ := holdOpen(t, e.addr, 4, []byte("GET /api/healthcheck HTTP/1.1\r\nHost: x\r\n"))
	if err := e.health(); err != nil {
		t.Fatalf("reader while connections stall: %v", err)
	}
	allClosed(t, silent, 10*time.Second, "no request")
	allClosed(t, half, 10*time.Second, "half a request")
	if err := e.health(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, before, 5, 32<<20)
}

func TestDirectoryOversized(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, hostileDirConfig())
	before := measure()
	n := during(t, func() {
		for _, path := range []string{dirapi.PathPresenceMixNodes, dirapi.PathMetricsMixes, dirapi.PathReliability} {
			resp, err := attackerHTTP().Post("http://"+e.addr+path, "application/json",
				io.MultiReader(strings.NewReader(`{"pubKey":"`), bytes.NewReader(make([]byte, 8<<20))))
			if err != nil {
				continue // closed before the whole body went: also a refusal
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("8 MiB body to %s: %s, want 413", path, resp.Status)
			}
		}
		c, err := dialFrom(context.Background(), attackerIP, e.addr)
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
	}, e.health)
	t.Logf("%d good requests answered during the attack", n)
	checkRecovered(t, before, 5, 32<<20)
}

// A flood of connections from one IP is held to MaxConnsPerIP, refused
// connections are counted, and a reader from another IP is served.
func TestDirectoryFloodPerIP(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, hostileDirConfig())
	before := measure()
	conns, _ := holdOpen(t, e.addr, 100, nil)
	waitFor(t, "refusals", func() bool { return e.srv.RefusedConns() >= 92 })
	checkPeak(t, before, 8*2+8, "during the flood")
	if err := e.health(); err != nil {
		t.Fatalf("reader from another IP during the flood: %v", err)
	}
	resp, err := e.good.Get(e.url + dirapi.PathPrometheus)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "nym_directory_refused_connections_total ") {
		t.Fatal("/metrics lacks nym_directory_refused_connections_total")
	}
	for _, c := range conns {
		c.Close()
	}
	checkRecovered(t, before, 5, 32<<20)
}

func identityKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

// A signed announcement for a pubKey bound to another identity is refused,
// and so is an unsigned one; the topology keeps the owner's record.
func TestDirectoryPresenceHijackRefused(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, directory.Config{})
	pub := base58.Encode(bytes.Repeat([]byte{7}, 32))
	owner := &dirapi.MixNodePresence{Host: "10.0.0.1:1789", PubKey: pub, Version: "0.1.0", Location: "here", Layer: 1}
	dirapi.Sign(owner, identityKey(1), time.Now())
	if code, body := e.post(dirapi.PathPresenceMixNodes, owner); code/100 != 2 {
		t.Fatalf("owner's announcement: %d %s", code, body)
	}
	thief := &dirapi.MixNodePresence{Host: "10.6.6.6:1789", PubKey: pub, Version: "0.1.0", Location: "there", Layer: 1}
	dirapi.Sign(thief, identityKey(2), time.Now())
	code, body := e.post(dirapi.PathPresenceMixNodes, thief)
	if code/100 == 2 {
		t.Fatalf("hijacking announcement accepted: %d %s", code, body)
	}
	t.Logf("hijack refused: %d %s", code, strings.TrimSpace(body))
	unsigned := &dirapi.MixNodePresence{Host: "10.6.6.6:1789", PubKey: pub, Version: "0.1.0", Location: "there", Layer: 1}
	if code, body := e.post(dirapi.PathPresenceMixNodes, unsigned); code/100 == 2 {
		t.Fatalf("unsigned announcement over a bound key accepted: %d %s", code, body)
	}
	resp, err := e.good.Get(e.url + dirapi.PathTopology)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var top dirapi.Topology
	if err := json.NewDecoder(resp.Body).Decode(&top); err != nil {
		t.Fatal(err)
	}
	if len(top.MixNodes) != 1 || top.MixNodes[0].Host != owner.Host {
		t.Fatalf("topology mix nodes %+v, want only the owner's record", top.MixNodes)
	}
}

// Nothing can add a line to the metrics websocket: what a subscriber sends
// is not re-broadcast, and newlines or JSON in a report's fields cannot
// make a second line.
func TestDirectoryMetricsLineInjection(t *testing.T) {
	leaktest.Check(t)
	e := newDirEnv(t, directory.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws://" + e.addr + dirapi.PathWebsocket
	evil, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: attackerHTTP()})
	if err != nil {
		t.Fatal(err)
	}
	defer evil.CloseNow()
	reader, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.CloseNow()
	waitFor(t, "two subscribers", func() bool {
		resp, err := e.good.Get(e.url + dirapi.PathPrometheus)
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(b), "nym_directory_ws_subscribers 2")
	})
	injected := `{"pubKey":"injected","sent":{},"received":1,"timestamp":1}`
	for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
		if err := evil.Write(ctx, typ, []byte(injected+"\n"+injected)); err != nil {
			t.Fatal(err)
		}
	}
	attempts := []dirapi.MixMetric{
		{PubKey: "a\n" + injected, Sent: map[string]uint64{}, Received: 1},
		{PubKey: "b\r\n" + injected, Sent: map[string]uint64{}, Received: 1},
		{PubKey: `c","pubKey":"injected`, Sent: map[string]uint64{}, Received: 1},
		{PubKey: "d", Sent: map[string]uint64{"1.2.3.4:1789\n" + injected: 1}, Received: 1},
		{PubKey: "e\u2028" + injected, Sent: map[string]uint64{}, Received: 1},
	}
	accepted := 0
	for _, m := range attempts {
		code, body := e.post(dirapi.PathMetricsMixes, m)
		if code/100 == 2 {
			accepted++
		}
		t.Logf("report %q: %d %s", m.PubKey, code, strings.TrimSpace(body))
	}
	// Raw bodies with literal control characters in strings are not JSON.
	for _, raw := range []string{
		"{\"pubKey\":\"f\n" + injected + "\",\"sent\":{},\"received\":1}",
		"{\"pubKey\":\"g\",\"sent\":{},\"received\":1}\n" + injected,
	} {
		if code, body := e.postRaw(dirapi.PathMetricsMixes, []byte(raw)); code/100 == 2 {
			t.Errorf("raw body %q accepted: %s", raw, body)
		}
	}
	if code, body := e.post(dirapi.PathMetricsMixes, dirapi.MixMetric{PubKey: "marker", Sent: map[string]uint64{}, Received: 2}); code/100 != 2 {
		t.Fatalf("marker report: %d %s", code, body)
	}
	var lines []string
	for {
		_, b, err := reader.Read(ctx)
		if err != nil {
			t.Fatalf("reading the stream: %v (lines so far %q)", err, lines)
		}
		frame := strings.Split(string(b), "\n")
		lines = append(lines, frame...)
		if strings.Contains(frame[len(frame)-1], `"marker"`) {
			break
		}
	}
	if len(lines) != accepted+1 {
		t.Fatalf("%d lines for %d accepted reports: %q", len(lines), accepted+1, lines)
	}
	for _, l := range lines {
		var m dirapi.PersistedMixMetric
		d := json.NewDecoder(strings.NewReader(l))
		d.DisallowUnknownFields()
		if err := d.Decode(&m); err != nil || d.More() {
			t.Fatalf("line %q is not one metric: %v", l, err)
		}
		if m.PubKey == "injected" {
			t.Fatalf("injected line on the stream: %q", l)
		}
	}
}
