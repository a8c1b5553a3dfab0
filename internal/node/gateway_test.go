// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nodehttp"
)

func TestRunGateway(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	o := initOpts(root)
	o.ID, o.Mode, o.Layer, o.Host = "gw1", ModeEntryGateway, 0, ""
	o.MixHost, o.ClientsHost, o.ClientsPort = "127.0.0.1", "127.0.0.1", freePort(t)
	dir := newDirectory(t, nil)
	o.MixPort, o.HTTPPort, o.Directory = freePort(t), 0, dir.URL
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	var stdout logtest.Buffer
	n := startNode(t, RunOptions{Home: root, ID: "gw1", Stdout: &stdout})
	keys, addrs := n.Keys, n.Addrs
	nd, _ := home.For(root, home.Node, "gw1")
	ctx := context.Background()
	for _, want := range []string{keys.IdentityPublic(), keys.SphinxPublic(), addrs.MixnetAnnounce, addrs.ClientsAnnounce, nd.Data(InboxFile)} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout.String())
		}
	}
	_, cid, _ := ed25519.GenerateKey(nil)
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	c, err := gwclient.Dial(dctx, addrs.ClientsAnnounce, cid, keys.Identity.Public().(ed25519.PublicKey), new(gwclient.MemKeys), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := http.Get("http://" + addrs.HTTP.String() + nodehttp.PathGateway)
	if err != nil {
		t.Fatal(err)
	}
	var st nodehttp.GatewayStats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.ConnectedClients != 1 || st.RegisteredClients != 1 {
		t.Fatalf("gateway stats %+v, %v", st, err)
	}

	// The signed presence reaches the directory with the client listener
	// and the number of registered clients (not the clients themselves).
	dc, _ := dirclient.New(dir.URL, nil)
	var gw dirapi.GatewayPresence
	for deadline := time.Now().Add(10 * time.Second); ; {
		topo, err := dc.Topology(ctx)
		if err == nil && len(topo.GatewayNodes) == 1 && topo.GatewayNodes[0].RegisteredClientCount == 1 {
			gw = topo.GatewayNodes[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no gateway presence with one registered client in the topology: %+v, %v", topo, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a real directory over real sockets
	}
	if _, err := dirapi.Verify(&gw); err != nil {
		t.Errorf("gateway presence does not verify: %v", err)
	}
	if gw.ClientListener != addrs.ClientsAnnounce || gw.MixnetListener != addrs.MixnetAnnounce ||
		gw.PubKey != keys.SphinxPublic() || gw.IdentityKey != keys.IdentityPublic() || len(gw.RegisteredClients) != 0 {
		t.Errorf("gateway presence %+v", gw)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
