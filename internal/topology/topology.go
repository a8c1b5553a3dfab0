// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package topology turns the directory's topology into typed mix nodes and
// gateways, picks routes through them and says which next hops a node may
// forward to.
//
// FromDirectory is pure: it parses and checks a dirapi.Topology and reports
// every entry it leaves out. Route takes a *rand.Rand, so route choice is
// reproducible in tests. A Watcher keeps a current Topology fresh by
// fetching it from the directory on an interval (see watcher.go).
//
// Layers: mix nodes sit in layers 1..Layers. A route is one mix from each
// layer, then a gateway (PROTOCOL-FACTS §5.3). So a layer-L mix forwards to
// layer L+1, a layer-Layers mix forwards to gateways, and a gateway
// (layer GatewayLayer here) forwards client packets and SURB-acks into
// layer 1.
package topology

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/sphinx"
)

// Layers is the number of mix layers.
const Layers = 3

// GatewayLayer is the layer number Allows uses for a gateway: a gateway
// forwards into layer 1.
const GatewayLayer = 0

// ErrEmptyLayer means a route cannot be built because a mix layer has no
// nodes.
var ErrEmptyLayer = errors.New("topology: empty mix layer")

// Mix is a mix node of the topology.
type Mix struct {
	// Identity is the node's Ed25519 identity key, if its record is signed
	// (nil for an unsigned record).
	Identity ed25519.PublicKey
	// SphinxKey is the node's X25519 Sphinx key.
	SphinxKey sphinx.PublicKey
	// Address is the node's mixnet listener as a Sphinx address.
	Address sphinx.NodeAddress
	// AddrPort is the same listener as an IP and port.
	AddrPort netip.AddrPort
	// Layer is the node's mix layer, 1..Layers.
	Layer int
	// Reliability is the node's last-run percentage (0..100) from the
	// network monitor, valid when Measured is true.
	Reliability float64
	// Measured reports whether the directory gave a reliability.
	Measured bool
}

// Gateway is a gateway of the topology.
type Gateway struct {
	// Identity is the gateway's Ed25519 identity key, if its record is
	// signed (nil for an unsigned record).
	Identity ed25519.PublicKey
	// SphinxKey is the gateway's X25519 Sphinx key.
	SphinxKey sphinx.PublicKey
	// Address is the gateway's mixnet listener as a Sphinx address.
	Address sphinx.NodeAddress
	// AddrPort is the same listener as an IP and port.
	AddrPort netip.AddrPort
	// ClientURL is where clients connect: the announced client listener,
	// with "ws://" put in front of a bare host:port.
	ClientURL string
	// Reliability and Measured are as for Mix.
	Reliability float64
	Measured    bool
}

// DefaultMinReliability is the reliability threshold, in percent, that
// Options.MinReliability 0 selects (Nym's minimum for routing through a
// mix node, PROTOCOL-FACTS §7).
const DefaultMinReliability = 50

// Options say which entries FromDirectory accepts.
type Options struct {
	// RequireSigned skips unsigned entries. Entries whose signature does
	// not verify are always skipped.
	RequireSigned bool
	// MinReliability is the least reliability (percent, from the network
	// monitor) a measured node needs for Route and PickGateway to choose
	// it: 0 means DefaultMinReliability, a negative value turns the
	// filter off. Unmeasured nodes always pass. When no node of a layer
	// (or no gateway) passes, the best-scored ones are used instead and
	// the Report says so.
	MinReliability float64
}

// threshold returns the effective MinReliability, or -1 for none.
func (o Options) threshold() float64 {
	switch {
	case o.MinReliability == 0:
		return DefaultMinReliability
	case o.MinReliability < 0:
		return -1
	}
	return o.MinReliability
}

// Skipped is one directory entry FromDirectory left out.
type Skipped struct {
	// Kind is the entry's kind (mixnode or gateway).
	Kind dirapi.Kind
	// PubKey is the entry's pubKey field as announced.
	PubKey string
	// Reason says why it was left out.
	Reason string
}

// Report lists what FromDirectory left out.
type Report struct {
	Skipped []Skipped
	// Fallbacks names each layer ("layer 2", "gateways") in which no node
	// reached Options.MinReliability, so that route choice falls back to
	// its best-scored nodes.
	Fallbacks []string
}

// roles is a bit set of where an address appears: bit L for a layer-L mix,
// bit GatewayLayer for a gateway.
type roles uint8

// Topology is a checked, immutable view of the network. Its methods are
// safe for concurrent use.
type Topology struct {
	layers   [Layers][]Mix
	gateways []Gateway
	byAddr   map[sphinx.NodeAddress]roles
	byID     map[[ed25519.PublicKeySize]byte]int // verified identity → index in gateways
	// usable are the indexes (into layers[i] and gateways) Route and
	// PickGateway choose from: the nodes that pass the reliability
	// threshold, or the best-scored ones when none does.
	usable   [Layers][]int
	usableGW []int
}

// FromDirectory converts the directory's topology. Mix nodes and gateways
// that do not parse (a bad base58 key, a listener that is not an IP:port,
// a layer outside 1..Layers, a duplicate key or address) or fail the
// signature policy of opts are left out and listed in the Report. Legacy
// mix providers and Coconut nodes are ignored. t may be nil.
func FromDirectory(t *dirapi.Topology, opts Options) (*Topology, Report) {
	top := &Topology{byAddr: make(map[sphinx.NodeAddress]roles), byID: make(map[[ed25519.PublicKeySize]byte]int)}
	var rep Report
	if t == nil {
		return top, rep
	}
	seenKey := make(map[sphinx.PublicKey]bool)
	skip := func(k dirapi.Kind, pub, format string, args ...any) {
		rep.Skipped = append(rep.Skipped, Skipped{Kind: k, PubKey: pub, Reason: fmt.Sprintf(format, args...)})
	}
	for i := range t.MixNodes {
		p := &t.MixNodes[i]
		c, err := parseCommon(p, p.PubKey, p.Host, opts, seenKey, top.byAddr)
		if err != nil {
			skip(dirapi.KindMixNode, p.PubKey, "%v", err)
			continue
		}
		if p.Layer < 1 || p.Layer > Layers {
			skip(dirapi.KindMixNode, p.PubKey, "layer %d is outside 1..%d", p.Layer, Layers)
			continue
		}
		l := int(p.Layer)
		seenKey[c.key] = true
		top.byAddr[c.addr] |= 1 << l
		m := Mix{Identity: c.id, SphinxKey: c.key, Address: c.addr, AddrPort: c.ap, Layer: l}
		if p.Reliability != nil {
			m.Reliability, m.Measured = *p.Reliability, true
		}
		top.layers[l-1] = append(top.layers[l-1], m)
	}
	for i := range t.GatewayNodes {
		p := &t.GatewayNodes[i]
		c, err := parseCommon(p, p.PubKey, p.MixnetListener, opts, seenKey, top.byAddr)
		if err != nil {
			skip(dirapi.KindGateway, p.PubKey, "%v", err)
			continue
		}
		url, err := clientURL(p.ClientListener)
		if err != nil {
			skip(dirapi.KindGateway, p.PubKey, "%v", err)
			continue
		}
		seenKey[c.key] = true
		top.byAddr[c.addr] |= 1 << GatewayLayer
		g := Gateway{Identity: c.id, SphinxKey: c.key, Address: c.addr, AddrPort: c.ap, ClientURL: url}
		if p.Reliability != nil {
			g.Reliability, g.Measured = *p.Reliability, true
		}
		if len(g.Identity) == ed25519.PublicKeySize {
			k := [ed25519.PublicKeySize]byte(g.Identity)
			if _, dup := top.byID[k]; !dup { // the first listed wins, as before
				top.byID[k] = len(top.gateways)
			}
		}
		top.gateways = append(top.gateways, g)
	}
	th := opts.threshold()
	for i, l := range top.layers {
		var fell bool
		top.usable[i], fell = usable(len(l), th, func(j int) (float64, bool) { return l[j].Reliability, l[j].Measured })
		if fell {
			rep.Fallbacks = append(rep.Fallbacks, fmt.Sprintf("layer %d", i+1))
		}
	}
	var fell bool
	top.usableGW, fell = usable(len(top.gateways), th, func(j int) (float64, bool) {
		return top.gateways[j].Reliability, top.gateways[j].Measured
	})
	if fell {
		rep.Fallbacks = append(rep.Fallbacks, "gateways")
	}
	return top, rep
}

// usable returns the indexes 0..n-1 of the nodes that are unmeasured or
// score at least th (all of them when th < 0). If there are nodes but none
// passes, it returns those with the best score and fell = true.
func usable(n int, th float64, score func(int) (float64, bool)) (idx []int, fell bool) {
	best := -1.0
	for j := range n {
		r, ok := score(j)
		if th < 0 || !ok || r >= th {
			idx = append(idx, j)
		}
		if ok && r > best {
			best = r
		}
	}
	if len(idx) > 0 || n == 0 {
		return idx, false
	}
	for j := range n {
		if r, _ := score(j); r == best {
			idx = append(idx, j)
		}
	}
	return idx, true
}

// common are the fields every node kind has.
type common struct {
	id   ed25519.PublicKey
	key  sphinx.PublicKey
	addr sphinx.NodeAddress
	ap   netip.AddrPort
}

func parseCommon(p dirapi.Signable, pubKey, listener string, opts Options, seenKey map[sphinx.PublicKey]bool, seenAddr map[sphinx.NodeAddress]roles) (common, error) {
	var c common
	k, err := base58.DecodeFixed(pubKey, len(c.key))
	if err != nil {
		return c, fmt.Errorf("pubKey: %v", err)
	}
	copy(c.key[:], k)
	if seenKey[c.key] {
		return c, errors.New("duplicate pubKey")
	}
	c.ap, err = netip.ParseAddrPort(listener)
	if err != nil {
		return c, fmt.Errorf("listener %q is not an IP:port", listener)
	}
	c.ap = netip.AddrPortFrom(c.ap.Addr().Unmap(), c.ap.Port())
	if c.addr, err = sphinx.NodeAddressFromAddrPort(c.ap); err != nil {
		return c, fmt.Errorf("listener %q: %v", listener, err)
	}
	if _, dup := seenAddr[c.addr]; dup {
		return c, fmt.Errorf("duplicate listener %v", c.ap)
	}
	id, err := dirapi.Verify(p)
	switch {
	case errors.Is(err, dirapi.ErrUnsigned) && !opts.RequireSigned:
	case err != nil:
		return c, err
	default:
		c.id = id
	}
	return c, nil
}

// clientURL returns a gateway's client listener as a URL.
func clientURL(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, "ws://"), strings.HasPrefix(s, "wss://"):
		return s, nil
	case strings.Contains(s, "://"):
		return "", fmt.Errorf("clientListener %q is not a ws:// or wss:// URL", s)
	}
	if _, err := netip.ParseAddrPort(s); err != nil {
		return "", fmt.Errorf("clientListener %q is neither a URL nor an IP:port", s)
	}
	return "ws://" + s, nil
}

// Layer returns the mix nodes of layer i (1..Layers), in directory order;
// nil for any other i. The caller must not modify the slice.
func (t *Topology) Layer(i int) []Mix {
	if i < 1 || i > Layers {
		return nil
	}
	return t.layers[i-1]
}

// Gateways returns the gateways in directory order. The caller must not
// modify the slice.
func (t *Topology) Gateways() []Gateway { return t.gateways }

// GatewayByIdentity returns the gateway whose verified identity key is id.
// It is a map lookup: clients call it for every packet they build.
func (t *Topology) GatewayByIdentity(id ed25519.PublicKey) (Gateway, bool) {
	if len(id) != ed25519.PublicKeySize {
		return Gateway{}, false
	}
	i, ok := t.byID[[ed25519.PublicKeySize]byte(id)]
	if !ok {
		return Gateway{}, false
	}
	return t.gateways[i], true
}

// Route picks one mix uniformly at random from each layer, in layer order,
// among the mixes that pass Options.MinReliability (unmeasured ones
// included; the best-scored ones when none passes), and appends gw, which
// is never replaced (a recipient's gateway is fixed). The hops' delays
// are zero: the caller sets them. It returns an error wrapping
// ErrEmptyLayer if a layer has no mix.
func (t *Topology) Route(r *rand.Rand, gw Gateway) ([]sphinx.Hop, error) {
	route := make([]sphinx.Hop, 0, Layers+1)
	for i, l := range t.layers {
		u := t.usable[i]
		if len(u) == 0 {
			return nil, fmt.Errorf("%w: layer %d", ErrEmptyLayer, i+1)
		}
		m := l[u[r.IntN(len(u))]]
		route = append(route, sphinx.Hop{Address: m.Address, PublicKey: m.SphinxKey})
	}
	return append(route, sphinx.Hop{Address: gw.Address, PublicKey: gw.SphinxKey}), nil
}

// ErrNoGateway means PickGateway found no gateway.
var ErrNoGateway = errors.New("topology: no gateway")

// PickGateway chooses a gateway uniformly at random among those that pass
// Options.MinReliability (unmeasured ones included; the best-scored ones
// when none passes), for a client choosing where to register.
func (t *Topology) PickGateway(r *rand.Rand) (Gateway, error) {
	if len(t.usableGW) == 0 {
		return Gateway{}, ErrNoGateway
	}
	return t.gateways[t.usableGW[r.IntN(len(t.usableGW))]], nil
}

// Allows reports whether a node in layer from may forward to addr: a
// layer-L mix (1 ≤ L < Layers) to layer L+1 mixes, a layer-Layers mix to
// gateways, a gateway (from = GatewayLayer) to layer-1 mixes. Any other
// from allows nothing.
func (t *Topology) Allows(from int, addr sphinx.NodeAddress) bool {
	var want int
	switch {
	case from == GatewayLayer:
		want = 1
	case from >= 1 && from < Layers:
		want = from + 1
	case from == Layers:
		want = GatewayLayer
	default:
		return false
	}
	return t.byAddr[addr]&(1<<want) != 0
}

// AllowsAddrPort is Allows for an IP and port.
func (t *Topology) AllowsAddrPort(from int, ap netip.AddrPort) bool {
	a, err := sphinx.NodeAddressFromAddrPort(ap)
	return err == nil && t.Allows(from, a)
}

// IsMix reports whether addr is a mix node of any layer.
func (t *Topology) IsMix(addr sphinx.NodeAddress) bool {
	return t.byAddr[addr]&^(1<<GatewayLayer) != 0
}

// IsKnown reports whether addr is a mix node or a gateway.
func (t *Topology) IsKnown(addr sphinx.NodeAddress) bool {
	return t.byAddr[addr] != 0
}
