// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
)

// run serves on a free port, prints its address and routes, answers the
// healthcheck, and returns nil when its context is cancelled.
func TestRun(t *testing.T) {
	leaktest.Check(t)
	nymHome := t.TempDir()
	t.Setenv(home.EnvVar, nymHome)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--log-level", "debug", "--log-format", "json"}, outW, io.Discard)
		outW.Close()
	}()

	lines := make(chan string, 100) // the scanner never waits, so run never blocks printing
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var printed []string
	timeout := time.After(10 * time.Second)
	for len(printed) == 0 || !strings.Contains(printed[len(printed)-1], "/swagger/") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended early: %q", printed)
			}
			printed = append(printed, l)
		case <-timeout:
			t.Fatalf("no address and routes printed: %q", printed)
		}
	}
	first := printed[0]
	if !strings.HasPrefix(first, "nym-directory listening on 127.0.0.1:") {
		t.Fatalf("first line %q", first)
	}
	url := strings.TrimSuffix(first[strings.Index(first, "(")+1:], ")")
	text := strings.Join(printed, "\n")
	for _, route := range []string{"GET /api/healthcheck", "POST /api/presence/mixnodes", "GET /api/presence/topology", "GET /ws", "GET /metrics"} {
		if !strings.Contains(text, route) {
			t.Errorf("routes printed lack %q:\n%s", route, text)
		}
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url + "api/healthcheck")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("healthcheck: %d %s", resp.StatusCode, body)
	}
	tr.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancel", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	// The default state file: $NYM_HOME/directory/bindings.json, private.
	for p, want := range map[string]os.FileMode{
		filepath.Join(nymHome, "directory"):                  0o700 | os.ModeDir,
		filepath.Join(nymHome, "directory", "bindings.json"): 0o600,
	} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, %v; want mode %v", p, fi, err, want)
		}
	}
}

func TestUnbind(t *testing.T) {
	key := func(b byte) string { return base58.Encode(bytes.Repeat([]byte{b}, 32)) }
	path := filepath.Join(t.TempDir(), "bindings.json")
	state := `{"version":1,"bindings":[{"pubKey":"` + key(1) + `","identityKey":"` + key(2) +
		`","lastSigned":1,"lastTimestamp":1}]}`
	if err := os.WriteFile(path, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"unbind", "--state", path, "--pubkey", key(1)}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), key(2)) {
		t.Errorf("output %q does not name the identity", out.String())
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), key(1)) {
		t.Errorf("binding still in the file: %s", b)
	}
	if err := run(context.Background(), []string{"unbind", "--state", path, "--pubkey", key(1)}, io.Discard, io.Discard); err == nil {
		t.Error("unbinding an unbound key succeeded")
	}
	if err := run(context.Background(), []string{"unbind", "--state", path}, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("no --pubkey: %v, want a usage error", err)
	}
}

func TestFlags(t *testing.T) {
	t.Setenv(home.EnvVar, t.TempDir())
	ctx := context.Background()
	var stderr strings.Builder
	if err := run(ctx, []string{"--help"}, io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"-listen", "-allow-unsigned", "-presence-ttl", "-max-layers", "-signature-window",
		"-log-level", "-log-format", "-topology-max-age", "-binding-ttl", "-state", "-monitor-key", "-reliability-max-age"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("--help does not explain %s", f)
		}
	}
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"extra-argument"},
		{"--max-layers", "x"},
		{"--monitor-key", "not-a-key"},
	} {
		if err := run(ctx, args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	for _, args := range [][]string{
		{"--log-level", "loud"},
		{"--log-format", "xml"},
		{"--presence-ttl", "-1s"},
		{"--listen", "256.0.0.1:99999"},
	} {
		if err := run(ctx, args, io.Discard, io.Discard); err == nil || errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a configuration error", args, err)
		}
	}
}
