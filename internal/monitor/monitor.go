// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/hkdf"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// Directory is what the monitor needs from the directory.
type Directory interface {
	// Topology fetches the current topology.
	Topology(ctx context.Context) (*dirapi.Topology, error)
	// PostReliability publishes a signed report.
	PostReliability(ctx context.Context, r *dirapi.ReliabilityReport) error
}

// GatewayConn is a client connection to a gateway; *gwclient.Client
// implements it.
type GatewayConn interface {
	Send(ctx context.Context, firstHop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error
	Receive(ctx context.Context) (gwclient.Delivery, error)
	Ack(ctx context.Context, ids ...uint64) error
	Done() <-chan struct{}
	Close() error
}

// DialFunc connects to a gateway as the client identity id.
type DialFunc func(ctx context.Context, gw topology.Gateway, id ed25519.PrivateKey) (GatewayConn, error)

// Deps are what a Monitor gets from its environment.
type Deps struct {
	// Identity signs the published reports (required).
	Identity ed25519.PrivateKey
	// ClientSeed derives the client identity and encryption key the
	// monitor uses at each gateway (required; kept secret).
	ClientSeed []byte
	// Directory is the directory (required).
	Directory Directory
	// Dial connects to gateways; nil means gwclient.Dial with GatewayKeys.
	Dial DialFunc
	// GatewayKeys keeps the keys shared with gateways for the default
	// Dial; nil means in memory.
	GatewayKeys gwclient.KeyStore
	// Clock times runs and waits; nil means clock.Real().
	Clock clock.Clock
	// Rand chooses routes, delays, nonces and run ids; nil means a
	// randomly seeded one.
	Rand *rand.Rand
	// CryptoRand supplies the packets' ephemeral keys; nil means crypto/rand.
	CryptoRand io.Reader
	// Logger receives the monitor's logs; nil discards them.
	Logger *slog.Logger
}

// payload layout inside the sealed fragment: version ‖ run id u64 ‖ nonce
// u64 ‖ tested node's Sphinx key (32).
const (
	payloadVersion = 1
	payloadSize    = 1 + 8 + 8 + 32
)

// ioTimeout bounds one Send or Ack on a gateway connection.
const ioTimeout = 10 * time.Second

// Monitor measures the network. Build it with New; call Run (or RunOnce)
// from one goroutine.
type Monitor struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	// hist is changed only by Run's goroutine, with mu held (Add, AddLate);
	// that goroutine reads it without mu, any other one (History) with mu.
	hist *History

	conns map[string]*gwConn // by gateway identity (base58); Run's goroutine only

	mu      sync.Mutex    // guards the fields below, also used by the receivers
	cur     *runProbes    // the run in progress; nil between runs
	prev    *runProbes    // the run before: its late arrivals still count
	stats   RunStats      // the current (or next) run's counters
	arrived chan struct{} // signalled (cap 1) when a probe of cur's phase arrived
}

// gwConn is the monitor's client at one gateway.
type gwConn struct {
	gw     topology.Gateway
	self   address.Address
	encKey [e2e.KeySize]byte
	conn   GatewayConn
	cancel context.CancelFunc
	done   chan struct{} // closed when the receiver stops (it closes conn first)
}

// New builds a monitor and loads its history.
func New(cfg Config, deps Deps) (*Monitor, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	if len(deps.Identity) != ed25519.PrivateKeySize || len(deps.ClientSeed) < 32 || deps.Directory == nil {
		return nil, errors.New("monitor: Deps.Identity, ClientSeed (32 bytes) and Directory are required")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Rand == nil {
		deps.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.GatewayKeys == nil {
		deps.GatewayKeys = &gwclient.MemKeys{}
	}
	if deps.Dial == nil {
		keys, cr := deps.GatewayKeys, deps.CryptoRand
		deps.Dial = func(ctx context.Context, gw topology.Gateway, id ed25519.PrivateKey) (GatewayConn, error) {
			return gwclient.Dial(ctx, gw.ClientURL, id, gw.Identity, keys, &gwclient.Options{Rand: cr})
		}
	}
	h, err := LoadHistory(cfg.HistoryFile)
	if err != nil {
		return nil, err
	}
	return &Monitor{cfg: cfg, deps: deps, log: deps.Logger.With("component", "monitor"), hist: h,
		conns: make(map[string]*gwConn), arrived: make(chan struct{}, 1)}, nil
}

// History returns a copy of the runs recorded so far. It is safe to call
// from any goroutine, also while Run runs.
func (m *Monitor) History() History {
	m.mu.Lock()
	defer m.mu.Unlock()
	runs := slices.Clone(m.hist.Runs)
	for i := range runs {
		runs[i].Nodes = maps.Clone(runs[i].Nodes) // AddLate changes the counts in place
	}
	return History{Runs: runs}
}

// Run runs RunOnce every Config.Interval (from the start of one run to
// the start of the next) until ctx ends, then closes its gateway
// connections. A failed run is logged and retried at the next interval.
func (m *Monitor) Run(ctx context.Context) error {
	defer m.closeAll()
	defer m.saveLate()
	for {
		start := m.deps.Clock.Now()
		if _, err := m.RunOnce(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("run failed", "err", err)
		}
		wait := m.cfg.Interval - m.deps.Clock.Now().Sub(start)
		t := m.deps.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// Close closes the gateway connections (Run does it when it returns) and
// writes the late arrivals of the last run to the history.
func (m *Monitor) Close() {
	m.closeAll()
	m.saveLate()
}

// saveLate adds the late arrivals of the previous run to its record and
// writes the history if that changed it. Run's goroutine only.
func (m *Monitor) saveLate() {
	if m.applyLate() {
		if err := m.hist.Save(m.cfg.HistoryFile); err != nil {
			m.log.Error("save history", "err", err)
		}
	}
}

// applyLate adds the late arrivals of the previous run counted so far to
// its record in the history and reports whether there were any.
func (m *Monitor) applyLate() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prev == nil || len(m.prev.late) == 0 {
		return false
	}
	changed := false
	for k, n := range m.prev.late {
		if m.hist.AddLate(m.prev.id, k, n) {
			changed = true
		}
	}
	clear(m.prev.late)
	return changed
}

func (m *Monitor) closeAll() {
	for k, c := range m.conns {
		c.close()
		delete(m.conns, k)
	}
}

func (c *gwConn) close() {
	c.cancel()
	c.conn.Close()
	<-c.done
}

// Result is one run's outcome.
type Result struct {
	// ID is the run's id.
	ID uint64
	// Time is when the run ended.
	Time time.Time
	// Nodes are the counts of every tested node, by pubKey.
	Nodes map[string]Count
	// GoodRoutes is how many candidate routes validated.
	GoodRoutes int
	// Report is what was (or, without Config.Publish, would have been)
	// published.
	Report *dirapi.ReliabilityReport
	// Stats count what happened to the run's packets at the monitor.
	Stats RunStats
}

// node is a node under test: a mix (layer 1..3) or a gateway (layer 0).
type node struct {
	key   string
	layer int
	index int // into its layer or the gateways
}

// route is a candidate or test route: one mix index per layer and a
// gateway index, which both sends and receives.
type route struct {
	mix [topology.Layers]int
	gw  int
}

// RunOnce performs one run and returns its result. It errs when the
// topology cannot be fetched or no known-good route exists (then nothing
// is recorded or published).
func (m *Monitor) RunOnce(ctx context.Context) (*Result, error) {
	opts := topology.Options{RequireSigned: !m.cfg.AllowUnsigned, MinReliability: -1}
	dt, err := m.deps.Directory.Topology(ctx)
	if err != nil {
		return nil, fmt.Errorf("monitor: topology: %w", err)
	}
	top, _ := topology.FromDirectory(dt, opts)
	gws := top.Gateways()
	for l := 1; l <= topology.Layers; l++ {
		if len(top.Layer(l)) == 0 {
			return nil, fmt.Errorf("monitor: layer %d has no mix node", l)
		}
	}
	if len(gws) == 0 {
		return nil, errors.New("monitor: no gateway")
	}
	m.connect(ctx, gws)
	runID := m.deps.Rand.Uint64()
	m.mu.Lock()
	m.cur = newRunProbes(runID)
	late := m.stats.Late // arrived between the runs
	m.stats = RunStats{Late: late}
	m.mu.Unlock()
	defer m.endRun()

	// Phase 1: validate candidate routes.
	last, _ := m.hist.Last()
	preferred := func(key string) bool {
		c, ok := last.Nodes[key]
		return !ok || c.Percent() >= m.cfg.GoodThreshold
	}
	cands := m.candidates(top, preferred)
	var nodes []node
	for l := 1; l <= topology.Layers; l++ {
		for i, x := range top.Layer(l) {
			nodes = append(nodes, node{key: base58.Encode(x.SphinxKey[:]), layer: l, index: i})
		}
	}
	for i, g := range gws {
		nodes = append(nodes, node{key: base58.Encode(g.SphinxKey[:]), layer: 0, index: i})
	}
	// Both phases send paced (pacing.go).
	mean, limit1, limit2 := m.cfg.pacing(len(cands)*m.cfg.RoutePackets, len(nodes)*m.cfg.PacketsPerNode)
	m.startPhase()
	order := sendOrder(m.deps.Rand, len(cands), m.cfg.RoutePackets)
	m.sendPaced(ctx, order, gaps(m.deps.Rand, len(order), mean, limit1), func(i int) {
		m.send(ctx, top, cands[i], "", i, false)
	})
	m.wait(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	good := [topology.Layers + 1]map[int]bool{{}, {}, {}, {}} // [0] gateways, [l] layer l
	goodRoutes := 0
	perRoute := make([]int, len(cands))
	m.mu.Lock()
	for _, p := range m.cur.probes {
		if p.received && p.route >= 0 {
			perRoute[p.route]++
		}
	}
	st := m.stats
	m.mu.Unlock()
	for i, r := range cands {
		if float64(perRoute[i]) >= GoodRouteFraction*float64(m.cfg.RoutePackets) {
			goodRoutes++
			good[0][r.gw] = true
			for l, x := range r.mix {
				good[l+1][x] = true
			}
		}
	}
	if goodRoutes == 0 {
		m.log.Warn("no candidate route delivered", "routes", len(cands), "per_route", perRoute,
			"sent", st.Sent, "received", st.Received, "send_failed", st.SendFailed, "stray", st.Stray)
		return nil, fmt.Errorf("monitor: none of %d candidate routes delivered; cannot pin losses on nodes", len(cands))
	}

	// Phase 2: test every node on otherwise known-good routes.
	pick := func(set map[int]bool) int {
		keys := slices.Sorted(maps.Keys(set))
		return keys[m.deps.Rand.IntN(len(keys))]
	}
	m.startPhase()
	order = sendOrder(m.deps.Rand, len(nodes), m.cfg.PacketsPerNode)
	m.sendPaced(ctx, order, gaps(m.deps.Rand, len(order), mean, limit2), func(k int) {
		n := nodes[k]
		var r route
		r.gw = pick(good[0])
		for l := range topology.Layers {
			r.mix[l] = pick(good[l+1])
		}
		if n.layer == 0 {
			r.gw = n.index
		} else {
			r.mix[n.layer-1] = n.index
		}
		// A packet the monitor fails to send counts only against the
		// sending gateway, and only when it is under test.
		m.send(ctx, top, r, n.key, -1, n.layer == 0)
	})
	m.wait(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	counts := make(map[string]Count, len(nodes))
	m.mu.Lock()
	for _, p := range m.cur.probes {
		if p.route >= 0 {
			continue // a validation packet
		}
		c := counts[p.node]
		c.Sent++
		if p.received {
			c.Received++
		}
		counts[p.node] = c
	}
	st = m.stats
	m.mu.Unlock()
	m.applyLate()
	now := m.deps.Clock.Now()
	rec := RunRecord{ID: runID, Time: now.UnixNano(), Nodes: maps.Clone(counts)}
	m.mu.Lock()
	m.hist.Add(rec)
	m.mu.Unlock()
	if err := m.hist.Save(m.cfg.HistoryFile); err != nil {
		m.log.Error("save history", "err", err)
	}
	rep := m.report(rec, now)
	res := &Result{ID: runID, Time: now, Nodes: counts, GoodRoutes: goodRoutes, Report: rep, Stats: st}
	m.log.Info("run finished", "nodes", len(counts), "good_routes", goodRoutes, "of", len(cands),
		"sent", st.Sent, "received", st.Received, "send_failed", st.SendFailed, "late_previous", st.Late,
		"duplicates", st.Duplicates, "surb_acks", st.SURBAcks, "stray", st.Stray)
	if m.cfg.Publish {
		if err := m.deps.Directory.PostReliability(ctx, rep); err != nil {
			return res, fmt.Errorf("monitor: publish: %w", err)
		}
	}
	return res, nil
}

// report builds the signed report of a recorded run.
func (m *Monitor) report(rec RunRecord, now time.Time) *dirapi.ReliabilityReport {
	r := &dirapi.ReliabilityReport{RunTimestamp: rec.Time, Nodes: []dirapi.NodeReliability{}}
	for _, k := range slices.Sorted(maps.Keys(rec.Nodes)) {
		c := rec.Nodes[k]
		r.Nodes = append(r.Nodes, dirapi.NodeReliability{
			PubKey: k, LastRun: c.Percent(), Sent: c.Sent, Received: c.Received,
			LastHour: m.hist.Window(k, now, Hour).Percent(),
			LastDay:  m.hist.Window(k, now, Day).Percent(),
		})
	}
	dirapi.Sign(r, m.deps.Identity, now)
	return r
}

// candidates returns routes that together cover every preferred node of
// every layer and every preferred connected gateway (layers with no
// preferred node use all), plus Config.ExtraRoutes random ones.
func (m *Monitor) candidates(top *topology.Topology, preferred func(string) bool) []route {
	var sets [topology.Layers + 1][]int
	gws := top.Gateways()
	for i, g := range gws {
		if _, ok := m.conns[base58.Encode(g.Identity)]; ok && preferred(base58.Encode(g.SphinxKey[:])) {
			sets[0] = append(sets[0], i)
		}
	}
	if len(sets[0]) == 0 {
		for i, g := range gws {
			if _, ok := m.conns[base58.Encode(g.Identity)]; ok {
				sets[0] = append(sets[0], i)
			}
		}
	}
	if len(sets[0]) == 0 {
		return nil
	}
	n := len(sets[0])
	for l := 1; l <= topology.Layers; l++ {
		for i, x := range top.Layer(l) {
			if preferred(base58.Encode(x.SphinxKey[:])) {
				sets[l] = append(sets[l], i)
			}
		}
		if len(sets[l]) == 0 {
			for i := range top.Layer(l) {
				sets[l] = append(sets[l], i)
			}
		}
		n = max(n, len(sets[l]))
	}
	for _, s := range sets {
		m.deps.Rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	var out []route
	for k := range n + m.cfg.ExtraRoutes {
		var r route
		at := func(s []int) int {
			if k < n {
				return s[k%len(s)]
			}
			return s[m.deps.Rand.IntN(len(s))]
		}
		r.gw = at(sets[0])
		for l := range topology.Layers {
			r.mix[l] = at(sets[l+1])
		}
		out = append(out, r)
	}
	return out
}

// endRun ends the current run: packets of it that arrive from now on are
// late, and those of the run before no longer count.
func (m *Monitor) endRun() {
	m.mu.Lock()
	if m.cur != nil {
		m.prev, m.cur = m.cur, nil
	}
	m.stats = RunStats{}
	m.mu.Unlock()
}

// startPhase starts counting a new phase of the current run.
func (m *Monitor) startPhase() {
	m.mu.Lock()
	m.cur.startPhase()
	m.mu.Unlock()
	select {
	case <-m.arrived:
	default:
	}
}

// send builds and sends one test packet on r (from and to r's gateway),
// registering its probe first. A packet that cannot be sent (no connection
// to the gateway, a send error) counts as lost if blameGateway is set (the
// sending gateway is the node under test) or it validates a route;
// otherwise it is forgotten (counted in RunStats.SendFailed), so the node
// under test is not blamed for the monitor's failure.
func (m *Monitor) send(ctx context.Context, top *topology.Topology, r route, nodeKey string, cand int, blameGateway bool) {
	gw := top.Gateways()[r.gw]
	c := m.conns[base58.Encode(gw.Identity)]
	hops := make([]sphinx.Hop, 0, topology.Layers+1)
	for l, x := range r.mix {
		mx := top.Layer(l + 1)[x]
		hops = append(hops, sphinx.Hop{Address: mx.Address, PublicKey: mx.SphinxKey})
	}
	hops = append(hops, sphinx.Hop{Address: gw.Address, PublicKey: gw.SphinxKey})
	ackRoute := slices.Clone(hops)
	var total time.Duration
	for i, d := range cover.Delays(m.deps.Rand, m.cfg.HopDelay, topology.Layers) {
		hops[i].Delay = d
		total += d
	}
	for i, d := range cover.Delays(m.deps.Rand, m.cfg.HopDelay, topology.Layers) {
		ackRoute[i].Delay = d
	}

	m.mu.Lock()
	nonce := m.cur.add(m.deps.Rand.Uint64(), nodeKey, cand, m.deps.Clock.Now().Add(total))
	runID := m.cur.id
	m.mu.Unlock()
	failed := func(reason string, err error) {
		m.log.Debug("test packet not sent", "reason", reason, "gateway", base58.Encode(gw.Identity), "err", err)
		m.mu.Lock()
		m.stats.SendFailed++
		if !blameGateway && cand < 0 {
			m.cur.remove(nonce)
		}
		m.mu.Unlock()
	}
	if c == nil {
		failed("no connection", nil)
		return
	}

	var key [32]byte
	if nodeKey != "" {
		if b, err := base58.DecodeFixed(nodeKey, 32); err == nil {
			copy(key[:], b)
		}
	}
	frag := make([]byte, e2e.FragmentCapacity(sphinx.Regular))
	frag[0] = payloadVersion
	binary.BigEndian.PutUint64(frag[1:], runID)
	binary.BigEndian.PutUint64(frag[9:], nonce)
	copy(frag[17:], key[:])
	cr := m.cryptoRand()
	sealed, err := e2e.Seal(cr, c.self.Encryption, frag)
	if err != nil {
		failed("seal", err)
		return
	}
	ackKey := sha256.Sum256(append([]byte("nym-go/monitor/ack"), m.deps.ClientSeed...))
	surbAck, _, err := e2e.BuildSURBAck(cr, ackRoute, c.self, ackKey[:], fragment.ID{Message: nonce | 1})
	if err != nil {
		failed("surb-ack", err)
		return
	}
	first, pkt, err := e2e.Compose(cr, hops, c.self, surbAck, sealed, sphinx.Regular)
	if err != nil {
		failed("compose", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, ioTimeout)
	err = c.conn.Send(sctx, first, sphinx.Regular, pkt)
	cancel()
	if err != nil {
		failed("send", err)
		return
	}
	m.mu.Lock()
	m.stats.Sent++
	m.mu.Unlock()
}

func (m *Monitor) cryptoRand() io.Reader {
	if m.deps.CryptoRand != nil {
		return m.deps.CryptoRand
	}
	return crand.Reader
}

// wait returns when every probe of the phase arrived, when the phase's
// deadline passed (see runProbes.deadline: Config.WaitTimeout after the
// latest arrival drawn for its packets, extended while packets keep
// arriving), or when ctx ends. It is called after the phase's last send.
func (m *Monitor) wait(ctx context.Context) {
	sent := m.deps.Clock.Now()
	for {
		m.mu.Lock()
		left := m.cur.left
		deadline := m.cur.deadline(sent, m.cfg.WaitTimeout)
		m.mu.Unlock()
		if left <= 0 {
			return
		}
		d := deadline.Sub(m.deps.Clock.Now())
		if d <= 0 {
			return
		}
		t := m.deps.Clock.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		case <-m.arrived:
		}
		t.Stop()
	}
}

// deliver records the arrival of a test packet: on time for the current
// run, late for the previous one, else stray.
func (m *Monitor) deliver(runID, nonce uint64) {
	now := m.deps.Clock.Now()
	m.mu.Lock()
	a := arrivalStray
	switch {
	case m.cur != nil && runID == m.cur.id:
		a = m.cur.arrive(nonce, now, false)
	case m.prev != nil && runID == m.prev.id:
		a = m.prev.arrive(nonce, now, true)
	}
	switch a {
	case arrivalOnTime:
		m.stats.Received++
	case arrivalLate:
		m.stats.Late++
	case arrivalDuplicate:
		m.stats.Duplicates++
	default:
		m.stats.Stray++
	}
	m.mu.Unlock()
	if a == arrivalOnTime {
		select {
		case m.arrived <- struct{}{}:
		default:
		}
	}
}

// clientKeys derives the monitor's client identity and encryption key at
// gateway gwID from the client seed, so each gateway sees a different
// client and nothing needs storing per gateway.
func (m *Monitor) clientKeys(gwID ed25519.PublicKey) (ed25519.PrivateKey, [32]byte, [32]byte, error) {
	r := hkdf.New(sha256.New, m.deps.ClientSeed, gwID, []byte("nym-go/monitor/client/v1"))
	var seed, enc [32]byte
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return nil, enc, enc, err
	}
	if _, err := io.ReadFull(r, enc[:]); err != nil {
		return nil, enc, enc, err
	}
	return ed25519.NewKeyFromSeed(seed[:]), enc, e2e.PublicKey(enc), nil
}

// connect makes sure there is a live connection to every gateway of gws
// and none to others. A gateway that cannot be reached is logged; its
// test packets count as lost.
func (m *Monitor) connect(ctx context.Context, gws []topology.Gateway) {
	want := make(map[string]bool, len(gws))
	for _, g := range gws {
		k := base58.Encode(g.Identity)
		want[k] = true
		if c := m.conns[k]; c != nil {
			// A connection whose receiver stopped is replaced: nothing
			// would read and acknowledge its deliveries.
			select {
			case <-c.conn.Done():
			case <-c.done:
			default:
				continue
			}
			c.close()
			delete(m.conns, k)
		}
		id, encPriv, encPub, err := m.clientKeys(g.Identity)
		if err != nil {
			m.log.Error("client keys", "err", err)
			continue
		}
		dctx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
		conn, err := m.deps.Dial(dctx, g, id)
		cancel()
		if err != nil {
			m.log.Warn("gateway unreachable", "gateway", k, "err", err)
			continue
		}
		var self address.Address
		copy(self.Identity[:], id.Public().(ed25519.PublicKey))
		self.Encryption = encPub
		copy(self.Gateway[:], g.Identity)
		rctx, rcancel := context.WithCancel(context.Background())
		c := &gwConn{gw: g, self: self, encKey: encPriv, conn: conn, cancel: rcancel, done: make(chan struct{})}
		m.conns[k] = c
		go m.receive(rctx, c)
	}
	for k, c := range m.conns {
		if !want[k] {
			c.close()
			delete(m.conns, k)
		}
	}
}

// receive reads c's deliveries until the connection or ctx ends,
// acknowledging each at once, during a run or between runs, as a client
// does (it never waits for Run), and records the test packets among them.
// SURB-acks are counted; anything else is dropped. If it cannot go on (the
// connection ended, an ack could not be written within ioTimeout) it
// closes the connection, so the next run dials the gateway again instead of
// leaving the gateway to time out and store every later delivery.
func (m *Monitor) receive(ctx context.Context, c *gwConn) {
	defer close(c.done)
	defer c.conn.Close()
	for {
		d, err := c.conn.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("gateway connection lost", "gateway", base58.Encode(c.gw.Identity), "err", err)
			}
			return
		}
		actx, cancel := context.WithTimeout(ctx, ioTimeout)
		err = c.conn.Ack(actx, d.ID)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("cannot acknowledge a delivery; reconnecting at the next run",
					"gateway", base58.Encode(c.gw.Identity), "err", err)
			}
			return
		}
		m.handle(c, d)
	}
}

// handle records one acknowledged delivery.
func (m *Monitor) handle(c *gwConn, d gwclient.Delivery) {
	if d.IsAck() {
		m.mu.Lock()
		m.stats.SURBAcks++
		m.mu.Unlock()
		return
	}
	var frag []byte
	var err error
	if !d.Reply() {
		frag, err = e2e.OpenDelivery(c.encKey, d.Data)
	}
	if d.Reply() || err != nil || len(frag) < payloadSize || frag[0] != payloadVersion {
		m.mu.Lock()
		m.stats.Stray++
		m.mu.Unlock()
		return
	}
	m.deliver(binary.BigEndian.Uint64(frag[1:]), binary.BigEndian.Uint64(frag[9:]))
}
