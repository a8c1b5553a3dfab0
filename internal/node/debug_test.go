// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// fakeSwitch is a faultSwitch that records its state.
type fakeSwitch struct{ drop bool }

func (f *fakeSwitch) SetFault(d bool) { f.drop = d }
func (f *fakeSwitch) Fault() bool     { return f.drop }

func TestFaultHandler(t *testing.T) {
	sw := &fakeSwitch{}
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := faultHandler(sw, slog.New(slog.DiscardHandler), next)
	do := func(method, path, body string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	for _, tt := range []struct {
		name, method, body string
		status             int
		answer             string
		drop               bool // the switch afterwards
	}{
		{"state", "GET", "", 200, `{"drop":false}`, false},
		{"on", "POST", `{"drop": true}`, 200, `{"drop":true}`, true},
		{"state on", "GET", "", 200, `{"drop":true}`, true},
		{"missing drop", "POST", `{}`, 400, "drop: required", true},
		{"unknown field", "POST", `{"drop": false, "all": 1}`, 400, "unknown field", true},
		{"not a bool", "POST", `{"drop": "no"}`, 400, "body:", true},
		{"trailing data", "POST", `{"drop": false} {}`, 400, "trailing", true},
		{"too large", "POST", `{"drop": false, "x": "` + strings.Repeat("a", maxFaultBody) + `"}`, 400, "body:", true},
		{"not JSON", "POST", `drop`, 400, "body:", true},
		{"off", "POST", `{"drop": false}`, 200, `{"drop":false}`, false},
		{"other method is passed on", "PUT", `{"drop": true}`, http.StatusTeapot, "", false},
	} {
		status, answer := do(tt.method, PathDebugFault, tt.body)
		if status != tt.status || !strings.Contains(answer, tt.answer) || sw.drop != tt.drop {
			t.Errorf("%s: %d %q, switch %v; want %d containing %q, switch %v", tt.name, status, answer, sw.drop, tt.status, tt.answer, tt.drop)
		}
	}
	if status, _ := do("GET", nodehttp.PathHealth, ""); status != http.StatusTeapot {
		t.Errorf("other routes are not passed on: %d", status)
	}
}

// initDebugNode initialises a layer-2 mix node without a directory (next
// hops are not checked) and with [debug] fault_injection as given.
func initDebugNode(t *testing.T, root string, fault bool) {
	t.Helper()
	o := initOpts(root)
	o.MixPort, o.HTTPPort = freePort(t), 0
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	d, err := home.For(root, home.Node, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Load(d.Config(), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Debug.FaultInjection {
		t.Fatal("fault_injection is on by default")
	}
	cfg.Directory.URL, cfg.Debug.FaultInjection = "", fault
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "[debug]\n  fault_injection = ") {
		t.Errorf("the config does not show the debug section:\n%s", text)
	}
	if err := os.WriteFile(d.Config(), text, 0o600); err != nil {
		t.Fatal(err)
	}
}

// httpDo sends a request to a node's HTTP API and returns the status and
// body.
func httpDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFaultInjectionOffByDefault(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	initDebugNode(t, root, false)
	var stdout logtest.Buffer
	n := startNode(t, RunOptions{Home: root, ID: "mix1", Stdout: &stdout})
	defer http.DefaultClient.CloseIdleConnections()
	for _, m := range []string{"GET", "POST"} {
		if status, body := httpDo(t, m, "http://"+n.HTTP.String()+PathDebugFault, `{"drop": true}`); status != http.StatusNotFound {
			t.Errorf("%s %s without fault_injection: %d %s, want 404", m, PathDebugFault, status, body)
		}
	}
	if strings.Contains(stdout.String(), "FAULT") {
		t.Errorf("the banner mentions fault injection:\n%s", stdout.String())
	}
}

// TestFaultInjection switches a running node's fault on through its HTTP
// API and checks that a packet is dropped and counted, then off again and
// checks that the next packet is forwarded.
func TestFaultInjection(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	initDebugNode(t, root, true)
	var stdout, logs logtest.Buffer
	n := startNode(t, RunOptions{Home: root, ID: "mix1", Stdout: &stdout, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer http.DefaultClient.CloseIdleConnections()
	if !strings.Contains(stdout.String(), "FAULT INJECTION ON") || !strings.Contains(logs.String(), "FAULT INJECTION IS ON") {
		t.Errorf("fault injection is not announced loudly; banner:\n%s\nlogs:\n%s", stdout.String(), logs.String())
	}
	api := "http://" + n.HTTP.String()

	next, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	frames := make(chan []byte, 4)
	go func() {
		c, err := next.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := wire.NewReader(c)
		for {
			f, err := r.ReadFrame(make([]byte, sphinx.Regular.PacketSize()))
			if err != nil {
				return
			}
			frames <- f.Packet
		}
	}()
	nextKey, _ := sphinx.GenerateKey(rand.Reader)
	addrOf := func(s string) sphinx.NodeAddress {
		a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	route := []sphinx.Hop{
		{Address: addrOf(n.MixnetAnnounce), PublicKey: n.Keys.Sphinx.Public()},
		{Address: addrOf(next.Addr().String()), PublicKey: nextKey.Public()},
	}
	c, err := net.Dial("tcp", n.MixnetListen.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := wire.NewWriter(c)
	send := func() {
		t.Helper()
		pkt, err := sphinx.NewPacket(rand.Reader, route, sphinx.Destination{1}, sphinx.Identifier{}, sphinx.Regular, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFrame(sphinx.Regular, pkt); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	stats := func() nodehttp.Counts {
		t.Helper()
		status, body := httpDo(t, "GET", api+nodehttp.PathStats, "")
		var st nodehttp.StatsResponse
		if err := json.Unmarshal([]byte(body), &st); status != 200 || err != nil {
			t.Fatalf("stats: %d %s %v", status, body, err)
		}
		return st.SinceStart
	}
	waitStats := func(what string, cond func(nodehttp.Counts) bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(stats()); {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, stats())
			}
			time.Sleep(20 * time.Millisecond) // polling a real node over HTTP
		}
	}

	if status, body := httpDo(t, "POST", api+PathDebugFault, `{"drop": true}`); status != 200 || !strings.Contains(body, `"drop":true`) {
		t.Fatalf("switching the fault on: %d %s", status, body)
	}
	send()
	waitStats("the fault drop", func(c nodehttp.Counts) bool { return c.Dropped["fault"] == 1 })
	if _, m := httpDo(t, "GET", api+nodehttp.PathMetrics, ""); !strings.Contains(m, `nym_mixnode_packets_dropped_total{reason="fault"} 1`) {
		t.Errorf("metrics do not count the fault drop:\n%s", m)
	}
	select {
	case <-frames:
		t.Fatal("a packet left the node while its fault was on")
	default:
	}

	if status, body := httpDo(t, "POST", api+PathDebugFault, `{"drop": false}`); status != 200 || !strings.Contains(body, `"drop":false`) {
		t.Fatalf("switching the fault off: %d %s", status, body)
	}
	send()
	select {
	case <-frames:
	case <-time.After(10 * time.Second):
		t.Fatal("the packet was not forwarded after the fault was switched off")
	}
	if c := stats(); c.Received != 2 || c.Dropped["fault"] != 1 {
		t.Errorf("stats: %+v; want 2 received, 1 fault drop", c)
	}
}
