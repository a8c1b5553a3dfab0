// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package replay detects replayed Sphinx packets by their replay tags.
//
// A mix node derives a replay tag (sphinx.ReplayTag, 16 bytes) from each
// packet's shared secret and asks Filter.Seen whether it has processed that
// tag before; a packet whose tag was seen is dropped. Without this, an adversary could resend a
// packet and watch where the copies go (Nym's mix nodes had no replay
// protection until 2025).
//
// # Structure
//
// Filter is a pair of Bloom filters, current and previous, each sized for
// Config.ExpectedItems tags at Config.FalsePositiveRate. New tags go into
// the current one; a tag is seen if it is in either. When the current one
// has taken ExpectedItems tags it becomes the previous one, and the old
// previous one is cleared and becomes current. Memory is fixed at creation
// (two bit arrays; see Filter.MemoryBytes).
//
// # Guarantees
//
//   - No false negatives within the window: a tag is reported as seen by
//     every Seen call made before ExpectedItems other new tags have been
//     recorded after it. A tag survives between one and two windows.
//   - False positives: a fresh tag is reported as seen with probability at
//     most about 2p (p = FalsePositiveRate): p from each generation, and the
//     previous one is full. Right after start or Reset it is at most p. A
//     false positive drops an honest packet.
//   - Seen is an atomic check-and-insert: of concurrent calls with the same
//     tag, at most one returns false.
//
// # Hash positions come from the tag itself
//
// Replay tags are outputs of a KDF (HKDF-SHA256) keyed with a secret shared
// by the sender and this node, so their bits are uniformly distributed and
// independent of each other for anyone but the sender. The filter therefore
// uses the tag's bytes as its hash values instead of hashing again: the k
// bit positions are h1 + i·h2 (i = 0..k-1, arithmetic mod 2^64, h2 forced
// odd), mapped onto the m bits by a multiply-high range reduction, where h1
// and h2 are the tag's two little-endian 64-bit words. (A longer KDF output
// can be cut to its first TagSize bytes, which are as uniform.) Kirsch and Mitzenmacher
// ("Less hashing, same performance", 2006) show that two independent
// hashes combined this way give the false-positive rate of k independent
// ones; the tests measure it. The flip side: Seen must only be given
// uniformly random tags. Structured values (counters, zero-padded short
// IDs) crowd into a few bits and are soon all reported as seen. A sender can choose its own tags by grinding
// ephemeral keys, but the most that buys is filling a generation faster
// than random tags would, at one key exchange per attempt, which raises
// the false-positive rate toward a bounded value.
//
// # Replay window
//
// Generations are cleared by count, so the window is counted in packets,
// not time: a tag is forgotten once between ExpectedItems and
// 2·ExpectedItems newer tags have been recorded. Anyone can send fresh
// packets, so an attacker who floods about 2·ExpectedItems of them (at the
// defaults and 15,000 packets/s, 11 to 22 minutes) rotates every
// generation that held a recorded packet's tag, and can then replay that
// packet and watch where the copy goes. The filter alone does not stop
// this; what bounds it is key rotation (a packet is only valid under the
// key it was made for, and a node forgets old keys), which is future work.
//
// # Concurrency
//
// Seen is safe for concurrent use by the unwrap workers. Calls lock one of
// 256 stripes chosen by the tag (so two calls with the same tag are
// serialized) and touch the bit arrays with atomic operations (calls in
// different stripes share words). Rotation and Reset take every stripe
// lock, so they exclude all Seen calls while they swap and clear; a
// rotation clears one generation once every ExpectedItems new tags, and
// the call that triggers it waits for that: at the defaults 34 MiB, about
// 0.5 ms on the 2-core development machine (BenchmarkRotate).
package replay

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Defaults for Config. With them each generation is 287.5 million bits
// (34.3 MiB) with 20 hash positions, so the filter takes 68.6 MiB. 10
// million tags is 83 minutes of traffic at 2,000 packets/s (the load Nym
// sizes its filter for) and 5.5 minutes at 30,000 packets/s.
const (
	// DefaultExpectedItems is the default number of tags per generation.
	DefaultExpectedItems = 10_000_000
	// DefaultFalsePositiveRate is the default false-positive rate of one
	// full generation.
	DefaultFalsePositiveRate = 1e-6
)

// MaxGenerationBytes bounds the size of one generation's bit array; New
// refuses a Config that needs more.
const MaxGenerationBytes = 16 << 30

// maxHashes bounds k so that a uint64 can hold one bit per position.
const maxHashes = 64

// stripes is the number of locks that serialize Seen calls by tag.
const stripes = 256

// TagSize is the size of a replay tag, the same as sphinx.ReplayTag's.
const TagSize = 16

// Config sizes a Filter. The zero value selects the defaults.
type Config struct {
	// ExpectedItems is how many tags a generation takes before rotation,
	// and so the replay window; 0 means DefaultExpectedItems.
	ExpectedItems uint64
	// FalsePositiveRate is the false-positive rate of one full
	// generation, in (0, 0.5]; 0 means DefaultFalsePositiveRate.
	FalsePositiveRate float64
}

// sizing fills defaults into c and returns the bits per generation and the
// number of hash positions.
func (c *Config) sizing() (m uint64, k int, err error) {
	if c.ExpectedItems == 0 {
		c.ExpectedItems = DefaultExpectedItems
	}
	if c.FalsePositiveRate == 0 {
		c.FalsePositiveRate = DefaultFalsePositiveRate
	}
	p, n := c.FalsePositiveRate, float64(c.ExpectedItems)
	if !(p > 0 && p <= 0.5) {
		return 0, 0, fmt.Errorf("replay: FalsePositiveRate %g is not in (0, 0.5]", p)
	}
	// k = log2(1/p) is optimal; for that integer k, the smallest m with
	// (1 - e^(-kn/m))^k <= p is m = -kn / ln(1 - p^(1/k)).
	k = max(1, int(math.Round(-math.Log2(p))))
	if k > maxHashes {
		return 0, 0, fmt.Errorf("replay: FalsePositiveRate %g needs %d hash positions, more than %d", p, k, maxHashes)
	}
	mf := math.Ceil(-float64(k) * n / math.Log1p(-math.Pow(p, 1/float64(k))))
	if mf/8 > MaxGenerationBytes {
		return 0, 0, fmt.Errorf("replay: %d items at %g need %.0f bytes per generation, more than %d",
			c.ExpectedItems, p, mf/8, int64(MaxGenerationBytes))
	}
	return uint64(mf), k, nil
}

// Filter is a two-generation Bloom filter of replay tags. Create it with
// New; it is safe for concurrent use.
type Filter struct {
	m     uint64 // bits per generation
	k     int    // positions per tag
	limit uint64 // tags per generation before rotation

	locks [stripes]paddedMutex

	// cur and prev are read under any stripe lock and swapped or cleared
	// under all of them. Their words are accessed atomically otherwise.
	cur, prev []uint64
	// count is the number of tags recorded in cur; it is incremented
	// under a stripe lock and reset under all of them.
	count atomic.Uint64

	rotations atomic.Uint64
	hits      atomic.Uint64
}

type paddedMutex struct {
	sync.Mutex
	_ [64 - 8]byte // one cache line per lock, so stripes don't share lines
}

// New returns an empty Filter sized by cfg. It allocates both generations
// up front.
func New(cfg Config) (*Filter, error) {
	m, k, err := cfg.sizing()
	if err != nil {
		return nil, err
	}
	words := (m + 63) / 64
	return &Filter{
		m:     m,
		k:     k,
		limit: cfg.ExpectedItems,
		cur:   make([]uint64, words),
		prev:  make([]uint64, words),
	}, nil
}

// Seen reports whether tag has (probably) been recorded before, and records
// it if not. It is an atomic check-and-insert: of several concurrent calls
// with the same tag, at most one returns false. A tag reported as seen is
// not recorded again.
func (f *Filter) Seen(tag [TagSize]byte) bool {
	h1 := binary.LittleEndian.Uint64(tag[0:8])
	h2 := binary.LittleEndian.Uint64(tag[8:16]) | 1
	mu := &f.locks[tag[TagSize-1]] // the same tag always takes the same lock

	mu.Lock()
	// Probe all of cur first: the loads are independent, so their cache
	// misses overlap, and a new tag needs those words again to set bits.
	var missing uint64 // bit i set: position i is clear in cur
	for i, h := 0, h1; i < f.k; i, h = i+1, h+h2 {
		word, bit := f.position(h)
		if atomic.LoadUint64(&f.cur[word])&bit == 0 {
			missing |= 1 << i
		}
	}
	if missing == 0 || f.inPrev(h1, h2) {
		mu.Unlock()
		f.hits.Add(1)
		return true
	}
	for i, h := 0, h1; missing != 0; i, h = i+1, h+h2 {
		if missing&1 != 0 {
			word, bit := f.position(h)
			atomic.OrUint64(&f.cur[word], bit)
		}
		missing >>= 1
	}
	full := f.count.Add(1) >= f.limit
	mu.Unlock()
	if full {
		f.rotate()
	}
	return false
}

// inPrev reports whether every position of the tag is set in prev. The
// caller holds a stripe lock.
func (f *Filter) inPrev(h1, h2 uint64) bool {
	for i, h := 0, h1; i < f.k; i, h = i+1, h+h2 {
		word, bit := f.position(h)
		if atomic.LoadUint64(&f.prev[word])&bit == 0 {
			return false
		}
	}
	return true
}

// position maps a 64-bit hash onto a bit of a generation: the word index
// and the mask within it.
func (f *Filter) position(h uint64) (word uint64, bit uint64) {
	p, _ := bits.Mul64(h, f.m) // floor(h * m / 2^64), uniform in [0, m)
	return p / 64, 1 << (p % 64)
}

// rotate makes cur the previous generation and starts a cleared one, if
// cur is still full once every lock is held.
func (f *Filter) rotate() {
	f.lockAll()
	defer f.unlockAll()
	if f.count.Load() < f.limit {
		return // another caller rotated first
	}
	f.cur, f.prev = f.prev, f.cur
	clear(f.cur)
	f.count.Store(0)
	f.rotations.Add(1)
}

// Reset forgets every tag, as after a key rotation: tags derived under a
// new key cannot match tags derived under the old one, so both generations
// are cleared. It does not reset the counters in Stats.
func (f *Filter) Reset() {
	f.lockAll()
	defer f.unlockAll()
	clear(f.cur)
	clear(f.prev)
	f.count.Store(0)
}

func (f *Filter) lockAll() {
	for i := range f.locks {
		f.locks[i].Lock()
	}
}

func (f *Filter) unlockAll() {
	for i := range f.locks {
		f.locks[i].Unlock()
	}
}

// Stats describes a Filter's state and counts its work since New.
type Stats struct {
	Items     uint64 // tags in the current generation
	Rotations uint64 // generations started by filling up (not by Reset)
	Hits      uint64 // Seen calls that returned true
}

// Stats returns the Filter's counters.
func (f *Filter) Stats() Stats {
	return Stats{Items: f.count.Load(), Rotations: f.rotations.Load(), Hits: f.hits.Load()}
}

// Bits returns the size of one generation in bits.
func (f *Filter) Bits() uint64 { return f.m }

// Hashes returns the number of bit positions per tag.
func (f *Filter) Hashes() int { return f.k }

// Capacity returns how many tags a generation takes before rotation.
func (f *Filter) Capacity() uint64 { return f.limit }

// MemoryBytes returns the memory held by both generations' bit arrays.
func (f *Filter) MemoryBytes() uint64 { return 2 * 8 * uint64(len(f.cur)) }
