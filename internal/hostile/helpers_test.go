// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"
)

// Source addresses: the attacker and two well-behaved peers.
const (
	attackerIP = "127.0.0.3"
	goodIP     = "127.0.0.2"
)

// dialFrom connects to addr from the local IP src.
func dialFrom(ctx context.Context, src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// usage is the process's goroutines and live heap at one moment.
type usage struct {
	goroutines int
	heap       uint64
}

func measure() usage {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return usage{runtime.NumGoroutine(), m.HeapAlloc}
}

// checkRecovered waits (at most 10 s) for the goroutines to come back to
// at most before's plus slack, and checks that the heap grew by at most
// maxHeap since before.
func checkRecovered(t *testing.T, before usage, slack int, maxHeap uint64) {
	t.Helper()
	var now usage
	if !poll.Try(10*time.Second, func() bool {
		now = measure()
		return now.goroutines <= before.goroutines+slack
	}) {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines %d after the attack, %d before (slack %d)\n%s",
			now.goroutines, before.goroutines, slack, buf[:runtime.Stack(buf, true)])
	}
	if now.heap > before.heap+maxHeap {
		t.Fatalf("heap %d MiB after the attack, %d MiB before (allowed growth %d MiB)",
			now.heap>>20, before.heap>>20, maxHeap>>20)
	}
	t.Logf("goroutines %d → %d, heap %d KiB → %d KiB", before.goroutines, now.goroutines, before.heap>>10, now.heap>>10)
}

// checkPeak fails if the goroutines now exceed before's by more than max.
func checkPeak(t *testing.T, before usage, max int, what string) {
	t.Helper()
	if n := runtime.NumGoroutine(); n > before.goroutines+max {
		t.Fatalf("%s: %d goroutines, %d before (allowed %d more)", what, n, before.goroutines, max)
	}
}

// waitFor polls cond (bounded at 10 s): for effects across real sockets.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, what, 10*time.Second, cond)
}

// closedWithin reports whether the peer closes c (EOF or reset) within d,
// discarding what it sends.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// junk returns n deterministic random bytes.
func junk(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// sprayRandom opens n connections to addr from the attacker's IP, at most
// 16 at a time, writes size random bytes on each (then, if first is set,
// first is written before them) and returns how many the server closed
// within 10 s, counting a dial refused at once as closed. Write errors (the
// server may close mid-write) are ignored.
func sprayRandom(t *testing.T, addr string, n, size int, first []byte) int {
	t.Helper()
	var mu sync.Mutex
	closed := 0
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dialFrom(context.Background(), attackerIP, addr)
			if err == nil {
				defer c.Close()
				c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				c.Write(append(append([]byte(nil), first...), junk(uint64(i), size)...))
			}
			// Refused at once (a listener over its connection limit resets
			// the connection, which can fail the dial) counts as closed.
			if err != nil || closedWithin(c, 10*time.Second) {
				mu.Lock()
				closed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return closed
}

// holdOpen opens n connections to addr from the attacker's IP, writes
// prefix on each, and returns them; they are closed at cleanup. Dial
// errors are counted in failed.
func holdOpen(t *testing.T, addr string, n int, prefix []byte) (conns []net.Conn, failed int) {
	t.Helper()
	for range n {
		c, err := dialFrom(context.Background(), attackerIP, addr)
		if err != nil {
			failed++
			continue
		}
		t.Cleanup(func() { c.Close() })
		if len(prefix) > 0 {
			c.Write(prefix)
		}
		conns = append(conns, c)
	}
	return conns, failed
}

// allClosed checks that the server closes every conn within d of now.
func allClosed(t *testing.T, conns []net.Conn, d time.Duration, what string) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Go(func() {
			if !closedWithin(c, d) {
				mu.Lock()
				open++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if open > 0 {
		t.Fatalf("%s: %d of %d connections still open after %v", what, open, len(conns), d)
	}
}

// during runs attack in the background and calls good every few
// milliseconds until attack returns, then once more; good must succeed
// every time. It returns how many times good ran.
func during(t *testing.T, attack func(), good func() error) int {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); attack() }()
	n := 0
	for {
		select {
		case <-done:
			if err := good(); err != nil {
				t.Fatalf("well-behaved peer after the attack: %v", err)
			}
			return n + 1
		default:
		}
		if err := good(); err != nil {
			<-done
			t.Fatalf("well-behaved peer during the attack (after %d good exchanges): %v", n, err)
		}
		n++
		time.Sleep(10 * time.Millisecond)
	}
}
