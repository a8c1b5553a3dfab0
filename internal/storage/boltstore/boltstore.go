// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package boltstore is the durable storage.Inbox and storage.KeyStore: one
// bbolt file, written by a single committer goroutine that group-commits.
//
// Write path: Put, PutAsync, Delete and Expire queue an op on a bounded
// channel (Config.Queue). The committer takes every op queued (up to
// Config.MaxBatch; after waiting up to Config.MaxDelay for more if
// MaxDelay > 0), applies them in queue order in one read-write bbolt
// transaction, and completes each op only after the transaction's fsync
// returned. So a message whose Put returned nil (or whose done callback got
// a nil error) is on disk: kill -9 of the process loses none of them
// (TestCrashKeepsAcknowledged). If the transaction fails, every op in it
// gets the error and nothing of it is applied.
//
// Full queue: Put, Delete and Expire block until their op is queued or
// their ctx ends (backpressure); PutAsync never blocks and fails with
// storage.ErrBusy, counted in Totals.RefusedBusy.
//
// Layout (all integers big-endian):
//
//	meta  "version" → 2; "mark/<name>" → u64 (storage.Marks, e.g. the gateway's id ceiling)
//	msgs  (sequence = last message ID) id(8) → client(32) ‖ stored unix ns(8) ‖ data
//	keys  client(32) → shared key
//
// Messages of all clients share one append-only bucket keyed by the global
// ID, so a batch of Puts writes a few full, contiguous pages instead of one
// leaf (plus its parents) per client. Stored times never decrease with the
// ID (a clock that steps back is clamped to the last stored time), so
// retention deletes from the front of the bucket: O(expired), no index.
//
// The per-client view lives in memory: for each client, the IDs and sizes
// of its messages in order (about 16 bytes per stored message, under 1% of
// the data). Open rebuilds it with one sequential scan of the messages, so
// opening takes time proportional to the inbox size (60 ms for 100,000
// messages of 2 KiB, 286 MB, from a warm page cache here; reading a cold
// file is bounded by the disk). Quota checks and Usage read the index and
// cost no disk access; Fetch reads it to find the IDs, then the values.
package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/nym-go/nym/internal/storage"
)

// Defaults for Config fields left at zero.
const (
	// DefaultMaxBatch is the most ops committed in one transaction.
	DefaultMaxBatch = 1000
	// DefaultQueue is how many ops wait for the committer.
	DefaultQueue = 8192
	// DefaultLockTimeout is how long Open waits for the file lock.
	DefaultLockTimeout = time.Second
	// DefaultPageSize is the page size of a new file.
	DefaultPageSize = 8192
	// layoutVersion is the "version" value in the meta bucket.
	layoutVersion = 2
)

// expireChunk is the most messages one Expire transaction deletes; tests
// lower it.
var expireChunk = 10_000

// ErrLocked means another process (or another Store in this process) has
// the database open.
var ErrLocked = errors.New("boltstore: database is locked by another process")

// Config tunes a Store. The zero value selects every default.
type Config struct {
	// Limits bound each client's inbox; see storage.Limits.
	Limits storage.Limits
	// MaxBatch is the most ops in one transaction; 0 means
	// DefaultMaxBatch.
	MaxBatch int
	// MaxDelay is how long the committer waits for more ops when the
	// queue is momentarily empty and the batch is not full. 0 (the
	// default) means it commits at once: ops that arrive during an fsync
	// form the next batch anyway. It is measured on the real clock, since
	// it only shapes I/O.
	MaxDelay time.Duration
	// Queue is how many ops wait for the committer; 0 means DefaultQueue.
	Queue int
	// PageSize is the bbolt page size of a new file (an existing file
	// keeps its own); 0 means DefaultPageSize. 2 KiB messages fill 8 KiB
	// pages better (three per page) than 4 KiB ones (one per page).
	PageSize int
	// LockTimeout is how long Open waits for the file lock before failing
	// with ErrLocked; 0 means DefaultLockTimeout.
	LockTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxBatch < 0 || c.Queue < 0 || c.MaxDelay < 0 || c.LockTimeout < 0 {
		return c, fmt.Errorf("boltstore: negative MaxBatch, Queue, MaxDelay or LockTimeout in %+v", c)
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.PageSize < 1024 || c.PageSize > 1<<20 || c.PageSize&(c.PageSize-1) != 0 {
		return c, fmt.Errorf("boltstore: PageSize %d is not a power of two in [1 KiB, 1 MiB]", c.PageSize)
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.Queue == 0 {
		c.Queue = DefaultQueue
	}
	if c.LockTimeout == 0 {
		c.LockTimeout = DefaultLockTimeout
	}
	c.Limits = c.Limits.WithDefaults()
	return c, nil
}

// Deps are the Store's injected dependencies.
type Deps = storage.Deps

// Store is a durable inbox and key store in one bbolt file.
type Store struct {
	cfg  Config
	deps Deps
	db   *bolt.DB
	logs *storage.LogLimiter
	path string

	closeMu sync.RWMutex // held for reading while using db or sending on ops
	closed  bool

	ops    chan *op
	stop   chan struct{}
	exited chan struct{}

	mu     sync.Mutex // guards boxes and totals; only the committer writes them
	boxes  map[storage.ClientID]*box
	totals storage.Totals

	lastStored uint64 // stored time of the newest message; committer-owned

	keyCount atomic.Int64
	commits  atomic.Uint64
}

var (
	_ storage.Inbox      = (*Store)(nil)
	_ storage.KeyStore   = (*Store)(nil)
	_ storage.KeyExpirer = (*Store)(nil)
)

var (
	bMeta = []byte("meta")
	bMsgs = []byte("msgs")
	bKeys = []byte("keys")
	// bKeyUsed maps a client to its key's last use (unix ns, u64 BE).
	// Files from before it get the bucket empty; see ExpireKeys.
	bKeyUsed = []byte("keyused")
)

// Open opens (creating if needed) the store in the file at path, creating
// its directory with mode 0700 and the file with mode 0600, and starts the
// committer. It fails with ErrLocked if the file stays locked for
// cfg.LockTimeout, and with a clear error if the file is not a valid store.
func Open(path string, cfg Config, deps Deps) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, errors.New("boltstore: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("boltstore: %s is not a regular file", path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        cfg.LockTimeout,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		PageSize:       cfg.PageSize,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("boltstore: open %s: no lock after %v (a second gateway on the same directory?): %w",
			path, cfg.LockTimeout, ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("boltstore: open %s (not a valid inbox database?): %w", path, err)
	}
	s := &Store{
		cfg:    cfg,
		deps:   deps.WithDefaults(),
		db:     db,
		logs:   storage.NewLogLimiter(storage.LogInterval),
		path:   path,
		ops:    make(chan *op, cfg.Queue),
		stop:   make(chan struct{}),
		exited: make(chan struct{}),
		boxes:  map[storage.ClientID]*box{},
	}
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	go s.run()
	return s, nil
}

// load creates the buckets if missing, checks the layout version, builds
// the in-memory index from the messages and counts the keys. A panic
// inside bbolt on a corrupt file is turned into an error.
func (s *Store) load() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt database: %v", r)
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bMsgs, bKeys, bKeyUsed} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bMeta)
		switch v := meta.Get([]byte("version")); {
		case v == nil:
			if err := meta.Put([]byte("version"), be64(layoutVersion)); err != nil {
				return fmt.Errorf("write version: %w", err)
			}
		case len(v) != 8 || beU64(v) != layoutVersion:
			return fmt.Errorf("unsupported layout version %x (want %d)", v, layoutVersion)
		}
		c := tx.Bucket(bMsgs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 || len(v) < headerLen {
				return fmt.Errorf("corrupt message record %x", k)
			}
			client, stored := storage.ClientID(v[:32]), beU64(v[32:40])
			b := s.boxes[client]
			if b == nil {
				b = &box{}
				s.boxes[client] = b
			}
			b.add(entry{id: beU64(k), size: uint32(len(v) - headerLen)})
			s.totals.Messages++
			s.totals.Bytes += int64(len(v) - headerLen)
			s.lastStored = max(s.lastStored, stored)
		}
		s.totals.Clients = len(s.boxes)
		s.keyCount.Store(int64(tx.Bucket(bKeys).Stats().KeyN))
		return nil
	})
}

// Close commits every queued op, stops the committer and closes the file.
// Later calls fail with storage.ErrClosed.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return fmt.Errorf("boltstore: close: %w", storage.ErrClosed)
	}
	s.closed = true
	s.closeMu.Unlock()
	close(s.stop)
	<-s.exited
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", s.path, err)
	}
	return nil
}

// Commits returns how many write transactions the committer has committed
// since Open. Each one costs two fdatasync calls (data pages, then the
// meta page), so Commits is the group-commit "fsync" count.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// acquire takes the read side of closeMu, failing if the store is closed;
// the caller must call s.closeMu.RUnlock when it returns nil.
func (s *Store) acquire(what string) error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return fmt.Errorf("boltstore: %s: %w", what, storage.ErrClosed)
	}
	return nil
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func beU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func putU64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }
