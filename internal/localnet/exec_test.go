// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
)

// buildBinaries builds the commands --exec starts into a temporary
// directory, once per test binary.
func buildBinaries(t *testing.T, cmds ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: the --exec test builds nym-node and nym-client with go build")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("SKIP: no go command in $PATH to build the binaries: %v", err)
	}
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, c := range cmds {
		args = append(args, modulePath+"/cmd/"+c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goBin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// fakeBinary writes an executable shell script named name into a new
// directory and returns the directory.
func fakeBinary(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExec(t *testing.T) {
	bin := buildBinaries(t, "nym-node", "nym-client")
	leaktest.Check(t)
	var stderr logtest.Buffer
	dir := filepath.Join(t.TempDir(), "net")
	begin := time.Now()
	s := startNet(t, Config{Dir: dir, Exec: true, BinDir: bin}, &stderr)
	t.Logf("--exec network ready after %v (Run measured %d ms)", time.Since(begin).Round(time.Millisecond), s.info.ReadyMillis)
	if !s.info.Exec {
		t.Error("info.Exec is false")
	}
	checkTopology(t, s.info)
	checkInfoFile(t, dir, s.info)
	checkClients(t, s.info)
	// Each child's output reaches stderr with its id in front.
	ids := []string{}
	for _, n := range s.info.Nodes {
		ids = append(ids, n.ID)
	}
	for _, c := range s.info.Clients {
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		if !strings.Contains(stderr.String(), "["+id+"] ") {
			t.Errorf("no output of %s on stderr", id)
		}
	}
	err, took := s.stop(t)
	if err != nil {
		t.Fatalf("Run after cancel: %v\nlogs:\n%s\nstderr:\n%s", err, s.logs.String(), stderr.String())
	}
	if took > ShutdownTimeout+loadSlack {
		t.Errorf("stopping took %v, more than %v", took, ShutdownTimeout+loadSlack)
	}
	t.Logf("stopped in %v", took.Round(time.Millisecond))
	// The children stopped on SIGTERM, cleanly.
	if l := stderr.String(); strings.Contains(l, "signal: killed") || !strings.Contains(l, "nym-node stopped") || !strings.Contains(l, "nym-client stopped") {
		t.Errorf("children did not stop cleanly:\n%s", stderr.String())
	}
}

// runToEnd runs a network that must fail and returns Run's error and how
// long it took.
func runToEnd(t *testing.T, cfg Config, stderr *logtest.Buffer) (error, time.Duration) {
	t.Helper()
	n, err := New(cfg, Deps{Stderr: stderr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	begin := time.Now()
	err = n.Run(ctx)
	return err, time.Since(begin)
}

func TestExecChildExitsEarly(t *testing.T) {
	leaktest.Check(t)
	bin := fakeBinary(t, "nym-node", `echo "fake node $*"; exit 3`)
	dir := t.TempDir()
	var stderr logtest.Buffer
	err, _ := runToEnd(t, Config{Dir: dir, Exec: true, BinDir: bin, Clients: -1}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "exited early: exit status 3") {
		t.Fatalf("Run with a failing child: %v", err)
	}
	if !strings.Contains(stderr.String(), "[mix-1-1] fake node run --id mix-1-1") {
		t.Errorf("child output not forwarded with its prefix:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, InfoFile)); err == nil {
		t.Errorf("%s written although the network never got ready", InfoFile)
	}
}

func TestExecNotReadyStopsStubbornChildren(t *testing.T) {
	leaktest.Check(t)
	// Children that never announce and ignore SIGTERM: Run gives up at the
	// ready timeout and kills them within the shutdown timeout.
	bin := fakeBinary(t, "nym-node", `trap '' TERM; while :; do sleep 0.1; done`)
	dir := t.TempDir()
	cfg := Config{Dir: dir, Exec: true, BinDir: bin, Clients: -1, MixesPerLayer: 1, Gateways: 1, ReadyTimeout: 300 * time.Millisecond}
	err, took := runToEnd(t, cfg, &logtest.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not ready within") || !strings.Contains(err.Error(), "mix-1-1") {
		t.Fatalf("Run: %v", err)
	}
	if max := cfg.ReadyTimeout + ShutdownTimeout + loadSlack; took > max {
		t.Errorf("Run took %v, more than %v", took, max)
	}
	if _, err := os.Stat(filepath.Join(dir, InfoFile)); err == nil {
		t.Errorf("%s written although the network never got ready", InfoFile)
	}
}

func TestExecMissingBinary(t *testing.T) {
	err, _ := runToEnd(t, Config{Dir: t.TempDir(), Exec: true, BinDir: t.TempDir(), Clients: -1}, &logtest.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "lacks nym-node") {
		t.Fatalf("Run with an empty bin dir: %v", err)
	}
}
