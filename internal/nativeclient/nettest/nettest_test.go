// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nettest

import (
	"net"
	"strconv"
	"testing"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/node"
)

// TestStartNodeOnTakenPort: a node whose mixnet port was taken after it
// was picked is started again on a fresh port, with the same keys.
func TestStartNodeOnTakenPort(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	taken := squatter.Addr().(*net.TCPAddr).Port
	o := node.InitOptions{Home: root, ID: "mix1", Mode: node.ModeMixnode, Host: "127.0.0.1", Layer: 1, MixPort: taken}
	initNode(t, o)
	before, err := node.LoadKeys(nodeDir(t, root, o.ID))
	if err != nil {
		t.Fatal(err)
	}
	keys, addrs := startNode(t, o)
	if addrs.MixnetAnnounce == "127.0.0.1:"+strconv.Itoa(taken) {
		t.Fatalf("the node announces the taken port %s", addrs.MixnetAnnounce)
	}
	if keys.SphinxPublic() != before.SphinxPublic() {
		t.Fatal("the restart changed the node's keys")
	}
	c, err := net.Dial("tcp", addrs.MixnetListen.String())
	if err != nil {
		t.Fatalf("the node's fresh port: %v", err)
	}
	c.Close()
}

// TestStart: the network starts, and its gateway answers on its HTTP API.
func TestStart(t *testing.T) {
	leaktest.Check(t)
	n := Start(t, t.TempDir(), 1)
	if len(n.Gateways) != 1 || len(n.GatewayHTTP) != 1 {
		t.Fatalf("gateways %v, HTTP %v", n.Gateways, n.GatewayHTTP)
	}
	if st := n.GatewayStats(t, 0); st.Counters == nil {
		t.Fatalf("gateway stats without counters: %+v", st)
	}
}
