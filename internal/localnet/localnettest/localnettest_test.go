// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnettest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/localnet"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestStartStop starts a small in-process network, checks that what Start
// returns describes it and that it answers, then stops it twice.
func TestStartStop(t *testing.T) {
	leaktest.Check(t)
	r := Start(t, localnet.Config{
		MixesPerLayer: 1,
		Gateways:      1,
		Clients:       1,
		HopDelay:      -1,
		LoopMean:      -1,
		NoMonitor:     true,
		NoSOCKS5:      true,
		ReadyTimeout:  60 * time.Second,
	})
	if r.Net == nil {
		t.Fatal("Running.Net is nil")
	}
	if got, want := len(r.Info.Nodes), 3+1; got != want {
		t.Errorf("Info lists %d nodes, want %d (3 mix nodes and 1 gateway)", got, want)
	}
	if len(r.Info.Clients) != 1 || r.Info.Exec {
		t.Errorf("Info: %d clients, exec %v; want 1 client in process", len(r.Info.Clients), r.Info.Exec)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(r.Info.Directory + dirapi.PathTopology)
	if err != nil {
		t.Fatalf("directory of the running network: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("directory topology: %s", resp.Status)
	}
	if _, err := os.Stat(filepath.Join(r.Info.Dir, "localnet.json")); err != nil {
		t.Errorf("localnet.json while running: %v", err)
	}

	r.Stop()
	r.Stop() // a second Stop, and the one at cleanup, do nothing
	if _, err := hc.Get(r.Info.Directory + dirapi.PathTopology); err == nil {
		t.Error("the directory still answers after Stop")
	}
	if _, err := os.Stat(r.Info.Dir); !os.IsNotExist(err) {
		t.Errorf("the temporary network directory is still there after Stop: %v", err)
	}
}

// TestBuildBinaries builds the binaries (once) and finds every command in
// the directory; a second call returns the same directory.
func TestBuildBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short: builds nym-node, nym-client and nym-socks5-client with go build")
	}
	dir := BuildBinaries(t)
	for _, c := range Commands {
		if _, err := os.Stat(filepath.Join(dir, filepath.Base(c))); err != nil {
			t.Errorf("built binary: %v", err)
		}
	}
	if again := BuildBinaries(t); again != dir {
		t.Errorf("second BuildBinaries returned %q, want %q", again, dir)
	}
}
