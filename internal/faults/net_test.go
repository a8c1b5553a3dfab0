// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/localnet/localnettest"
	"github.com/nym-go/nym/internal/nodehttp"
)

// faultConfig is the network the tests run on: no mixing delay, no
// separate loop-cover stream, no monitor (its test packets would add load
// and mark the crashed nodes; the tests want the directory's presence
// alone to decide), no SOCKS5 proxy. Every client sends a packet at each
// tick of its real stream (10 ms; 25 ms under the race detector, which
// makes each packet several times dearer on this shared 2-core machine).
func faultConfig() localnet.Config {
	realMean := 10 * time.Millisecond
	if raceEnabled {
		realMean = 25 * time.Millisecond
	}
	return localnet.Config{
		HopDelay:     -1,
		RealMean:     realMean,
		LoopMean:     -1,
		NoMonitor:    true,
		NoSOCKS5:     true,
		ReadyTimeout: 60 * time.Second,
	}
}

// network is a running local network.
type network struct {
	*localnet.Net
	info localnet.Info
}

// startNet runs a local network with cfg until the test ends, and returns
// it once ready. The network's logs are printed if the test fails.
func startNet(t *testing.T, cfg localnet.Config) *network {
	t.Helper()
	r := localnettest.Start(t, cfg)
	return &network{Net: r.Net, info: r.Info}
}

// execConfig returns faultConfig with Exec, the binaries built with go
// build into a temporary directory (once for the package). Under -short it
// skips the test.
func execConfig(t *testing.T) localnet.Config {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: this fault test kills nym-node processes (localnet --exec), which builds nym-node and nym-client and runs 8 nodes and 2 clients as processes")
	}
	cfg := faultConfig()
	cfg.Exec, cfg.BinDir = true, localnettest.BuildBinaries(t)
	return cfg
}

// node returns the node with the given id.
func (nw *network) node(t *testing.T, id string) localnet.NodeInfo {
	t.Helper()
	for _, n := range nw.info.Nodes {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("no node %q in the network", id)
	return localnet.NodeInfo{}
}

// dial connects to a client's local API; the connection is closed when
// the test ends.
func dial(t *testing.T, ctx context.Context, c localnet.ClientInfo) *clientapi.Conn {
	t.Helper()
	conn, err := clientapi.Dial(ctx, c.APIURL())
	if err != nil {
		t.Fatalf("dial %s's API: %v", c.ID, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// messages returns n distinct messages of a few hundred bytes (one
// fragment each), tagged with the test's name and their index.
func messages(t *testing.T, tag string, n int) [][]byte {
	msgs := make([][]byte, n)
	for i := range msgs {
		m := fmt.Appendf(nil, "%s %s #%d ", t.Name(), tag, i)
		for len(m) < 200+i%300 {
			m = strconv.AppendInt(append(m, ' '), int64(len(m)*(i+1)), 36)
		}
		msgs[i] = m
	}
	return msgs
}

// receiver reads everything a client's API delivers, in its own goroutine
// until the test ends, and checks it against the messages expected.
type receiver struct {
	got  chan []byte
	errc chan error
}

// receive starts reading conn.
func receive(t *testing.T, conn *clientapi.Conn) *receiver {
	ctx, cancel := context.WithCancel(context.Background())
	r := &receiver{got: make(chan []byte, 1024), errc: make(chan error, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := conn.Receive(ctx)
			if err != nil {
				if ctx.Err() == nil {
					r.errc <- err
				}
				return
			}
			select {
			case r.got <- m.Message:
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// expect tracks which of a set of messages arrived.
type expect struct {
	want    map[string]int // message → index
	arrived map[int]bool
}

func newExpect() *expect {
	return &expect{want: make(map[string]int), arrived: make(map[int]bool)}
}

// add expects msgs too.
func (e *expect) add(msgs [][]byte) {
	for _, m := range msgs {
		e.want[string(m)] = len(e.want)
	}
}

func (e *expect) missing() int { return len(e.want) - len(e.arrived) }

// take records m, failing the test on a message never sent or one that
// arrived before.
func (e *expect) take(t *testing.T, m []byte) {
	t.Helper()
	i, ok := e.want[string(m)]
	switch {
	case !ok:
		t.Fatalf("received a message that was not sent: %q", shorten(m))
	case e.arrived[i]:
		t.Fatalf("received a message twice: %q", shorten(m))
	}
	e.arrived[i] = true
}

// waitAll reads r until every expected message arrived, failing the test
// after timeout, on an error of the API or a failure report of the sender
// (from sent, a receiver of the sender's API).
func (r *receiver) waitAll(t *testing.T, e *expect, sent *receiver, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for e.missing() > 0 {
		select {
		case m := <-r.got:
			e.take(t, m)
		case err := <-r.errc:
			t.Fatalf("receiving (%d of %d missing): %v", e.missing(), len(e.want), err)
		case err := <-sent.errc:
			t.Fatalf("sender (%d of %d missing): %v", e.missing(), len(e.want), err)
		case m := <-sent.got:
			t.Fatalf("sender received a message: %q", shorten(m))
		case <-deadline.C:
			t.Fatalf("%d of %d messages missing after %v", e.missing(), len(e.want), timeout)
		}
	}
}

// waitCount reads r until n expected messages in all have arrived (or the
// test fails as in waitAll).
func (r *receiver) waitCount(t *testing.T, e *expect, n int, sent *receiver, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for len(e.arrived) < n {
		select {
		case m := <-r.got:
			e.take(t, m)
		case err := <-r.errc:
			t.Fatalf("receiving: %v", err)
		case err := <-sent.errc:
			t.Fatalf("sender: %v", err)
		case <-deadline.C:
			t.Fatalf("%d of %d messages arrived in %v", len(e.arrived), n, timeout)
		}
	}
}

func shorten(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// sendAll sends msgs through conn to addr in a goroutine; the returned
// channel gets its result.
func sendAll(ctx context.Context, conn *clientapi.Conn, addr string, msgs [][]byte) <-chan error {
	errc := make(chan error, 1)
	go func() {
		for i, m := range msgs {
			if err := conn.Send(ctx, addr, m, false); err != nil {
				errc <- fmt.Errorf("send message %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	return errc
}

// inTopology returns the ids of the nodes of info the directory's topology
// lists now, with their Sphinx key, address and layer; a directory that
// does not answer lists none.
func inTopology(ctx context.Context, info localnet.Info) (map[string]bool, error) {
	dc, err := dirclient.New(info.Directory, &http.Client{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	topo, err := dc.Topology(ctx)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool)
	for _, m := range topo.MixNodes {
		listed[fmt.Sprintf("%s %s %d", m.PubKey, m.Host, m.Layer)] = true
	}
	for _, g := range topo.GatewayNodes {
		listed[fmt.Sprintf("%s %s 0", g.PubKey, g.MixnetListener)] = true
	}
	in := make(map[string]bool)
	for _, n := range info.Nodes {
		if listed[fmt.Sprintf("%s %s %d", n.SphinxKey, n.MixnetAddress, n.Layer)] {
			in[n.ID] = true
		}
	}
	return in, nil
}

// waitTopology polls the directory every 100 ms until cond holds for the
// set of listed node ids, and returns how long that took; it fails the
// test after timeout.
func waitTopology(t *testing.T, info localnet.Info, what string, timeout time.Duration, cond func(in map[string]bool) bool) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var last map[string]bool
	var lastErr error
	for {
		in, err := inTopology(ctx, info)
		if err == nil && cond(in) {
			return time.Since(start)
		}
		last, lastErr = in, err
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v (listed %v, last error %v)", what, timeout, last, lastErr)
		case <-time.After(100 * time.Millisecond): // polling a real directory over HTTP
		}
	}
}

// gatewayCounter returns one of the gateway's counters from its HTTP API.
func gatewayCounter(ctx context.Context, gw localnet.NodeInfo, name string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+gw.HTTPAddress+nodehttp.PathGateway, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("gateway stats: %s", resp.Status)
	}
	var st nodehttp.GatewayStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("gateway stats: %w", err)
	}
	n, ok := st.Counters[name]
	if !ok {
		return 0, fmt.Errorf("gateway stats have no %q counter", name)
	}
	return n, nil
}
