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

	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nodehttp"
)

func TestRunGateway(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	o := initOpts(root)
	o.ID, o.Mode, o.Layer, o.Host = "gw1", ModeEntryGateway, 0, ""
	o.MixHost, o.ClientsHost, o.ClientsPort = "127.0.0.1", "127.0.0.1", freePort(t)
	o.MixPort, o.HTTPPort, o.Directory = freePort(t), 0, ""
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	nd, _ := home.For(root, home.Node, "gw1")
	keys, err := LoadKeys(nd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan Addrs, 1)
	var stdout syncBuf
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Home: root, ID: "gw1", Stdout: &stdout, Ready: func(a Addrs) { ready <- a }})
	}()
	var addrs Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not get ready")
	}
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
