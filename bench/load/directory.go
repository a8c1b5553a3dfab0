// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory"
)

// The intervals of a real node (internal/announce defaults).
const (
	announceEvery = 2 * time.Second
	metricsEvery  = time.Second
)

// kindStats counts one kind of request.
type kindStats struct {
	lat    hist
	mu     sync.Mutex
	status map[string]uint64 // "201", "304", "error: ..."
}

// dirLoad is the state of a directory run.
type dirLoad struct {
	url   string
	hc    *http.Client
	mu    sync.Mutex
	kinds map[string]*kindStats
}

func (d *dirLoad) kind(name string) *kindStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := d.kinds[name]
	if k == nil {
		k = &kindStats{status: map[string]uint64{}}
		d.kinds[name] = k
	}
	return k
}

func (k *kindStats) count(status string) {
	k.mu.Lock()
	k.status[status]++
	k.mu.Unlock()
}

// do sends req, reads the whole answer and records it under kind. It
// returns the response (body consumed) or nil on a transport error.
func (d *dirLoad) do(ctx context.Context, kind string, req *http.Request) *http.Response {
	k := d.kind(kind)
	start := time.Now()
	resp, err := d.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			msg := err.Error()
			if u := errors.Unwrap(err); u != nil {
				msg = u.Error()
			}
			k.count("error: " + msg)
		}
		return nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		if ctx.Err() == nil {
			k.count("error: body: " + err.Error())
		}
		return nil
	}
	k.lat.add(time.Since(start))
	k.count(strconv.Itoa(resp.StatusCode))
	return resp
}

func (d *dirLoad) post(ctx context.Context, kind, path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		d.kind(kind).count("error: marshal: " + err.Error())
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url+path, bytes.NewReader(b))
	if err != nil {
		d.kind(kind).count("error: " + err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	d.do(ctx, kind, req)
}

// simNode is one simulated node.
type simNode struct {
	i       int
	gateway bool
	key     ed25519.PrivateKey
	pubKey  string
	host    string
}

func newSimNode(i, nodes int) *simNode {
	seed := sha256.Sum256(fmt.Appendf(nil, "load identity %d", i))
	pk := sha256.Sum256(fmt.Appendf(nil, "load sphinx %d", i))
	return &simNode{
		i:       i,
		gateway: i >= nodes*9/10,
		key:     ed25519.NewKeyFromSeed(seed[:]),
		pubKey:  base58.Encode(pk[:]),
		host:    fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
	}
}

// announce posts the node's presence, signed now.
func (n *simNode) announce(ctx context.Context, d *dirLoad) {
	if n.gateway {
		p := &dirapi.GatewayPresence{
			ClientListener:    "ws://" + n.host + ":9000",
			MixnetListener:    n.host + ":1789",
			PubKey:            n.pubKey,
			Version:           "0.1.0",
			Location:          "load",
			RegisteredClients: []dirapi.RegisteredClient{},
		}
		dirapi.Sign(p, n.key, time.Now())
		d.post(ctx, "POST gateway presence", dirapi.PathPresenceGateways, p)
		return
	}
	p := &dirapi.MixNodePresence{
		Host:     n.host + ":1789",
		PubKey:   n.pubKey,
		Version:  "0.1.0",
		Location: "load",
		Layer:    uint64(1 + n.i%3),
	}
	dirapi.Sign(p, n.key, time.Now())
	d.post(ctx, "POST mixnode presence", dirapi.PathPresenceMixNodes, p)
}

// run announces every announceEvery and, for a mix node, posts metrics
// every metricsEvery, starting at a random phase, until ctx ends.
func (n *simNode) run(ctx context.Context, d *dirLoad, phase time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(phase):
	}
	n.announce(ctx, d)
	ann := time.NewTicker(announceEvery)
	defer ann.Stop()
	var met <-chan time.Time
	if !n.gateway {
		t := time.NewTicker(metricsEvery)
		defer t.Stop()
		met = t.C
	}
	var received uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ann.C:
			n.announce(ctx, d)
		case <-met:
			received += 100
			m := dirapi.MixMetric{PubKey: n.pubKey, Received: received, Sent: map[string]uint64{"10.0.0.1:1789": received}}
			d.post(ctx, "POST metrics", dirapi.PathMetricsMixes, m)
		}
	}
}

// reader loops GET topology in one of four ways until ctx ends.
func (d *dirLoad) reader(ctx context.Context, variant int) {
	gz, cond := variant&1 != 0, variant&2 != 0
	kind := "GET topology"
	if gz {
		kind += " gzip"
	}
	if cond {
		kind += " If-None-Match"
	}
	etag := ""
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url+dirapi.PathTopology, nil)
		if err != nil {
			d.kind(kind).count("error: " + err.Error())
			return
		}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if cond && etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp := d.do(ctx, kind, req)
		if resp != nil && resp.StatusCode == http.StatusOK {
			etag = resp.Header.Get("ETag")
		}
	}
}

// subscriber reads /ws until ctx ends, counting lines; it returns why it
// stopped early, or nil.
func (d *dirLoad) subscriber(ctx context.Context, lines *atomic.Uint64) error {
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(d.url, "http")+dirapi.PathWebsocket, nil)
	if err != nil {
		return fmt.Errorf("/ws dial: %w", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(4 << 20)
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("/ws read after %d lines: %w", lines.Load(), err)
		}
		lines.Add(uint64(bytes.Count(b, []byte("\n")) + 1))
	}
}

func runDirectory(parent context.Context, duration time.Duration, nodes, readers int) error {
	settle()
	fmt.Printf("== directory: %d nodes (%d mix nodes in 3 layers, %d gateways), signed presence every %v, metrics every %v, %d topology readers, 1 /ws subscriber, %v\n",
		nodes, nodes*9/10, nodes-nodes*9/10, announceEvery, metricsEvery, readers, duration)
	srv, err := directory.New(directory.Config{}, directory.Deps{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srvCtx, srvCancel := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(srvCtx, ln) }()
	defer func() {
		srvCancel()
		<-srvDone
	}()

	d := &dirLoad{
		url: "http://" + ln.Addr().String(),
		hc: &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        256,
				MaxIdleConnsPerHost: 256,
				DisableCompression:  true, // the readers ask for gzip themselves
			},
		},
		kinds: map[string]*kindStats{},
	}
	defer d.hc.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(parent, duration)
	defer cancel()
	mem := startSampler(ctx)
	start := time.Now()
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range nodes {
		n := newSimNode(i, nodes)
		phase := time.Duration(rng.Int64N(int64(announceEvery)))
		wg.Go(func() { n.run(ctx, d, phase) })
	}
	for r := range readers {
		wg.Go(func() { d.reader(ctx, r%4) })
	}
	var lines atomic.Uint64
	var wsErr error
	wg.Go(func() { wsErr = d.subscriber(ctx, &lines) })
	wg.Wait()
	elapsed := time.Since(start)

	var failures []string
	fmt.Printf("  %-36s %9s %9s %9s  %s\n", "kind", "req/s", "p50", "p99", "statuses")
	for _, name := range sortedKeys(d.kinds) {
		k := d.kinds[name]
		k.mu.Lock()
		var total uint64
		var st []string
		for _, s := range sortedKeys(k.status) {
			total += k.status[s]
			st = append(st, fmt.Sprintf("%s×%d", s, k.status[s]))
			if !expected(name, s) {
				failures = append(failures, fmt.Sprintf("%s: %d × %s", name, k.status[s], s))
			}
		}
		k.mu.Unlock()
		fmt.Printf("  %-36s %9.0f %9v %9v  %s\n", name, float64(total)/elapsed.Seconds(),
			k.lat.quantile(0.5).Round(time.Microsecond), k.lat.quantile(0.99).Round(time.Microsecond), strings.Join(st, " "))
	}
	fmt.Printf("  /ws: %d lines (%.0f/s)\n", lines.Load(), float64(lines.Load())/elapsed.Seconds())
	if wsErr != nil {
		failures = append(failures, wsErr.Error())
	}
	if lines.Load() == 0 {
		failures = append(failures, "/ws: no metric line received")
	}
	if err := mem.report(); err != nil {
		failures = append(failures, err.Error())
		topGoroutines(5)
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

// expected reports whether status is an expected answer to kind: 201 to
// a presence POST, a 2xx to a metrics POST, 200 or 304 to a GET.
func expected(kind, status string) bool {
	switch {
	case strings.HasPrefix(kind, "POST"):
		return len(status) == 3 && status[0] == '2'
	default:
		return status == "200" || status == "304"
	}
}

// topGoroutines prints the n most common goroutine stacks.
func topGoroutines(n int) {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		return
	}
	groups := strings.Split(b.String(), "\n\n")
	fmt.Println("  most common goroutine stacks:")
	for i, g := range groups {
		if i == 0 {
			g = g[strings.Index(g, "\n")+1:] // the "goroutine profile: total N" line
		}
		if i >= n {
			break
		}
		lines := strings.Split(g, "\n")
		fmt.Printf("    %s\n", strings.Join(lines[:min(len(lines), 4)], "\n    "))
	}
}
