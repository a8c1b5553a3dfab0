// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/leaktest"
)

// nymNode runs the command in-process and returns its exit code and output.
func nymNode(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := program.Run(ctx, args, cli.Stdio{Out: &stdout, Err: &stderr})
	return code, stdout.String(), stderr.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := nymNode(context.Background(), "--help")
	if code != 0 || !strings.Contains(out, "init") || !strings.Contains(out, "keys") {
		t.Fatalf("--help: %d %q", code, out)
	}
	flags := map[string][]string{
		"init": {"-id", "-mode", "-host", "-listen-host", "-mix-port", "-http-port", "-layer", "-directory", "-location", "-force",
			"-mix-host", "-clients-host", "-clients-port"},
		"run":  {"-id", "-check-config", "-log-level", "-log-format"},
		"keys": {"-id"},
	}
	for cmd, fs := range flags {
		code, out, _ := nymNode(context.Background(), cmd, "--help")
		if code != 0 {
			t.Errorf("%s --help exited %d", cmd, code)
		}
		for _, f := range fs {
			if !strings.Contains(out, "  "+f+" ") && !strings.Contains(out, "  "+f+"\n") {
				t.Errorf("%s --help does not explain %s:\n%s", cmd, f, out)
			}
		}
	}
	if code, _, _ := nymNode(context.Background(), "frobnicate"); code != 2 {
		t.Errorf("unknown command exited %d, want 2", code)
	}
	if code, _, errs := nymNode(context.Background(), "init", "--bogus"); code != 2 || !strings.Contains(errs, "bogus") {
		t.Errorf("bad flag: %d %q", code, errs)
	}
	if code, _, _ := nymNode(context.Background()); code != 2 {
		t.Errorf("no command exited %d, want 2", code)
	}
}

func TestInitKeysCheckConfig(t *testing.T) {
	t.Setenv("NYM_HOME", t.TempDir())
	ctx := context.Background()
	code, out, errs := nymNode(ctx, "init", "--id", "m1", "--host", "127.0.0.1", "--layer", "1")
	if code != 0 || !strings.Contains(out, "identity key") {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	if code, _, errs := nymNode(ctx, "init", "--id", "m1", "--host", "127.0.0.1"); code != 1 || !strings.Contains(errs, "--force") {
		t.Fatalf("second init: %d %s", code, errs)
	}
	if code, _, errs := nymNode(ctx, "init", "--id", "m1", "--host", "127.0.0.1", "--force"); code != 0 {
		t.Fatalf("init --force: %d %s", code, errs)
	}
	if code, _, errs := nymNode(ctx, "init", "--id", "g1", "--mode", "entry-gateway", "--mix-host", "127.0.0.1",
		"--clients-host", "127.0.0.1"); code != 0 {
		t.Fatalf("gateway init: %d %s", code, errs)
	}
	if code, out, errs := nymNode(ctx, "run", "--id", "g1", "--check-config"); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("gateway check-config: %d %s %s", code, out, errs)
	}
	code, keys, _ := nymNode(ctx, "keys", "--id", "m1")
	if code != 0 || !strings.Contains(out, strings.Split(keys, "\n")[0]) {
		t.Fatalf("keys: %d %q; init printed %q", code, keys, out)
	}
	if code, out, errs := nymNode(ctx, "run", "--id", "m1", "--check-config"); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("check-config: %d %s %s", code, out, errs)
	}
	cfg := filepath.Join(os.Getenv("NYM_HOME"), "nym-nodes", "m1", "config", "config.toml")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n[typo]\nlisten = 1\n")
	f.Close()
	if code, _, errs := nymNode(ctx, "run", "--id", "m1", "--check-config"); code != 1 || !strings.Contains(errs, "typo.listen") {
		t.Fatalf("check-config with an unknown key: %d %s", code, errs)
	}
	if code, _, _ := nymNode(ctx, "keys", "--id", "nobody"); code != 1 {
		t.Fatalf("keys of an unknown id exited %d", code)
	}
	if code, _, _ := nymNode(ctx, "run", "--id", "m1", "--log-format", "xml"); code != 2 {
		t.Fatalf("bad --log-format exited %d", code)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	leaktest.Check(t)
	t.Setenv("NYM_HOME", t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// No directory listens on port 1: the node logs that and keeps running.
	if code, _, errs := nymNode(context.Background(), "init", "--id", "m1", "--host", "127.0.0.1",
		"--mix-port", strconv.Itoa(port), "--http-port", "0", "--directory", "http://127.0.0.1:1"); code != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newSyncWriter(), newSyncWriter()
	done := make(chan int, 1)
	go func() {
		done <- program.Run(ctx, []string{"run", "--id", "m1", "--log-format", "json"}, cli.Stdio{Out: stdout, Err: stderr})
	}()
	// Wait for the banner, then stop the node as SIGINT would.
	timeout := time.After(10 * time.Second)
	for !strings.Contains(stdout.String(), "sphinx key") {
		select {
		case <-stdout.wrote:
		case <-timeout:
			t.Fatalf("no banner; stderr:\n%s", stderr.String())
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("run exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(6 * time.Second):
		t.Fatal("run did not stop within 5 s")
	}
	if !strings.Contains(stderr.String(), `"msg":"nym-node stopped"`) {
		t.Fatalf("no JSON stop line:\n%s", stderr.String())
	}
}
