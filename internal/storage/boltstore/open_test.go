// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

func mustOpen(t *testing.T, path string, cfg boltstore.Config, deps boltstore.Deps) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, cfg, deps)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpenSecondFailsLocked(t *testing.T) {
	leaktest.Check(t)
	path := filepath.Join(t.TempDir(), "inbox.db")
	mustOpen(t, path, boltstore.Config{}, boltstore.Deps{})
	_, err := boltstore.Open(path, boltstore.Config{LockTimeout: 50 * time.Millisecond}, boltstore.Deps{})
	t.Logf("second Open: %v", err)
	if !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open: %v, want ErrLocked naming %s", err, path)
	}
}

func TestOpenCorrupt(t *testing.T) {
	leaktest.Check(t)
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"garbage":   bytes.Repeat([]byte("not a database "), 2000),
		"truncated": []byte("short"),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.Open(path, boltstore.Config{}, boltstore.Deps{})
		if err == nil {
			_ = s.Close()
			t.Fatalf("Open(%s) succeeded", name)
		}
		t.Logf("Open(%s): %v", name, err)
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s) error does not name the file: %v", name, err)
		}
	}
	if _, err := boltstore.Open(dir, boltstore.Config{}, boltstore.Deps{}); err == nil {
		t.Fatal("Open of a directory succeeded")
	}
	if _, err := boltstore.Open("", boltstore.Config{}, boltstore.Deps{}); err == nil {
		t.Fatal("Open of an empty path succeeded")
	}
	if _, err := boltstore.Open(filepath.Join(dir, "x"), boltstore.Config{MaxBatch: -1}, boltstore.Deps{}); err == nil {
		t.Fatal("Open with a negative MaxBatch succeeded")
	}
}

func TestFileModes(t *testing.T) {
	leaktest.Check(t)
	dir := filepath.Join(t.TempDir(), "data", "inbox")
	path := filepath.Join(dir, "inbox.db")
	mustOpen(t, path, boltstore.Config{}, boltstore.Deps{})
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", p, got, want)
		}
	}
}

// TestPutAsyncBusy fills the queue while the committer is held inside a
// done callback, so that the next PutAsync finds it full.
func TestPutAsyncBusy(t *testing.T) {
	leaktest.Check(t)
	const queue = 4
	s := mustOpen(t, filepath.Join(t.TempDir(), "inbox.db"), boltstore.Config{Queue: queue}, boltstore.Deps{})
	c := storagetest.Client(1)
	inside, release := make(chan struct{}), make(chan struct{})
	s.PutAsync(c, []byte("holds the committer"), func(storage.Message, error) {
		close(inside)
		<-release
	})
	<-inside
	var wg sync.WaitGroup
	for range queue {
		wg.Add(1)
		s.PutAsync(c, []byte("queued"), func(_ storage.Message, err error) {
			if err != nil {
				t.Errorf("queued PutAsync: %v", err)
			}
			wg.Done()
		})
	}
	var busy error
	s.PutAsync(c, []byte("no room"), func(_ storage.Message, err error) { busy = err })
	if !errors.Is(busy, storage.ErrBusy) {
		t.Fatalf("PutAsync on a full queue: %v, want ErrBusy at once", busy)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Put(ctx, c, []byte("blocks")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put on a full queue: %v, want the context's error", err)
	}
	close(release)
	wg.Wait()
	if tot := s.Totals(); tot.RefusedBusy != 1 || tot.Stored != queue+1 {
		t.Fatalf("Totals = %+v, want 1 refused busy, %d stored", tot, queue+1)
	}
}

// TestQuotaLoggedOncePerInterval checks that a client hammering a full
// inbox produces one log line per storage.LogInterval, not one per packet.
func TestQuotaLoggedOncePerInterval(t *testing.T) {
	leaktest.Check(t)
	var buf logtest.Buffer
	clk := clocktest.NewFake(storagetest.Epoch)
	s := mustOpen(t, filepath.Join(t.TempDir(), "inbox.db"),
		boltstore.Config{Limits: storage.Limits{MaxMessages: 1}},
		boltstore.Deps{Clock: clk, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	ctx := context.Background()
	a, b := storagetest.Client(1), storagetest.Client(2)
	for _, c := range []storage.ClientID{a, b} {
		if _, err := s.Put(ctx, c, []byte("fills it")); err != nil {
			t.Fatal(err)
		}
	}
	refuse := func(c storage.ClientID, n int) {
		for range n {
			if _, err := s.Put(ctx, c, []byte("refused")); !errors.Is(err, storage.ErrQuotaMessages) {
				t.Fatalf("Put: %v, want ErrQuotaMessages", err)
			}
		}
	}
	refuse(a, 50)
	refuse(b, 50)
	if n := buf.Lines(); n != 2 {
		t.Fatalf("%d log lines for 100 refusals of 2 clients, want 2:\n%s", n, buf.String())
	}
	clk.Advance(storage.LogInterval)
	refuse(a, 10)
	if n := buf.Lines(); n != 3 {
		t.Fatalf("%d log lines after one interval, want 3", n)
	}
	if tot := s.Totals(); tot.RefusedMessages != 110 {
		t.Fatalf("RefusedMessages = %d, want 110", tot.RefusedMessages)
	}
}

// TestExpireInChunks expires more messages than one transaction takes.
func TestExpireInChunks(t *testing.T) {
	leaktest.Check(t)
	defer boltstore.SetExpireChunk(3)()
	clk := clocktest.NewFake(storagetest.Epoch)
	s := mustOpen(t, filepath.Join(t.TempDir(), "inbox.db"),
		boltstore.Config{Limits: storage.Limits{Retention: time.Hour}}, boltstore.Deps{Clock: clk})
	ctx := context.Background()
	for i := range 10 {
		if _, err := s.Put(ctx, storagetest.Client(i%3), []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Minute)
	keep, err := s.Put(ctx, storagetest.Client(0), []byte("newer"))
	if err != nil {
		t.Fatal(err)
	}
	before := s.Commits()
	n, err := s.Expire(ctx, storagetest.Epoch.Add(time.Hour+time.Second))
	if err != nil || n != 10 {
		t.Fatalf("Expire = %d, %v; want 10", n, err)
	}
	if c := s.Commits() - before; c != 4 {
		t.Fatalf("Expire used %d transactions, want 4 of at most 3 messages", c)
	}
	ms, err := s.Fetch(ctx, storagetest.Client(0), 0, 100)
	if err != nil || len(ms) != 1 || ms[0].ID != keep.ID {
		t.Fatalf("after expiry client 0 has %v, %v; want only the newer message", ms, err)
	}
	if tot := s.Totals(); tot.Messages != 1 || tot.Clients != 1 || tot.Expired != 10 {
		t.Fatalf("Totals = %+v", tot)
	}
}

// backClock is a clock whose time the test sets, backwards too.
type backClock struct {
	clock.Clock
	mu  sync.Mutex
	now time.Time
}

func (c *backClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *backClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestClockStepsBack checks that a clock stepping back never makes a newer
// message look older than an earlier one, so retention (which scans from
// the oldest ID) stays correct.
func TestClockStepsBack(t *testing.T) {
	leaktest.Check(t)
	t0 := storagetest.Epoch
	clk := &backClock{Clock: clock.Real(), now: t0.Add(time.Hour)}
	s := mustOpen(t, filepath.Join(t.TempDir(), "inbox.db"),
		boltstore.Config{Limits: storage.Limits{Retention: time.Hour}}, boltstore.Deps{Clock: clk})
	ctx := context.Background()
	first, err := s.Put(ctx, storagetest.Client(1), []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	clk.set(t0) // one hour back
	second, err := s.Put(ctx, storagetest.Client(2), []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	if second.Stored.Before(first.Stored) {
		t.Fatalf("second message stored at %v, before the first at %v", second.Stored, first.Stored)
	}
	if n, err := s.Expire(ctx, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("Expire at the cutoff = %d, %v; want 0", n, err)
	}
	if n, err := s.Expire(ctx, t0.Add(2*time.Hour+1)); err != nil || n != 2 {
		t.Fatalf("Expire after the cutoff = %d, %v; want both", n, err)
	}
}
