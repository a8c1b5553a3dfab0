// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// The end-to-end test's monitor interval, and its clients' traffic: a
// packet every 100 ms per client (and from the exit's network requester)
// and loop cover every second. At the clients' defaults (20 ms, 200 ms)
// three senders offer about 165 packets a second, which the eight
// in-process nodes sharing two cores cannot unwrap under -race when the
// machine is busy: the layer-1 mixes' inbound queues grow to hundreds of
// frames and every packet, the monitor's too, arrives seconds late
// (docs/protocol/monitor.md §9).
const (
	e2eInterval = 2 * time.Second
	e2eRealMean = 100 * time.Millisecond
	e2eLoopMean = time.Second
)

// getJSON GETs url into v and returns the status.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// score returns the directory's score of pubKey (ok false: none yet).
func score(t *testing.T, dirURL, pubKey string) (st dirapi.NodeStatus, ok bool) {
	t.Helper()
	return st, getJSON(t, dirURL+dirapi.PathReliability+"/"+pubKey, &st) == http.StatusOK
}

// runsSince returns the monitor's runs that ended after since, oldest
// first, from its history file.
func runsSince(t *testing.T, historyFile string, since time.Time) []monitor.RunRecord {
	t.Helper()
	h, err := monitor.LoadHistory(historyFile)
	if err != nil {
		t.Fatal(err)
	}
	var runs []monitor.RunRecord
	for _, r := range h.Runs {
		if r.Time > since.UnixNano() {
			runs = append(runs, r)
		}
	}
	return runs
}

// waitRuns waits (up to 30 s) until cond holds of the runs that ended
// after since, and returns them.
func waitRuns(t *testing.T, s *started, what string, since time.Time, cond func([]monitor.RunRecord) bool) []monitor.RunRecord {
	t.Helper()
	var runs []monitor.RunRecord
	if !poll.Try(30*time.Second, func() bool {
		runs = runsSince(t, s.info.Monitor.HistoryFile, since)
		return cond(runs)
	}) {
		t.Fatalf("timed out waiting for %s: %d runs since %v: %+v\nlogs:\n%s", what, len(runs), since, runs, s.logs.String())
	}
	return runs
}

// cacheFile returns the topology cache file of the client of the given
// role and id in the network at root.
func cacheFile(t *testing.T, root string, role home.Role, id string) string {
	t.Helper()
	dir, err := home.For(root, role, id)
	if err != nil {
		t.Fatal(err)
	}
	return dir.Data(nativeclient.TopologyCacheFile)
}

// cachedReliability returns the reliability that the topology cached in
// file gives the mix with Sphinx key key; ok is false if the file is
// unreadable (say, being replaced) or gives the mix no score.
func cachedReliability(file, key string) (r float64, ok bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	var top dirapi.Topology
	if json.Unmarshal(b, &top) != nil {
		return 0, false
	}
	for _, mx := range top.MixNodes {
		if mx.PubKey == key && mx.Reliability != nil {
			return float64(*mx.Reliability), true
		}
	}
	return 0, false
}

// nodeReceived returns how many packets node nd has received.
func nodeReceived(t *testing.T, nd NodeInfo) uint64 {
	t.Helper()
	var st nodehttp.StatsResponse
	if code := getJSON(t, "http://"+nd.HTTPAddress+nodehttp.PathStats, &st); code != http.StatusOK {
		t.Fatalf("stats of %s: %d", nd.ID, code)
	}
	return st.SinceStart.Received
}

// TestMonitorFaultyMix is the end-to-end test of the network monitor: a
// mix made to drop every packet scores below the threshold within two
// runs, clients stop routing through it and their messages keep arriving;
// when it recovers its score recovers within two runs; and a restarted
// monitor keeps its history.
func TestMonitorFaultyMix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local network and waits for several monitor runs")
	}
	leaktest.Check(t)
	begin := time.Now()
	s := startNet(t, Config{MonitorInterval: e2eInterval, RealMean: e2eRealMean, LoopMean: e2eLoopMean}, nil)
	t.Logf("ready after %v (Run measured %d ms)", time.Since(begin).Round(time.Millisecond), s.info.ReadyMillis)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	defer http.DefaultClient.CloseIdleConnections()

	m := s.info.Monitor
	if m == nil || m.Identity == "" || m.IntervalMillis != e2eInterval.Milliseconds() {
		t.Fatalf("info.monitor = %+v", m)
	}
	if file, err := ReadInfo(s.info.Dir); err != nil || file.Monitor == nil || *file.Monitor != *m {
		t.Fatalf("%s monitor = %+v, %v; want %+v", InfoFile, file.Monitor, err, m)
	}
	var bad NodeInfo
	for _, nd := range s.info.Nodes {
		if nd.ID == "mix-2-1" {
			bad = nd
		}
	}

	// A healthy run: every node scores 100, published by the monitor.
	waitRuns(t, s, "a run in which every node scored 100", begin, func(runs []monitor.RunRecord) bool {
		if len(runs) == 0 {
			return false
		}
		last := runs[len(runs)-1]
		for _, nd := range s.info.Nodes {
			if c, ok := last.Nodes[nd.SphinxKey]; !ok || c.Sent == 0 || c.Percent() != 100 {
				return false
			}
		}
		return true
	})
	// The history is written before the report is posted: poll.
	var st dirapi.NodeStatus
	var ok bool
	if !poll.Try(5*time.Second, func() bool {
		st, ok = score(t, s.info.Directory, bad.SphinxKey)
		return ok && st.Monitor == m.Identity && st.LastRun == 100
	}) {
		t.Fatalf("published score of %s: %+v (found %v)", bad.ID, st, ok)
	}

	// The fault: below the threshold within two runs.
	faultOn := time.Now()
	if err := s.net.SetFault(ctx, bad.ID, true); err != nil {
		t.Fatal(err)
	}
	runs := waitRuns(t, s, bad.ID+" to score below 50", faultOn, func(runs []monitor.RunRecord) bool {
		for _, r := range runs {
			if c, ok := r.Nodes[bad.SphinxKey]; ok && c.Percent() < topology.DefaultMinReliability {
				return true
			}
		}
		return len(runs) >= 2 // failing below
	})
	low := -1
	for i, r := range runs {
		if c := r.Nodes[bad.SphinxKey]; c.Sent > 0 && c.Percent() < topology.DefaultMinReliability {
			low = i
			break
		}
	}
	if low < 0 || low > 1 {
		t.Fatalf("%s did not score below 50 within two runs: %+v", bad.ID, runs)
	}
	t.Logf("%s scored %.0f in run %d after the fault (%v after it)", bad.ID, runs[low].Nodes[bad.SphinxKey].Percent(),
		low+1, time.Unix(0, runs[low].Time).Sub(faultOn).Round(time.Millisecond))
	if !poll.Try(5*time.Second, func() bool {
		st, ok = score(t, s.info.Directory, bad.SphinxKey)
		return ok && st.LastRun < topology.DefaultMinReliability
	}) {
		t.Fatalf("the directory's score of %s: %+v", bad.ID, st)
	}

	// The topology carries the score, and routes chosen from it (as the
	// clients choose theirs) avoid the node.
	dc, err := dirclient.New(s.info.Directory, nil)
	if err != nil {
		t.Fatal(err)
	}
	dt, err := dc.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, mx := range dt.MixNodes {
		if mx.PubKey == bad.SphinxKey && (mx.Reliability == nil || *mx.Reliability >= topology.DefaultMinReliability) {
			t.Fatalf("the topology gives %s reliability %v", bad.ID, mx.Reliability)
		}
		if mx.PubKey != bad.SphinxKey && (mx.Reliability == nil || *mx.Reliability < topology.DefaultMinReliability) {
			t.Errorf("the topology gives healthy mix %s reliability %v", mx.Host, mx.Reliability)
		}
	}
	top, _ := topology.FromDirectory(dt, topology.Options{})
	badAddr, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(bad.MixnetAddress))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		route, err := top.Route(r, top.Gateways()[i%len(top.Gateways())])
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range route {
			if h.Address == badAddr {
				t.Fatalf("route %d goes through %s", i, bad.ID)
			}
		}
	}

	// Clients stop routing through it: with the monitor stopped, nothing
	// reaches the faulty node while 20 messages (and the clients' cover
	// traffic) go from client-1 to client-2, and every message arrives.
	if err := s.net.StopMonitor(); err != nil {
		t.Fatal(err)
	}
	// Every client (and the proxy) has fetched a topology that scores the
	// node low: each writes it to its cache as it installs it.
	var caches []string
	for _, c := range s.info.Clients {
		caches = append(caches, cacheFile(t, s.info.Dir, home.Client, c.ID))
	}
	if s.info.SOCKS5 != nil {
		caches = append(caches, cacheFile(t, s.info.Dir, home.Socks5Client, s.info.SOCKS5.ID))
	}
	poll.Until(t, "every client to cache a topology scoring "+bad.ID+" below 50", 10*time.Second, func() bool {
		for _, f := range caches {
			if r, ok := cachedReliability(f, bad.SphinxKey); !ok || r >= topology.DefaultMinReliability {
				return false
			}
		}
		return true
	})
	// Packets already on their way (the monitor's last, a client's sent
	// before its refetch) have landed once the node's count stays still
	// for a topology interval.
	last, still := nodeReceived(t, bad), time.Now()
	poll.Until(t, bad.ID+" to receive nothing for "+clientTopologyInterval.String(), 20*time.Second, func() bool {
		if n := nodeReceived(t, bad); n != last {
			last, still = n, time.Now()
			return false
		}
		return time.Since(still) >= clientTopologyInterval
	})
	before := nodeReceived(t, bad)
	sendMessages(t, ctx, s.info, 20)
	if after := nodeReceived(t, bad); after != before {
		t.Errorf("the faulty %s received %d packets while the clients sent; want none", bad.ID, after-before)
	}

	// Recovery, with a restarted monitor that keeps its history.
	if err := s.net.SetFault(ctx, bad.ID, false); err != nil {
		t.Fatal(err)
	}
	restart := time.Now()
	if err := s.net.StartMonitor(); err != nil {
		t.Fatal(err)
	}
	if err := s.net.StartMonitor(); err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("starting a running monitor: %v", err)
	}
	runs = waitRuns(t, s, bad.ID+" to recover", restart, func(runs []monitor.RunRecord) bool {
		for _, r := range runs {
			if c := r.Nodes[bad.SphinxKey]; c.Sent > 0 && c.Percent() >= topology.DefaultMinReliability {
				return true
			}
		}
		return len(runs) >= 2
	})
	rec := -1
	for i, r := range runs {
		if c := r.Nodes[bad.SphinxKey]; c.Sent > 0 && c.Percent() >= topology.DefaultMinReliability {
			rec = i
			break
		}
	}
	if rec < 0 || rec > 1 {
		t.Fatalf("%s did not recover within two runs: %+v", bad.ID, runs)
	}
	if !poll.Try(5*time.Second, func() bool {
		st, ok = score(t, s.info.Directory, bad.SphinxKey)
		return ok && st.RunTimestamp >= runs[rec].Time
	}) {
		t.Fatalf("the directory's score of %s after recovery: %+v", bad.ID, st)
	}
	// The last hour still counts the runs before the restart, in which the
	// node lost everything: so it is below the last run's 100.
	if st.LastRun < topology.DefaultMinReliability || st.LastHour <= 0 || st.LastHour >= st.LastRun {
		t.Errorf("after the restart %s scores lastRun %.1f lastHour %.1f; want the last hour to include the failed runs before it",
			bad.ID, st.LastRun, st.LastHour)
	}
	h, err := monitor.LoadHistory(m.HistoryFile)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(0, st.RunTimestamp)
	if w := h.Window(bad.SphinxKey, at, monitor.Hour); w.Percent() != st.LastHour || w.Sent <= runs[rec].Nodes[bad.SphinxKey].Sent {
		t.Errorf("history window %+v (%.1f %%) vs published lastHour %.1f", w, w.Percent(), st.LastHour)
	}
	t.Logf("%s: lastRun %.0f, lastHour %.1f after the restart; whole test %v", bad.ID, st.LastRun, st.LastHour,
		time.Since(begin).Round(time.Millisecond))
}

// sendMessages sends n messages from the first client to the second and
// checks that every one arrives intact.
func sendMessages(t *testing.T, ctx context.Context, info Info, n int) {
	t.Helper()
	from, err := clientapi.Dial(ctx, info.Clients[0].APIURL())
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := clientapi.Dial(ctx, info.Clients[1].APIURL())
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	want := map[string]bool{}
	for i := range n {
		msg := trafficMessage(1, uint64(i+1), 1000)
		want[string(msg)] = true
		if err := from.Send(ctx, info.Clients[1].Address, msg, false); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for len(want) > 0 {
		got, err := to.Receive(rctx)
		if err != nil {
			t.Fatalf("%d of %d messages did not arrive: %v", len(want), n, err)
		}
		if !want[string(got.Message)] {
			t.Fatalf("unexpected message of %d bytes: %q", len(got.Message), bytes.TrimRight(got.Message[:min(len(got.Message), 32)], "\x00"))
		}
		delete(want, string(got.Message))
	}
}
