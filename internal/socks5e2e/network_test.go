// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5e2e

import (
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/localnet/localnettest"
	"github.com/nym-go/nym/internal/logtest"
)

// idleTimeout is the proxy's stream idle timeout in the suite: it bounds
// how long a download from a vanished exit waits before it fails.
const idleTimeout = 15 * time.Second

// fastConfig is the network the suite runs on: no mixing delay, no
// separate loop cover, no native clients and no monitor, so the SOCKS5
// client and the exit are the only traffic. The exit's real-traffic
// stream, one reply packet (about 2 KB) per tick, bounds the download
// rate: 3 ms is about 650 KB/s. Every idle tick sends loop cover, so the
// rates must stay below what the nodes can unwrap on this shared 2-core
// machine; under the race detector, which makes each packet several times
// dearer, they are slower.
func fastConfig() localnet.Config {
	realMean, exitMean := 5*time.Millisecond, 3*time.Millisecond
	if raceEnabled {
		realMean, exitMean = 15*time.Millisecond, 8*time.Millisecond
	}
	return localnet.Config{
		Clients:           -1,
		HopDelay:          -1,
		RealMean:          realMean,
		ExitRealMean:      exitMean,
		LoopMean:          -1,
		NoMonitor:         true,
		SOCKS5IdleTimeout: idleTimeout,
		ReadyTimeout:      60 * time.Second,
	}
}

// network is a running local network as the suite sees it.
type network struct {
	info localnet.Info
	// proxy is the SOCKS5 proxy's address, 127.0.0.1:PORT.
	proxy string
	// stopNode stops one node (by id) and returns once it has stopped.
	stopNode func(id string) error
	logs     *logtest.Buffer
}

// startNet runs a local network with cfg until the test ends, and returns
// it once ready.
func startNet(t *testing.T, cfg localnet.Config) *network {
	t.Helper()
	r := localnettest.Start(t, cfg)
	if r.Info.SOCKS5 == nil {
		t.Fatal("the network has no SOCKS5 proxy (localnet.json lacks socks5)")
	}
	return &network{info: r.Info, proxy: r.Info.SOCKS5.Addr(), stopNode: r.Net.StopNode, logs: r.Logs}
}

// buildBinaries builds the binaries localnet --exec runs once into a
// temporary directory and returns it; under -short it skips the test.
func buildBinaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: the --exec suite builds nym-node and nym-socks5-client with go build and runs 8 nodes and the proxy as processes")
	}
	return localnettest.BuildBinaries(t)
}

// pageBody is what the test server's "/" serves.
const pageBody = "hello through the mixnet\n"

// endlessSize is the length /endless announces: more than any test reads.
const endlessSize = 1 << 40

// content returns n pseudo-random bytes named by seed: what /bytes serves.
func content(seed uint64, n int64) io.Reader {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	return io.LimitReader(mrand.NewChaCha8(key), n)
}

// newServer serves, on 127.0.0.1:0 until the test ends: "/" a short page,
// "/bytes?n=N&seed=S" N pseudo-random bytes (content(S, N)), "/endless" a
// body that announces endlessSize bytes and streams until the client
// goes.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, pageBody) })
	mux.HandleFunc("GET /bytes", func(w http.ResponseWriter, r *http.Request) {
		n, err1 := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		seed, err2 := strconv.ParseUint(r.URL.Query().Get("seed"), 10, 64)
		if err1 != nil || err2 != nil || n < 0 || n > 1<<30 {
			http.Error(w, "bad n or seed", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, content(seed, n))
	})
	mux.HandleFunc("GET /endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(endlessSize))
		io.Copy(w, content(99, endlessSize)) // ends when the client goes
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv
}
