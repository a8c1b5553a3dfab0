// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dashboard_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/browsertest"
	"github.com/nym-go/nym/internal/dashboard/dashboardtest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/directory"
)

// reportEvery is how often the fake mix nodes report metrics. The
// directory under test allows that many reports per metrics window.
const reportEvery = 200 * time.Millisecond

// fakeNode is a node of the fake network: its presence, and for a mix
// node the packets it reports per report.
type fakeNode struct {
	key     ed25519.PrivateKey
	mix     *dirapi.MixNodePresence
	gateway *dirapi.GatewayPresence
	perRep  uint64
}

func (n *fakeNode) pubKey() string {
	if n.mix != nil {
		return n.mix.PubKey
	}
	return n.gateway.PubKey
}

// fakeNetwork makes 2 mix nodes per layer and 2 gateways with keys from a
// seeded generator. The first mix node of each layer is unsigned (as
// v0.5.0 nodes were), the others sign.
func fakeNetwork(seed uint64) []*fakeNode {
	rng := rand.New(rand.NewPCG(seed, seed))
	key32 := func() []byte {
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var nodes []*fakeNode
	for layer := uint64(1); layer <= 3; layer++ {
		for i := range 2 {
			nodes = append(nodes, &fakeNode{
				key: ed25519.NewKeyFromSeed(key32()),
				mix: &dirapi.MixNodePresence{
					Host:     fmt.Sprintf("127.0.0.1:%d", 17000+10*layer+uint64(i)),
					PubKey:   base58.Encode(key32()),
					Version:  "0.1.0-test",
					Location: fmt.Sprintf("rack %d", layer),
					Layer:    layer,
				},
				perRep: 10 * (layer + uint64(i)), // 10..40 packets per report
			})
		}
	}
	for i := range 2 {
		nodes = append(nodes, &fakeNode{
			key: ed25519.NewKeyFromSeed(key32()),
			gateway: &dirapi.GatewayPresence{
				ClientListener:        fmt.Sprintf("ws://127.0.0.1:%d", 9000+i),
				MixnetListener:        fmt.Sprintf("127.0.0.1:%d", 1789+i),
				PubKey:                base58.Encode(key32()),
				Version:               "0.1.0-test",
				Location:              "edge",
				RegisteredClients:     []dirapi.RegisteredClient{},
				RegisteredClientCount: uint64(3 * i),
			},
		})
	}
	return nodes
}

// announce posts every node's presence, signing all but the first mix
// node of each layer.
func announce(ctx context.Context, dc *dirclient.Client, nodes []*fakeNode) error {
	for i, n := range nodes {
		var p dirapi.Signable = n.gateway
		if n.mix != nil {
			p = n.mix
		}
		if n.gateway != nil || i%2 == 1 {
			dirapi.Sign(p, n.key, time.Now())
		}
		if err := dc.Announce(ctx, p); err != nil {
			return fmt.Errorf("announce %s: %w", n.pubKey(), err)
		}
	}
	return nil
}

// runNetwork announces the nodes every second and has every mix node
// report metrics every reportEvery until ctx ends; then it closes done.
// The first error is sent on errc (buffered).
func runNetwork(ctx context.Context, dc *dirclient.Client, nodes []*fakeNode, errc chan<- error, done chan<- struct{}) {
	defer close(done)
	fail := func(err error) {
		if ctx.Err() == nil {
			select {
			case errc <- err:
			default:
			}
		}
	}
	tick := time.NewTicker(reportEvery)
	defer tick.Stop()
	for i := 0; ; i++ {
		if i%5 == 0 {
			if err := announce(ctx, dc, nodes); err != nil {
				fail(err)
			}
		}
		for _, n := range nodes {
			if n.mix == nil {
				continue
			}
			m := dirapi.MixMetric{PubKey: n.mix.PubKey, Sent: map[string]uint64{"127.0.0.1:1": n.perRep}, Received: n.perRep}
			if err := dc.ReportMetric(ctx, m); err != nil {
				fail(fmt.Errorf("report %s: %w", n.mix.PubKey, err))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// dir is an in-process directory on 127.0.0.1:0.
type dir struct {
	url    string
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func startDirectory(t *testing.T, addr string) *dir {
	t.Helper()
	srv, err := directory.New(directory.Config{
		AllowUnsigned: true,
		// The fake nodes report every 200 ms: 15 per 3 s window.
		MaxMetricsPerKey: 32,
	}, directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &dir{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(d.stop)
	return d
}

// stop stops the directory and waits for it; calling it again does nothing.
func (d *dir) stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
	d.cancel = nil
}

// startNetwork starts the fake network's reports against d; the returned
// stop ends them, waits, and reports a posting error. Idempotent.
func startNetwork(t *testing.T, d *dir, nodes []*fakeNode) (stop func()) {
	t.Helper()
	dc, err := dirclient.New(d.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := announce(context.Background(), dc, nodes); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc, done := make(chan error, 1), make(chan struct{})
	go runNetwork(ctx, dc, nodes, errc, done)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			select {
			case err := <-errc:
				t.Errorf("fake network: %v", err)
			default:
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func pubKeys(nodes []*fakeNode) []string {
	var keys []string
	for _, n := range nodes {
		keys = append(keys, n.pubKey())
	}
	return keys
}

// rowInfo is what the page shows for one node.
type rowInfo struct {
	Group       string  `json:"group"`
	Layer       string  `json:"layer"`
	Kind        string  `json:"kind"`
	Sent        float64 `json:"sent"`
	Received    float64 `json:"received"`
	LastSeen    string  `json:"lastSeen"`
	Reliability string  `json:"reliability"`
	KeyTitles   []string
	KeyTexts    []string
}

const readRows = `(() => {
  const out = {rows: {}, total: Number(document.getElementById("total-sent-rate").dataset.value),
    totalReceived: Number(document.getElementById("total-received-rate").dataset.value)};
  for (const tr of document.querySelectorAll("tr[data-node]")) {
    out.rows[tr.dataset.node] = {
      group: tr.closest("section[data-group]").dataset.group,
      layer: tr.dataset.layer || "",
      kind: tr.dataset.kind,
      sent: Number(tr.querySelector("td[data-rate-sent]").dataset.value || "0"),
      received: Number(tr.querySelector("td[data-rate-received]").dataset.value || "0"),
      lastSeen: tr.querySelector("td[data-last-seen]").textContent,
      reliability: tr.querySelector("td[data-reliability]").textContent,
      KeyTitles: Array.from(tr.querySelectorAll("button.key"), b => b.title),
      KeyTexts: Array.from(tr.querySelectorAll("button.key"), b => b.textContent),
    };
  }
  return JSON.stringify(out);
})()`

type pageState struct {
	Rows          map[string]rowInfo `json:"rows"`
	Total         float64            `json:"total"`
	TotalReceived float64            `json:"totalReceived"`
}

func read(t *testing.T, ctx context.Context) pageState {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](readRows))
	if err != nil {
		t.Fatal(err)
	}
	var st pageState
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDashboardInBrowser runs the dashboard of an in-process directory
// that 6 mix nodes and 2 gateways announce themselves to, the mix nodes
// reporting metrics every 200 ms, in headless Chromium: every node is
// listed under its layer with its keys, rates become non-zero and add up
// to the network's total, the chart draws them, nothing logs an error,
// and the rates fall to 0 once the nodes stop reporting.
func TestDashboardInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 120*time.Second)
	d := startDirectory(t, "127.0.0.1:0")
	nodes := fakeNetwork(7)
	stopNetwork := startNetwork(t, d, nodes)

	dashboardtest.Check(t, ctx, d.url+"/", pubKeys(nodes))
	problems := dashboardtest.Watch(t, ctx, d.url)
	defer problems.Fail(t, ctx)

	// Wait until every mix node has a rate (its second report).
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`Array.from(document.querySelectorAll('tr[data-kind="mixnode"] td[data-rate-sent]')).every(td => Number(td.dataset.value) > 0)`,
		chromedp.WithPollingTimeout(dashboardtest.WaitTimeout)))
	if err != nil {
		t.Fatalf("waiting for every mix node's rate: %v", err)
	}
	st := read(t, ctx)
	var sum, sumReceived float64
	for _, n := range nodes {
		row, ok := st.Rows[n.pubKey()]
		if !ok {
			t.Errorf("node %s not listed", n.pubKey())
			continue
		}
		sum += row.Sent
		sumReceived += row.Received
		if row.Reliability != "—" {
			t.Errorf("%s: reliability %q before any monitor", n.pubKey(), row.Reliability)
		}
		if ok, _ := matchLastSeen(row.LastSeen); !ok {
			t.Errorf("%s: last seen %q", n.pubKey(), row.LastSeen)
		}
		if !slices.Contains(row.KeyTitles, n.pubKey()) || slices.Contains(row.KeyTexts, n.pubKey()) {
			t.Errorf("%s: sphinx key not shortened with the full key in its title: texts %q titles %q",
				n.pubKey(), row.KeyTexts, row.KeyTitles)
		}
		if n.mix == nil {
			if row.Group != "gateways" || row.Kind != "gateway" {
				t.Errorf("gateway %s shown in %q as %q", n.pubKey(), row.Group, row.Kind)
			}
			if row.Sent != 0 {
				t.Errorf("gateway %s sends %v/s though it never reported", n.pubKey(), row.Sent)
			}
			continue
		}
		if want := fmt.Sprintf("layer-%d", n.mix.Layer); row.Group != want || row.Layer != fmt.Sprint(n.mix.Layer) {
			t.Errorf("mix node %s of layer %d shown in %q (data-layer %q)", n.pubKey(), n.mix.Layer, row.Group, row.Layer)
		}
		// perRep packets every 200 ms. The interval is measured on the
		// directory's receipt times, which a loaded machine stretches or
		// bunches up, so the bounds are loose.
		want := float64(n.perRep) * float64(time.Second) / float64(reportEvery)
		if row.Sent < want/4 || row.Sent > want*4 || row.Received < want/4 || row.Received > want*4 {
			t.Errorf("mix node %s: sent %.1f/s received %.1f/s, want about %.0f/s", n.pubKey(), row.Sent, row.Received, want)
		}
		signed := n.mix != nil && slices.Contains(row.KeyTitles, base58.Encode(n.key.Public().(ed25519.PublicKey)))
		if wantSigned := n.mix.Signed.IdentityKey != ""; signed != wantSigned {
			t.Errorf("mix node %s: identity key shown %v, want %v", n.pubKey(), signed, wantSigned)
		}
	}
	// The totals are the sums of the rows, taken in the same tick.
	if math.Abs(st.Total-sum) > 1e-6*sum || math.Abs(st.TotalReceived-sumReceived) > 1e-6*sumReceived {
		t.Errorf("totals %v sent, %v received; the rows add up to %v, %v", st.Total, st.TotalReceived, sum, sumReceived)
	}
	empty, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section[data-group="validators"]`)))
	if err != nil || !strings.Contains(empty, "validators: none yet") {
		t.Errorf("validators section %q (%v)", empty, err)
	}

	// The chart has drawn the sent line (in its colour, #1f6fd1).
	blue, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
  const c = document.getElementById("throughput-chart");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - 0x1f) < 24 && Math.abs(d[i+1] - 0x6f) < 24 && Math.abs(d[i+2] - 0xd1) < 24 && d[i+3] > 200) n++;
  }
  return n;
})()`))
	if err != nil || blue < 10 {
		t.Errorf("chart has %d pixels of the sent colour (%v)", blue, err)
	}

	// A narrow screen: nothing overflows the page sideways (tables scroll
	// inside their cards).
	err = chromedp.Do(ctx, chromedp.EmulateViewport(390, 844))
	if err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.documentElement.scrollWidth <= window.innerWidth + 1`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || !overflow {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth + " > " + window.innerWidth`))
		t.Errorf("narrow screen: page wider than the window (%s, %v)", w, err)
	}
	dashboardtest.Screenshot(t, ctx, "dashboard-narrow.png")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(dashboardtest.Viewport[0], dashboardtest.Viewport[1])); err != nil {
		t.Fatal(err)
	}

	// The nodes stop reporting: within 2 intervals plus a second (and a
	// tick), every rate and the totals are 0.
	stopNetwork()
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`Number(document.getElementById("total-sent-rate").dataset.value) === 0 &&
		 Number(document.getElementById("total-received-rate").dataset.value) === 0 &&
		 document.querySelectorAll('tr[data-kind="mixnode"][data-silent="true"]').length === 6`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Errorf("rates did not decay to 0 after the nodes stopped: %v (%+v)", err, read(t, ctx))
	}
	dashboardtest.Screenshot(t, ctx, "dashboard-silent.png")
}

// TestDashboardReconnects restarts the directory under the page: the
// websocket status goes down, the page reconnects by itself (with
// backoff) and shows live rates again.
func TestDashboardReconnects(t *testing.T) {
	ctx := browsertest.New(t, 120*time.Second)
	d := startDirectory(t, "127.0.0.1:0")
	nodes := fakeNetwork(8)
	stop := startNetwork(t, d, nodes)
	dashboardtest.Check(t, ctx, d.url+"/", pubKeys(nodes))

	problems := dashboardtest.Watch(t, ctx, d.url)
	stop()
	d.stop()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("ws-status").dataset.state === "down"`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("websocket status after the directory stopped: %v", err)
	}
	// While the directory is down the browser logs refused connections;
	// those are expected.
	problems.Take()

	d2 := startDirectory(t, d.addr)
	startNetwork(t, d2, nodes)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("ws-status").dataset.state === "live" &&
		 window.nymDashboard.state.wsConnects >= 2 &&
		 Number(document.getElementById("total-sent-rate").dataset.value) > 0 &&
		 document.getElementById("topology-status").dataset.state === "ok"`,
		chromedp.WithPollingTimeout(dashboardtest.WaitTimeout)))
	if err != nil {
		dashboardtest.Screenshot(t, ctx, "reconnect.png")
		t.Fatalf("page did not come back after the directory restarted: %v", err)
	}
	// Refused connections logged just before the reconnect are expected;
	// anything else (an exception) is not.
	for _, p := range problems.Take() {
		if !strings.Contains(p, "ERR_CONNECTION_REFUSED") && !strings.Contains(p, "WebSocket connection") {
			t.Errorf("after restart: %s", p)
		}
	}
}

// TestRateTracker checks the page's rate arithmetic (app.js RateTracker)
// in the browser with hand-made reports and times.
func TestRateTracker(t *testing.T) {
	ctx := browsertest.New(t, 60*time.Second)
	d := startDirectory(t, "127.0.0.1:0")
	problems := dashboardtest.Watch(t, ctx, d.url)
	defer problems.Fail(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(d.url+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  const R = new window.nymDashboard.RateTracker();
  const t0 = 1795260236303359134; // ns; a double, exact to 256 ns
  const out = {};
  out.notReport = [R.add(null, 0), R.add({pubKey: 1, timestamp: t0}, 0), R.add({pubKey: "a"}, 0)];
  R.add({pubKey: "a", sent: {x: 10}, received: 5, timestamp: t0}, 0);
  out.first = R.rate("a", 0);
  R.add({pubKey: "a", sent: {x: 10, y: 10, z: -3, w: "9"}, received: 5, timestamp: t0 + 2e9}, 2000);
  out.second = R.rate("a", 2000);
  out.held = R.rate("a", 2000 + 2 * 2000 + 1000 - 1);
  out.decayed = R.rate("a", 2000 + 2 * 2000 + 1000 + 1);
  R.add({pubKey: "a", sent: {}, received: 3, timestamp: t0 + 2e9 + 1e6}, 7000); // 1 ms later: at least 100 ms
  out.clamped = R.rate("a", 7000);
  R.resetBaselines();
  R.add({pubKey: "a", sent: {x: 1000}, received: 1000, timestamp: t0 + 9e9}, 8000);
  out.afterReset = R.rate("a", 8000);
  R.add({pubKey: "a", sent: {x: 50}, received: 25, timestamp: t0 + 9.5e9}, 8500);
  out.resumed = R.rate("a", 8500);
  out.unknown = R.rate("b", 0);
  R.prune(8500 + 5 * 60 * 1000 + 1);
  out.pruned = R.reported("a");
  const D = window.nymDashboard;
  out.nice = [0, 0.5, 1, 7, 12, 180, 2400].map(D.niceCeil);
  out.ago = [-5000, 0, 3400, 59999, 60000, 7200000].map(D.fmtAgo);
  out.fmt = [0, 2.25, 12.6, 12345.4].map(D.fmtRate);
  return JSON.stringify(out);
})()`))
	if err != nil {
		t.Fatal(err)
	}
	type rate struct {
		Sent, Received float64
		Silent         bool
	}
	var out struct {
		NotReport                                  []bool
		First, Unknown                             *rate
		Second, Held, Decayed, Clamped, AfterReset *rate
		Resumed                                    *rate
		Pruned                                     bool
		Nice                                       []float64
		Ago, Fmt                                   []string
	}
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatal(err)
	}
	check := func(name string, got *rate, want *rate) {
		t.Helper()
		if (got == nil) != (want == nil) || got != nil && (math.Abs(got.Sent-want.Sent) > 1e-9 ||
			math.Abs(got.Received-want.Received) > 1e-9 || got.Silent != want.Silent) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	if len(out.NotReport) != 3 || out.NotReport[0] || out.NotReport[1] || out.NotReport[2] {
		t.Errorf("non-reports accepted: %v", out.NotReport)
	}
	check("first report (no interval yet)", out.First, nil)
	check("unknown node", out.Unknown, nil)
	// 20 packets (negative and non-number counts ignored) in 2 s.
	check("second report", out.Second, &rate{Sent: 10, Received: 2.5})
	check("held until 2 intervals + 1 s", out.Held, &rate{Sent: 10, Received: 2.5})
	check("silent after that", out.Decayed, &rate{Silent: true})
	check("interval clamped to 100 ms", out.Clamped, &rate{Sent: 0, Received: 30})
	check("after a reconnect the first report only restarts the clock", out.AfterReset, &rate{Sent: 0, Received: 30})
	check("then rates resume", out.Resumed, &rate{Sent: 100, Received: 50})
	if out.Pruned {
		t.Error("a node silent for 5 minutes is still tracked")
	}
	if want := []float64{1, 1, 1, 10, 20, 200, 2500}; !slices.Equal(out.Nice, want) {
		t.Errorf("niceCeil: %v, want %v", out.Nice, want)
	}
	if want := []string{"0 s ago", "0 s ago", "3 s ago", "59 s ago", "1 min ago", "2 h ago"}; !slices.Equal(out.Ago, want) {
		t.Errorf("fmtAgo: %q, want %q", out.Ago, want)
	}
	if want := []string{"0.0", "2.3", "13", "12,345"}; !slices.Equal(out.Fmt, want) {
		t.Errorf("fmtRate: %q, want %q", out.Fmt, want)
	}
}

func matchLastSeen(s string) (bool, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d s ago", &n); err != nil {
		return false, err
	}
	if n < 0 || n > 15 {
		return false, errors.New("out of range")
	}
	return true, nil
}
