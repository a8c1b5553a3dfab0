// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package localnettest starts local networks (internal/localnet) in tests:
// Start runs one until the test ends and returns it once ready;
// BuildBinaries builds the binaries localnet --exec runs, once per test
// binary. A package that calls BuildBinaries removes them at the end with
// Main in its TestMain.
package localnettest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/logtest"
)

// Commands are the packages BuildBinaries builds: every binary localnet
// --exec runs.
var Commands = []string{
	"github.com/nym-go/nym/cmd/nym-node",
	"github.com/nym-go/nym/cmd/nym-client",
	"github.com/nym-go/nym/cmd/nym-socks5-client",
}

// built is the result of the one build of a test binary.
var built struct {
	once sync.Once
	mu   sync.Mutex // guards dir against Main
	dir  string
	err  error
	skip string
}

// BuildBinaries builds Commands with go build into a temporary directory,
// once per test binary, and returns the directory (for Config.BinDir). It
// skips the test when there is no go command, and fails it when the build
// fails (every later call fails the same way without building again).
// The directory is removed by Main.
func BuildBinaries(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			built.skip = fmt.Sprintf("SKIP: no go command to build %v with (%v)", Commands, err)
			return
		}
		dir, err := os.MkdirTemp("", "nym-localnettest-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.mu.Lock()
		built.dir = dir
		built.mu.Unlock()
		// The package paths are resolved in the module of the test's
		// working directory, which is the test's package.
		cmd := exec.Command(goCmd, append([]string{"build", "-o", dir + string(filepath.Separator)}, Commands...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	switch {
	case built.skip != "":
		t.Skip(built.skip)
	case built.err != nil:
		t.Fatal(built.err)
	}
	return built.dir
}

// Main runs the tests and removes what BuildBinaries built; it returns the
// exit code for os.Exit. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(localnettest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.dir != "" {
		os.RemoveAll(built.dir)
		built.dir = ""
	}
	return code
}

// Running is a local network started by Start.
type Running struct {
	// Net is the network; its methods stop and start nodes and clients.
	Net *localnet.Net
	// Info is what the network passed to Deps.Ready.
	Info localnet.Info
	// Logs is what the launcher logged; Stderr is the children's output
	// (with Exec). Both are printed when the test fails.
	Logs, Stderr *logtest.Buffer

	t      testing.TB
	cancel context.CancelFunc
	done   chan error
	stop   sync.Once
}

// Start runs a local network with cfg until the test ends (or Stop), and
// returns it once ready. It fails the test when the network fails before
// it is ready or is not ready within cfg.ReadyTimeout plus 10 s. At the end
// of the test it stops the network, fails the test if Run returned an error
// or did not return within 2×localnet.ShutdownTimeout, and, if the test
// failed, logs the launcher's logs and the children's output.
func Start(t testing.TB, cfg localnet.Config) *Running {
	t.Helper()
	log, logs := logtest.New()
	stderr := &logtest.Buffer{}
	ready := make(chan localnet.Info, 1)
	n, err := localnet.New(cfg, localnet.Deps{Logger: log, Stderr: stderr, Ready: func(i localnet.Info) {
		select {
		case ready <- i:
		default: // called once; never block the launcher
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{Net: n, Logs: logs, Stderr: stderr, t: t, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- n.Run(ctx) }()
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("launcher logs:\n%s\nchild output:\n%s", logs.String(), stderr.String())
		}
	})
	select {
	case info := <-ready:
		t.Logf("network ready in %d ms (exec %v)", info.ReadyMillis, info.Exec)
		r.Info = info
		return r
	case err := <-r.done:
		r.done <- err // for Stop
		t.Fatalf("localnet Run before ready: %v", err)
	case <-time.After(cfg.ReadyTimeout + 10*time.Second):
		t.Fatal("the network was not ready in time")
	}
	return nil
}

// Stop stops the network and waits for Run to return, failing the test if
// it returned an error or did not return within 2×localnet.ShutdownTimeout.
// Calls after the first do nothing.
func (r *Running) Stop() {
	r.stop.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				r.t.Errorf("localnet Run: %v", err)
			}
		case <-time.After(2 * localnet.ShutdownTimeout):
			r.t.Errorf("localnet Run did not return within %v of its cancellation", 2*localnet.ShutdownTimeout)
		}
	})
}
