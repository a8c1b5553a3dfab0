// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/poll"
)

func TestHelp(t *testing.T) {
	var stdout, stderr logtest.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, f := range []string{"-dir", "-force", "-layers", "-mixes-per-layer", "-gateways", "-clients", "-exec", "-bin-dir",
		"-traffic", "-traffic-rate", "-hop-delay", "-directory-listen", "-ready-timeout", "-log-level", "-log-format",
		"localnet.json", "go build", "SIGINT"} {
		if !strings.Contains(stdout.String(), f) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"extra"}, {"--layers", "4"}, {"--log-level", "loud"}} {
		var stdout, stderr logtest.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %s)", args, code, stderr.String())
		}
		if stderr.String() == "" {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
}

func TestRunAndInterrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr logtest.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--dir", dir, "--mixes-per-layer", "1", "--gateways", "1", "--clients", "0", "--log-level", "warn"}, &stdout, &stderr)
	}()
	exited := -1
	ready := poll.Try(30*time.Second, func() bool {
		if _, err := os.Stat(filepath.Join(dir, localnet.InfoFile)); err == nil {
			return true
		}
		select {
		case exited = <-code:
			return true
		default:
			return false
		}
	})
	switch {
	case exited >= 0:
		t.Fatalf("exited %d before ready: %s", exited, stderr.String())
	case !ready:
		t.Fatalf("not ready: %s", stderr.String())
	}
	info, err := localnet.ReadInfo(dir)
	if err != nil || len(info.Nodes) != 4 {
		t.Fatalf("info %+v, %v", info, err)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d after interrupt: %s", c, stderr.String())
	}
	for _, want := range []string{"dashboard: " + info.Dashboard, "mix-3-1", "gateway-1"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
}
