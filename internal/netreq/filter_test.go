// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRefusedWritesOutsideLock: while unknown.list is being appended to
// (a slow disk, here a hook that blocks), the filter still answers.
func TestRefusedWritesOutsideLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allowed.list")
	if err := os.WriteFile(path, []byte("example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFilter(Config{AllowList: path, MaxUnknown: 10}, slog.New(slog.DiscardHandler))
	entered, release := make(chan string), make(chan struct{})
	f.appendLine = func(_, line string) error {
		entered <- line
		<-release
		return nil
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { f.refused("blocked.test") })
	if line := <-entered; line != "blocked.test" {
		t.Fatalf("appended %q", line)
	}
	answered := make(chan bool)
	go func() { answered <- f.allows("a.example.com") && !f.allows("blocked.test") }()
	select {
	case ok := <-answered:
		if !ok {
			t.Error("wrong answers while appending")
		}
		close(release)
	case <-time.After(10 * time.Second): // a bound on a hang, not a wait for a timer
		t.Error("allows blocked while unknown.list was written")
		close(release)
		<-answered
	}
	wg.Wait()
	f.refused("blocked.test") // recorded once: no second append (the hook would block)
}

func TestLocalRanges(t *testing.T) {
	a, err := ParseAllowList(strings.NewReader("127.0.0.0/8\n10.1.2.3\nfd00::/8\n0.0.0.0/0\n"))
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{
		"127.0.0.1":       true,  // inside the loopback rule
		"10.1.2.3":        true,  // its own rule
		"10.1.2.4":        false, // 0.0.0.0/0 is too broad to admit it
		"169.254.169.254": false,
		"fd00::1":         true,
		"fd80::1":         true, // fd00::/8 lies inside fc00::/7
		"fc00::1":         false,
	} {
		addr := netip.MustParseAddr(ip)
		block, local := localRange(addr)
		if !local {
			t.Fatalf("%s is not in a local range", ip)
		}
		if got := a.admitsLocal(addr, block); got != want {
			t.Errorf("admitsLocal(%s) = %v, want %v", ip, got, want)
		}
	}
	for _, ip := range []string{"8.8.8.8", "203.0.113.1", "2001:db8::1", "100.128.0.1", "172.32.0.1", "::2:1:0:0"} {
		if _, local := localRange(netip.MustParseAddr(ip)); local {
			t.Errorf("%s counted as local", ip)
		}
	}
}
