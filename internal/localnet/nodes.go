// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/node"
	"github.com/nym-go/nym/internal/nodehttp"
)

// Intervals written into every node's [directory] section: shorter than
// the defaults, so a fresh node is seen at once and every node learns the
// whole topology (it checks next hops against it) within a second.
const (
	// defaultExitRealMean is the exit requester's real-stream mean gap
	// when neither Config.ExitRealMean nor Config.RealMean sets it: the
	// client default, so that an idle local network stays cheap.
	defaultExitRealMean  = 20 * time.Millisecond
	nodePresenceInterval = time.Second
	nodeTopologyInterval = time.Second
)

// nodeSpec is one node to start; info is filled in by initNode.
type nodeSpec struct {
	mode                          node.Mode
	hopDelay                      time.Duration // the exit's requester: 0 means none
	realMean, loopMean            time.Duration // the exit's requester: 0 means its default
	layer                         int
	mixPort, httpPort, clientPort int
	info                          NodeInfo
}

// planNodes names the nodes (mix-L-i for mix node i of layer L, gateway-i)
// and gives each its ports.
func planNodes(cfg *Config) ([]*nodeSpec, error) {
	var specs []*nodeSpec
	for l := 1; l <= cfg.Layers; l++ {
		for i := 1; i <= cfg.MixesPerLayer; i++ {
			s := &nodeSpec{mode: node.ModeMixnode, layer: l}
			s.info.ID = fmt.Sprintf("mix-%d-%d", l, i)
			specs = append(specs, s)
		}
	}
	for i := 1; i <= cfg.Gateways; i++ {
		s := &nodeSpec{mode: node.ModeEntryGateway}
		if i == 1 { // gateway-1 is the exit of the SOCKS5 proxy
			s.mode, s.hopDelay = node.ModeExitGateway, cfg.HopDelay
			s.realMean, s.loopMean = cfg.ExitRealMean, cfg.LoopMean
			if s.realMean == 0 {
				s.realMean = cfg.RealMean
			}
			if s.realMean == 0 {
				s.realMean = defaultExitRealMean
			}
		}
		s.info.ID = fmt.Sprintf("gateway-%d", i)
		specs = append(specs, s)
	}
	ports, err := freePorts(3 * len(specs))
	if err != nil {
		return nil, err
	}
	for i, s := range specs {
		s.mixPort, s.httpPort, s.clientPort = ports[3*i], ports[3*i+1], ports[3*i+2]
	}
	return specs, nil
}

// freePorts returns n distinct TCP ports on Host that were free a moment
// ago. All n listeners are open at once, so the ports differ; another
// program could still take one before a node binds it (see ports.go for
// what happens then).
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// initNode writes the node's keys and config under root (as nym-node init
// would), shortens its directory intervals and fills s.info. With force it
// rewrites the config of a node initialised before (new ports), keeping
// its keys.
func initNode(root, dirURL string, s *nodeSpec, rand io.Reader, force bool) error {
	o := node.InitOptions{
		Home: root, ID: s.info.ID, Mode: s.mode, Host: Host, MixPort: s.mixPort, HTTPPort: s.httpPort,
		Layer: s.layer, Directory: dirURL, Location: "localnet", Rand: rand, Stdout: io.Discard, Force: force,
	}
	if s.mode.IsGateway() {
		o.ClientsHost, o.ClientsPort = Host, s.clientPort
	}
	if _, err := node.Init(o); err != nil {
		return fmt.Errorf("init node %s: %w", s.info.ID, err)
	}
	dir, err := home.For(root, home.Node, s.info.ID)
	if err != nil {
		return err
	}
	cfg, _, err := node.Load(dir.Config(), true)
	if err != nil {
		return err
	}
	cfg.Directory.PresenceInterval = nodePresenceInterval
	cfg.Directory.TopologyInterval = nodeTopologyInterval
	cfg.Debug.FaultInjection = true // local networks only: Net.SetFault
	if nr := cfg.NetworkRequester; nr != nil {
		nr.HopDelay = s.hopDelay
		nr.RealMean, nr.LoopMean = s.realMean, s.loopMean
		if nr.HopDelay <= 0 {
			nr.HopDelay = -1 // the requester's 0 means the default 50 ms
		}
		if err := os.WriteFile(dir.Data(node.DefaultAllowList), []byte(exitAllowList), 0o644); err != nil {
			return fmt.Errorf("init node %s: %w", s.info.ID, err)
		}
		addr, err := node.ProviderAddress(dir)
		if err != nil {
			return fmt.Errorf("init node %s: %w", s.info.ID, err)
		}
		s.info.Provider = addr.String()
	}
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	if err := os.WriteFile(dir.Config(), text, 0o644); err != nil {
		return fmt.Errorf("init node %s: %w", s.info.ID, err)
	}
	keys, err := node.LoadKeys(dir)
	if err != nil {
		return fmt.Errorf("init node %s: %w", s.info.ID, err)
	}
	s.info.Role, s.info.Layer = string(s.mode), s.layer
	s.info.MixnetAddress = cfg.Mixnet.Announce
	s.info.HTTPAddress = cfg.HTTP.Listen
	s.info.Identity, s.info.SphinxKey = keys.IdentityPublic(), keys.SphinxPublic()
	if cfg.Gateway != nil {
		s.info.ClientsURL = cfg.Gateway.ClientsAnnounce
	}
	return nil
}

// exitAllowList is the local exit's allow list: loopback only, so the
// SOCKS5 proxy reaches test servers on this machine and nothing else.
const exitAllowList = `# nym-localnet: the exit reaches this machine's loopback only.
127.0.0.0/8
::1
localhost
`

// nodesReady reports which nodes are not ready yet: not in the topology
// (with their announced address and layer), or not answering on their
// HTTP API's health route.
func nodesReady(ctx context.Context, dc *dirclient.Client, hc *http.Client, specs []*nodeSpec) (missing []string, err error) {
	topo, err := dc.Topology(ctx)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool)
	for _, m := range topo.MixNodes {
		listed[m.PubKey+" "+m.Host+" "+strconv.FormatUint(m.Layer, 10)] = true
	}
	for _, g := range topo.GatewayNodes {
		listed[g.PubKey+" "+g.MixnetListener+" 0"] = true
	}
	for _, s := range specs {
		if !listed[s.info.SphinxKey+" "+s.info.MixnetAddress+" "+strconv.Itoa(s.info.Layer)] {
			missing = append(missing, s.info.ID+" (not in the topology)")
			continue
		}
		if err := healthy(ctx, hc, s.info.HTTPAddress); err != nil {
			missing = append(missing, s.info.ID+" (HTTP API: "+err.Error()+")")
		}
	}
	return missing, nil
}

// healthy checks a node's health route.
func healthy(ctx context.Context, hc *http.Client, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+nodehttp.PathHealth, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
