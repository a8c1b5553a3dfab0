// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nodehttp"
)

func TestRunAnnouncesAndServes(t *testing.T) {
	leaktest.Check(t)
	// announced is signalled after each presence POST the directory handled.
	announced := make(chan struct{}, 100)
	dir := newDirectory(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if r.URL.Path == dirapi.PathPresenceMixNodes {
				select {
				case announced <- struct{}{}:
				default:
				}
			}
		})
	})

	root := t.TempDir()
	o := initOpts(root)
	o.MixPort, o.HTTPPort, o.Directory = freePort(t), 0, dir.URL
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	var stdout, logs logtest.Buffer
	n := startNode(t, RunOptions{Home: root, ID: "mix1", Stdout: &stdout, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	keys, addrs := n.Keys, n.Addrs
	ctx := context.Background()
	for _, want := range []string{keys.IdentityPublic(), keys.SphinxPublic(), addrs.MixnetAnnounce, addrs.HTTP.String(), dir.URL} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout.String())
		}
	}

	// The presence reaches the directory signed by the identity key.
	dc, _ := dirclient.New(dir.URL, nil)
	select {
	case <-announced:
	case <-time.After(10 * time.Second):
		t.Fatalf("no presence reached the directory; logs:\n%s", logs.String())
	}
	topo, err := dc.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mine *dirapi.MixNodePresence
	for i := range topo.MixNodes {
		if topo.MixNodes[i].PubKey == keys.SphinxPublic() {
			mine = &topo.MixNodes[i]
		}
	}
	if mine == nil {
		t.Fatalf("presence not in the topology; logs:\n%s", logs.String())
	}
	if id, err := dirapi.Verify(mine); err != nil || mine.IdentityKey != keys.IdentityPublic() {
		t.Fatalf("presence signature: %v (identity %s)", err, id)
	}
	if mine.Host != addrs.MixnetAnnounce || mine.Layer != 2 || mine.Location != "Lisbon" || mine.Version != Version {
		t.Fatalf("presence = %+v", mine)
	}

	// The HTTP API answers.
	base := "http://" + addrs.HTTP.String()
	get := func(path string) []byte {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var health nodehttp.Health
	if err := json.Unmarshal(get(nodehttp.PathHealth), &health); err != nil || health.Status != "up" {
		t.Fatalf("health: %+v %v", health, err)
	}
	info, err := nodehttp.VerifyHostInformation(get(nodehttp.PathHostInformation))
	if err != nil || info.Keys.Ed25519Identity != keys.IdentityPublic() || info.Keys.X25519Sphinx != keys.SphinxPublic() {
		t.Fatalf("host information: %+v %v", info, err)
	}
	if m := string(get(nodehttp.PathMetrics)); !strings.Contains(m, "nym_mixnode_packets_received_total 0") {
		t.Fatalf("metrics:\n%s", m)
	}
	http.DefaultClient.CloseIdleConnections()

	if err := n.Stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if l := logs.String(); strings.Contains(l, "refused") || strings.Contains(l, "cannot report") {
		t.Fatalf("the directory refused or missed a report:\n%s", l)
	}
}

func TestRunFailsCleanly(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	if err := Run(context.Background(), RunOptions{Home: root, ID: "nobody"}); err == nil {
		t.Fatal("Run of an uninitialised id succeeded")
	}
	// A taken mixnet port fails at start, closing what it opened.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := initOpts(root)
	o.MixPort, o.HTTPPort = ln.Addr().(*net.TCPAddr).Port, 0
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), RunOptions{Home: root, ID: "mix1"})
	if err == nil || !strings.Contains(err.Error(), "mixnet listener") {
		t.Fatalf("Run on a taken port: %v", err)
	}
}
