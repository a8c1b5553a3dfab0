// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command inbox measures how many messages per second the durable gateway
// inbox (internal/storage/boltstore) accepts: each message counts once its
// Put returned nil (or its PutAsync callback got nil), that is after the
// group commit's fsync.
//
// Usage:
//
//	go run ./bench/inbox -n 100000 -size 2048 -producers 64
//
// It writes into a fresh temporary directory (or -dir, which must not hold
// an inbox.db) and removes it afterwards, then prints accepted messages/s,
// MB/s, committed transactions/s (each is two fdatasync calls) and the mean
// batch size, and how long reopening (rebuilding the index) takes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

func main() {
	n := flag.Int("n", 100_000, "messages to store")
	size := flag.Int("size", 2048, "message size in bytes")
	producers := flag.Int("producers", 64, "concurrent producers (goroutines calling Put)")
	clients := flag.Int("clients", 1000, "clients the messages are spread over")
	async := flag.Bool("async", false, "use PutAsync (one producer goroutine per -producers, 64 in flight each) instead of Put")
	maxBatch := flag.Int("maxbatch", 0, "boltstore Config.MaxBatch (0: default)")
	maxDelay := flag.Duration("maxdelay", 0, "boltstore Config.MaxDelay (0: commit as soon as the queue is empty)")
	pageSize := flag.Int("pagesize", 0, "boltstore Config.PageSize (0: default)")
	dir := flag.String("dir", "", "directory for the database (default: a new temporary directory under $TMPDIR)")
	flag.Parse()
	if err := run(*n, *size, *producers, *clients, *async, *dir,
		boltstore.Config{MaxBatch: *maxBatch, MaxDelay: *maxDelay, PageSize: *pageSize}); err != nil {
		fmt.Fprintln(os.Stderr, "inbox:", err)
		os.Exit(1)
	}
}

func run(n, size, producers, clients int, async bool, dir string, cfg boltstore.Config) error {
	if n <= 0 || size < 0 || producers <= 0 || clients <= 0 {
		return fmt.Errorf("-n, -producers and -clients must be positive, -size not negative")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "nym-inbox-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	path := filepath.Join(dir, "inbox.db")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists; use an empty -dir", path)
	}
	cfg.Limits = storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: -1}
	s, err := boltstore.Open(path, cfg, boltstore.Deps{})
	if err != nil {
		return err
	}
	defer os.Remove(path)
	data := make([]byte, size)
	ids := make([]storage.ClientID, clients)
	for i := range ids {
		ids[i][0], ids[i][1], ids[i][2] = byte(i), byte(i>>8), byte(i>>16)
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	cpu0, w0 := cpuTime(), writtenBytes()
	start := time.Now()
	for range producers {
		wg.Go(func() {
			if async {
				produceAsync(s, ids, data, &next, &failed, int64(n))
				return
			}
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if _, err := s.Put(context.Background(), ids[i%int64(clients)], data); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu, written := cpuTime()-cpu0, writtenBytes()-w0
	commits := s.Commits()
	tot := s.Totals()
	if err := s.Close(); err != nil {
		return err
	}
	// Reopen: Open rebuilds the in-memory index with one scan.
	t0 := time.Now()
	s2, err := boltstore.Open(path, cfg, boltstore.Deps{})
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	reopen := time.Since(t0)
	reopened := s2.Totals().Messages
	if err := s2.Close(); err != nil {
		return err
	}
	fi, _ := os.Stat(path)
	var fileSize int64
	if fi != nil {
		fileSize = fi.Size()
	}
	secs := elapsed.Seconds()
	mode := "Put"
	if async {
		mode = "PutAsync"
	}
	fmt.Printf("%s: %d messages of %d B from %d producers over %d clients in %v\n",
		mode, tot.Stored, size, producers, clients, elapsed.Round(time.Millisecond))
	fmt.Printf("accepted (durable): %.0f msgs/s, %.1f MB/s\n", float64(tot.Stored)/secs, float64(tot.Stored)*float64(size)/secs/1e6)
	fmt.Printf("commits: %d (%.0f/s, each 2 fdatasync), mean batch %.1f ops\n",
		commits, float64(commits)/secs, float64(tot.Stored)/max(float64(commits), 1))
	fmt.Printf("process CPU: %v (%.1f µs/msg)\n", cpu.Round(time.Millisecond), float64(cpu.Microseconds())/max(float64(tot.Stored), 1))
	fmt.Printf("written by the process: %.0f MB (%.1f KiB/msg)\n", float64(written)/1e6, float64(written)/1024/max(float64(tot.Stored), 1))
	fmt.Printf("reopen: %v for %d stored messages (page cache warm)\n", reopen.Round(time.Millisecond), reopened)
	fmt.Printf("failed: %d (refused busy %d); file %.1f MB in %s\n", failed.Load(), tot.RefusedBusy, float64(fileSize)/1e6, dir)
	return nil
}

// produceAsync keeps up to 64 PutAsync calls in flight, retrying ErrBusy
// refusals after the in-flight ones complete.
func produceAsync(s *boltstore.Store, ids []storage.ClientID, data []byte, next, failed *atomic.Int64, n int64) {
	window := make(chan struct{}, 64)
	var inflight sync.WaitGroup
	for i := next.Add(1); i <= n; i = next.Add(1) {
		window <- struct{}{}
		inflight.Add(1)
		s.PutAsync(ids[i%int64(len(ids))], data, func(_ storage.Message, err error) {
			if err != nil {
				failed.Add(1)
			}
			<-window
			inflight.Done()
		})
	}
	inflight.Wait()
}

// cpuTime returns the user plus system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writtenBytes returns the bytes this process has passed to write system
// calls (wchar in /proc/self/io), or 0 where that file does not exist.
func writtenBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
