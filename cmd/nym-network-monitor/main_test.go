// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/poll"
)

// run runs the command in-process and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program.Run(ctx, args, cli.Stdio{Out: stdout, Err: stderr})
}

func TestInitAndConfig(t *testing.T) {
	root := t.TempDir()
	t.Setenv(home.EnvVar, root)
	ctx := context.Background()
	var out strings.Builder
	if code := run(ctx, []string{"init", "--id", "m", "--directory", "http://127.0.0.1:8080", "--interval", "10s",
		"--hop-delay", "0"}, &out, io.Discard); code != 0 {
		t.Fatalf("init exited %d", code)
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
	var stderr strings.Builder
	if code := run(ctx, []string{"init", "--id", "m", "--directory", "http://x:1"}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), monitor.ErrExists.Error()) {
		t.Fatalf("second init: %d %q", code, stderr.String())
	}
	if code := run(ctx, []string{"init", "--id", "m", "--directory", "http://x:1", "--force"}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("init --force exited %d", code)
	}
	if id2, _, _ := monitor.LoadKeys(f); !id1.Equal(id2) {
		t.Fatal("--force replaced the identity")
	}
	// run stops cleanly when its context ends, even with no directory.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan int, 1)
	var logs logtest.Buffer
	go func() { done <- run(cctx, []string{"run", "--id", "m", "--log-level", "debug"}, io.Discard, &logs) }()
	// It has started once it logs; then it stops on cancel.
	poll.Until(t, "the monitor's first log line", 10*time.Second, func() bool { return logs.Lines() > 0 })
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("run exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestUsage(t *testing.T) {
	t.Setenv(home.EnvVar, t.TempDir())
	var stdout strings.Builder
	if code := run(context.Background(), []string{"init", "--help"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, f := range []string{"-id", "-dir", "-directory", "-interval", "-packets-per-node", "-route-packets",
		"-wait-timeout", "-hop-delay", "-force", "-log-level", "-log-format"} {
		if !strings.Contains(stdout.String(), f) {
			t.Errorf("init --help does not explain %s", f)
		}
	}
	for _, args := range [][]string{{}, {"bogus"}, {"run"}, {"run", "--id", "m", "extra"}, {"init", "--nope"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q exited %d, want 2 (a usage error)", args, code)
		}
	}
	if code := run(context.Background(), []string{"init", "--id", "m"}, io.Discard, io.Discard); code != 1 {
		t.Error("init without --directory accepted")
	}
}
