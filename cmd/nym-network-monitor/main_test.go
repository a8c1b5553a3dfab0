// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/monitor"
)

func TestInitAndConfig(t *testing.T) {
	root := t.TempDir()
	t.Setenv(home.EnvVar, root)
	ctx := context.Background()
	var out strings.Builder
	if err := run(ctx, []string{"init", "--id", "m", "--directory", "http://127.0.0.1:8080", "--interval", "10s",
		"--hop-delay", "0"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--monitor-key ") {
		t.Fatalf("init output: %s", out.String())
	}
	f := monitor.Files{Dir: filepath.Join(root, monitor.Role, "m")}
	cfg, err := monitor.LoadConfig(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Interval != 10*time.Second || cfg.HopDelay != monitor.NoHopDelay || !cfg.Publish ||
		cfg.HistoryFile != f.Data(monitor.HistoryFileName) || cfg.PacketsPerNode != monitor.DefaultPacketsPerNode {
		t.Fatalf("config: %+v", cfg)
	}
	if _, _, err := monitor.LoadKeys(f); err != nil {
		t.Fatal(err)
	}
	// A second init refuses unless forced, and keeps the keys.
	id1, _, _ := monitor.LoadKeys(f)
	if err := run(ctx, []string{"init", "--id", "m", "--directory", "http://x:1"}, io.Discard, io.Discard); !errors.Is(err, monitor.ErrExists) {
		t.Fatalf("second init: %v", err)
	}
	if err := run(ctx, []string{"init", "--id", "m", "--directory", "http://x:1", "--force"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if id2, _, _ := monitor.LoadKeys(f); !id1.Equal(id2) {
		t.Fatal("--force replaced the identity")
	}
	// run stops cleanly when its context ends, even with no directory.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(cctx, []string{"run", "--id", "m"}, io.Discard, io.Discard) }()
	time.Sleep(100 * time.Millisecond) // let it start a run against the unreachable directory
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestUsage(t *testing.T) {
	t.Setenv(home.EnvVar, t.TempDir())
	var stderr strings.Builder
	if err := run(context.Background(), []string{"init", "--help"}, io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"-id", "-dir", "-directory", "-interval", "-packets-per-node", "-route-packets",
		"-wait-timeout", "-hop-delay", "-force", "-log-level", "-log-format"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("init --help does not explain %s", f)
		}
	}
	for _, args := range [][]string{{}, {"bogus"}, {"run"}, {"run", "--id", "m", "extra"}, {"init", "--nope"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if err := run(context.Background(), []string{"init", "--id", "m"}, io.Discard, io.Discard); err == nil {
		t.Error("init without --directory accepted")
	}
}
