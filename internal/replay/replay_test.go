// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package replay_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nym-go/nym/internal/replay"
	"github.com/nym-go/nym/internal/sphinx"
)

// A sphinx.ReplayTag goes to Seen as it is.
var _ [replay.TagSize]byte = sphinx.ReplayTag{}

// tags yields uniformly random tags from a seeded generator, standing in
// for KDF outputs.
type tags struct{ rng *rand.ChaCha8 }

func newTags(seed byte) *tags { return &tags{rand.NewChaCha8([32]byte{seed})} }

func (g *tags) next() (t [replay.TagSize]byte) {
	g.rng.Read(t[:])
	return t
}

func mustNew(t testing.TB, cfg replay.Config) *replay.Filter {
	t.Helper()
	f, err := replay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// theoretical is the false-positive rate of one generation of m bits and k
// positions holding n tags, assuming independent positions.
func theoretical(m uint64, k int, n uint64) float64 {
	return math.Pow(1-math.Exp(-float64(k)*float64(n)/float64(m)), float64(k))
}

func TestSizing(t *testing.T) {
	for _, tt := range []struct {
		cfg      replay.Config
		hashes   int
		minBytes uint64
		maxBytes uint64
	}{
		// The defaults: 10M tags at 1e-6, about 34.3 MiB per generation.
		{replay.Config{}, 20, 34 << 20, 35 << 20},
		{replay.Config{ExpectedItems: 1000, FalsePositiveRate: 0.01}, 7, 1000, 1300},
		{replay.Config{ExpectedItems: 1, FalsePositiveRate: 0.5}, 1, 0, 1},
	} {
		m, k, err := replay.Sizing(tt.cfg)
		if err != nil {
			t.Fatalf("%+v: %v", tt.cfg, err)
		}
		if k != tt.hashes || m/8 < tt.minBytes || m/8 > tt.maxBytes {
			t.Errorf("%+v: %d bits (%d bytes), %d hashes; want %d hashes and %d..%d bytes",
				tt.cfg, m, m/8, k, tt.hashes, tt.minBytes, tt.maxBytes)
		}
		n := tt.cfg.ExpectedItems
		if n == 0 {
			n = replay.DefaultExpectedItems
		}
		p := tt.cfg.FalsePositiveRate
		if p == 0 {
			p = replay.DefaultFalsePositiveRate
		}
		if got := theoretical(m, k, n); got > p*1.0001 {
			t.Errorf("%+v: sized for a false-positive rate of %g, above %g", tt.cfg, got, p)
		}
	}
	for _, bad := range []replay.Config{
		{FalsePositiveRate: -0.1},
		{FalsePositiveRate: 0.6},
		{FalsePositiveRate: math.NaN()},
		{FalsePositiveRate: 1e-30},                        // more than 64 hash positions
		{ExpectedItems: 1 << 40, FalsePositiveRate: 1e-9}, // far over MaxGenerationBytes
	} {
		if _, err := replay.New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

func TestNoFalseNegativesAcrossRotation(t *testing.T) {
	const n = 5000
	f := mustNew(t, replay.Config{ExpectedItems: n, FalsePositiveRate: 1e-4})
	g := newTags(1)
	var inserted [][replay.TagSize]byte
	for range 3 * n {
		tag := g.next()
		if !f.Seen(tag) {
			inserted = append(inserted, tag)
		}
	}
	if st := f.Stats(); st.Rotations < 2 {
		t.Fatalf("Rotations = %d, want at least 2", st.Rotations)
	}
	// The window: every tag recorded fewer than n tags ago must be seen.
	total := len(inserted)
	for i := total - n + 1; i < total; i++ {
		if !f.Seen(inserted[i]) {
			t.Fatalf("tag %d of %d (recorded %d tags ago) not seen", i, total, total-1-i)
		}
	}
	f.Reset()
	if f.Seen(inserted[total-1]) {
		t.Fatal("tag seen after Reset")
	}
	if st := f.Stats(); st.Items != 1 {
		t.Fatalf("Items after Reset and one insert = %d", st.Items)
	}
}

// model is the exact two-generation set that Filter approximates.
type model struct {
	cur, prev map[[replay.TagSize]byte]bool
	limit     int
}

func (m *model) seen(t [replay.TagSize]byte) bool { return m.cur[t] || m.prev[t] }

func (m *model) insert(t [replay.TagSize]byte) {
	m.cur[t] = true
	if len(m.cur) >= m.limit {
		m.cur, m.prev = map[[replay.TagSize]byte]bool{}, m.cur
	}
}

// TestMatchesExactModel replays random old tags among new ones and checks
// that whenever the exact model says "seen" the filter does too, and that
// the filter's extra positives are rare.
func TestMatchesExactModel(t *testing.T) {
	const n = 1000
	f := mustNew(t, replay.Config{ExpectedItems: n, FalsePositiveRate: 1e-3})
	mdl := &model{cur: map[[replay.TagSize]byte]bool{}, prev: map[[replay.TagSize]byte]bool{}, limit: n}
	g := newTags(2)
	rng := rand.New(rand.NewPCG(2, 2))
	var history [][replay.TagSize]byte
	falsePositives, detected, forgotten := 0, 0, 0
	for range 20000 {
		tag, replayed := g.next(), false
		if len(history) > 0 && rng.IntN(3) == 0 {
			tag, replayed = history[rng.IntN(len(history))], true // possibly older than the window
		}
		want := mdl.seen(tag)
		got := f.Seen(tag)
		switch {
		case want && !got:
			t.Fatalf("false negative for a tag the exact model holds (step %d)", len(history))
		case want:
			detected++
		case got:
			falsePositives++ // the packet would be dropped, so it is not recorded
		default:
			if replayed {
				forgotten++ // older than both generations: forgotten by both
			}
			mdl.insert(tag)
			history = append(history, tag)
		}
	}
	t.Logf("%d replays detected, %d forgotten, %d false positives", detected, forgotten, falsePositives)
	if detected < 2000 || forgotten < 2000 {
		t.Fatalf("%d replays detected, %d forgotten; the test is not exercising both", detected, forgotten)
	}
	// Fresh tags: ~13,000 at a rate of at most 2e-3, mean at most ~27.
	if falsePositives > 60 {
		t.Fatalf("%d false positives, expected about 2e-3 of the fresh tags", falsePositives)
	}
}

// TestFalsePositiveRate measures the rate on fresh random tags against the
// rate a Bloom filter with independent positions would have. The tolerance
// is 5 standard deviations of the hit count plus 3% of the expected rate:
// with a million probes (a quarter under -race) that is about ±19% for the
// smallest expected count.
func TestFalsePositiveRate(t *testing.T) {
	n, probes := uint64(200_000), 1_000_000
	if raceEnabled {
		n, probes = 50_000, 250_000
	}
	for _, p := range []float64{1e-2, 1e-3} {
		f := mustNew(t, replay.Config{ExpectedItems: n, FalsePositiveRate: p})
		g := newTags(3)
		// n tags: the last one rotates, so prev is full and cur is empty.
		for range n {
			f.Seen(g.next())
		}
		measure := func(name string, want float64) {
			hits := 0
			for range probes {
				if f.Contains(g.next()) {
					hits++
				}
			}
			got := float64(hits) / float64(probes)
			tol := 5*math.Sqrt(want*float64(probes))/float64(probes) + 0.03*want
			t.Logf("p=%g %s: measured %.3g, expected %.3g ± %.2g", p, name, got, want, tol)
			if math.Abs(got-want) > tol {
				t.Errorf("p=%g %s: false-positive rate %.3g, want %.3g ± %.2g", p, name, got, want, tol)
			}
		}
		pFull := theoretical(f.Bits(), f.Hashes(), n)
		measure("one full generation", pFull)

		// Fill cur to n-1 tags: both generations full, about 2p.
		for range n - 1 {
			f.Seen(g.next())
		}
		pCur := theoretical(f.Bits(), f.Hashes(), n-1)
		measure("two full generations", 1-(1-pFull)*(1-pCur))
	}
}

// TestConcurrentDuplicates races several goroutines offering the same tags;
// for each tag exactly one call may report it new.
func TestConcurrentDuplicates(t *testing.T) {
	f := mustNew(t, replay.Config{ExpectedItems: 1 << 20, FalsePositiveRate: 1e-9})
	const workers, count = 8, 2000
	g := newTags(4)
	all := make([][replay.TagSize]byte, count)
	for i := range all {
		all[i] = g.next()
	}
	var fresh [count]atomic.Int32
	var start, wg sync.WaitGroup
	start.Add(1)
	for w := range workers {
		wg.Go(func() {
			start.Wait()
			for i := range all {
				j := (i + w*count/workers) % count // workers start at different tags
				if !f.Seen(all[j]) {
					fresh[j].Add(1)
				}
				if !f.Seen(all[i]) { // and also collide head-on
					fresh[i].Add(1)
				}
			}
		})
	}
	start.Done()
	wg.Wait()
	for i := range fresh {
		if got := fresh[i].Load(); got != 1 {
			t.Fatalf("tag %d reported new %d times, want exactly once", i, got)
		}
	}
	if st := f.Stats(); st.Items != count || st.Hits != 2*workers*count-count {
		t.Fatalf("Stats = %+v, want %d items and %d hits", st, count, 2*workers*count-count)
	}
}

// TestConcurrentRotation inserts unique tags from several goroutines through
// many rotations; each goroutine re-checks its tag right away, which must be
// seen unless a whole window of other tags got in between.
func TestConcurrentRotation(t *testing.T) {
	const n, workers, each = 2000, 4, 5000
	f := mustNew(t, replay.Config{ExpectedItems: n, FalsePositiveRate: 1e-3})
	var recorded atomic.Int64 // tags known recorded, a lower bound on the filter's count
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			g := newTags(byte(10 + w))
			for range each {
				tag := g.next()
				before := recorded.Load()
				if f.Seen(tag) {
					continue // a false positive; not recorded
				}
				recorded.Add(1)
				seen := f.Seen(tag)
				// An upper bound on the tags recorded after this one and
				// before the re-check: every tag recorded since before
				// (this one included), plus at most one per other worker
				// inside Seen and not yet counted.
				between := recorded.Load() - before + workers - 1
				if !seen && between < n {
					t.Errorf("tag not seen with at most %d tags recorded after it", between)
					return
				}
			}
		})
	}
	wg.Wait()
	if st := f.Stats(); st.Rotations < workers*each/n-2 {
		t.Fatalf("Rotations = %d, want about %d", st.Rotations, workers*each/n)
	}
}

// BenchmarkRotate measures what one Seen call pays when it fills the
// current generation at the default size: clearing 34 MiB under every lock.
func BenchmarkRotate(b *testing.B) {
	f := mustNew(b, replay.Config{ExpectedItems: replay.DefaultExpectedItems})
	g := newTags(5)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		f.Reset()
		for range 1000 {
			f.Seen(g.next())
		}
		replay.FillCurrent(f)
		b.StartTimer()
		f.Seen(g.next()) // the tag that fills the generation rotates
	}
	if f.Stats().Rotations != uint64(b.N) {
		b.Fatalf("%d rotations in %d iterations", f.Stats().Rotations, b.N)
	}
}

func BenchmarkSeen(b *testing.B) {
	f := mustNew(b, replay.Config{})
	var tag [replay.TagSize]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(tag[0:], splitmix(uint64(i)*2))
		binary.LittleEndian.PutUint64(tag[8:], splitmix(uint64(i)*2+1))
		f.Seen(tag)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tags/s")
}

func BenchmarkSeenParallel(b *testing.B) {
	f := mustNew(b, replay.Config{})
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		base := seq.Add(1) << 40
		var tag [replay.TagSize]byte
		for i := base; pb.Next(); i++ {
			binary.LittleEndian.PutUint64(tag[0:], splitmix(i*2))
			binary.LittleEndian.PutUint64(tag[8:], splitmix(i*2+1))
			f.Seen(tag)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tags/s")
}

// splitmix is SplitMix64's output function: a cheap stand-in for KDF output.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
