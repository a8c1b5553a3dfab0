// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package fragment

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

const testCap = 1580

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustReassembler(t testing.TB, cfg Config) *Reassembler {
	t.Helper()
	r, err := NewReassembler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCount(t *testing.T) {
	per := testCap - HeaderSize
	for _, tc := range []struct{ msgLen, want int }{
		{0, 1}, {1, 1}, {per - 1, 1}, {per, 1}, {per + 1, 2},
		{DefaultMaxMessage, (DefaultMaxMessage + per - 1) / per},
	} {
		got, err := Count(tc.msgLen, testCap)
		if err != nil || got != tc.want {
			t.Errorf("Count(%d) = %d, %v; want %d", tc.msgLen, got, err, tc.want)
		}
	}
	if got := (DefaultMaxMessage + per - 1) / per; got != 10755 {
		t.Errorf("16 MiB at %d bytes per fragment = %d fragments, want 10755", per, got)
	}
	if _, err := Count(1, HeaderSize); !errors.Is(err, ErrCapacity) {
		t.Errorf("Count with capacity %d: %v, want ErrCapacity", HeaderSize, err)
	}
}

func TestRoundTrip(t *testing.T) {
	per := testCap - HeaderSize
	rng := newRand(1)
	for _, size := range []int{0, 1, per - 1, per, per + 1, testCap - 1, testCap, testCap + 1, 1 << 20, DefaultMaxMessage} {
		msg := randomBytes(rng, size)
		id, frags, err := Split(rng, msg, testCap, 0)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		want, _ := Count(size, testCap)
		if len(frags) != want || id == 0 {
			t.Fatalf("size %d: %d fragments, id %x; want %d", size, len(frags), id, want)
		}
		r := mustReassembler(t, Config{MaxBufferedBytes: 2 * DefaultMaxMessage})
		rng.Shuffle(len(frags), func(i, j int) { frags[i], frags[j] = frags[j], frags[i] })
		var got []Message
		for _, f := range frags {
			if len(f) != testCap {
				t.Fatalf("size %d: fragment of %d bytes", size, len(f))
			}
			m, ok, err := r.Add(t0, f)
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if ok {
				got = append(got, m)
			}
		}
		if len(got) != 1 || got[0].ID != id || !bytes.Equal(got[0].Data, msg) {
			t.Fatalf("size %d: got %d messages", size, len(got))
		}
		if r.Buffered() != 0 || r.Incomplete() != 0 {
			t.Fatalf("size %d: %d bytes, %d messages left", size, r.Buffered(), r.Incomplete())
		}
	}
}

func TestSplitErrors(t *testing.T) {
	rng := newRand(2)
	if _, _, err := Split(rng, make([]byte, 101), testCap, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over max: %v", err)
	}
	if _, _, err := Split(rng, nil, HeaderSize, 0); !errors.Is(err, ErrCapacity) {
		t.Errorf("tiny capacity: %v", err)
	}
	if _, _, err := Split(nil, nil, testCap, 0); err == nil {
		t.Error("nil rand accepted")
	}
}

// TestLossDuplicatesRetransmit interleaves several messages, loses 10% of
// fragments, duplicates others, and retransmits the lost ones.
func TestLossDuplicatesRetransmit(t *testing.T) {
	rng := newRand(3)
	r := mustReassembler(t, Config{})
	msgs := map[uint64][]byte{}
	var all [][]byte
	for range 5 {
		msg := randomBytes(rng, rng.IntN(50_000))
		id, frags, err := Split(rng, msg, 600, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs[id] = msg
		all = append(all, frags...)
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var lost [][]byte
	var order []uint64
	deliver := func(f []byte) {
		m, ok, err := r.Add(t0, f)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if !bytes.Equal(m.Data, msgs[m.ID]) {
				t.Fatalf("message %x corrupted", m.ID)
			}
			order = append(order, m.ID)
		}
	}
	for _, f := range all {
		switch x := rng.Float64(); {
		case x < 0.1:
			lost = append(lost, f)
		case x < 0.2:
			deliver(f)
			deliver(f)
		default:
			deliver(f)
		}
	}
	for _, f := range all { // retransmit everything: completed ones must not re-emit
		deliver(f)
	}
	if len(order) != len(msgs) {
		t.Fatalf("%d messages delivered, want %d (lost %d)", len(order), len(msgs), len(lost))
	}
	seen := map[uint64]bool{}
	for _, id := range order {
		if seen[id] {
			t.Fatalf("message %x delivered twice", id)
		}
		seen[id] = true
	}
	if s := r.Stats(); s.Duplicates == 0 || s.Completed != len(msgs) {
		t.Errorf("stats %+v", s)
	}
}

func TestExpire(t *testing.T) {
	rng := newRand(4)
	r := mustReassembler(t, Config{Timeout: time.Minute})
	idA, a, _ := Split(rng, make([]byte, 5000), testCap, 0)
	idB, b, _ := Split(rng, make([]byte, 5000), testCap, 0)
	mustAdd(t, r, t0, a[0])
	mustAdd(t, r, t0.Add(30*time.Second), b[0])
	if got := r.Expire(t0.Add(59 * time.Second)); len(got) != 0 {
		t.Fatalf("expired early: %x", got)
	}
	if got := r.Expire(t0.Add(time.Minute)); len(got) != 1 || got[0] != idA {
		t.Fatalf("Expire = %x, want [%x]", got, idA)
	}
	if got := r.Expire(t0.Add(2 * time.Minute)); len(got) != 1 || got[0] != idB {
		t.Fatalf("Expire = %x, want [%x]", got, idB)
	}
	if r.Buffered() != 0 || r.Stats().Expired != 2 {
		t.Fatalf("buffered %d, stats %+v", r.Buffered(), r.Stats())
	}
	// An expired message starts afresh and can still complete.
	for _, f := range a {
		if m, ok := mustAdd(t, r, t0.Add(3*time.Minute), f); ok && m.ID != idA {
			t.Fatalf("wrong message %x", m.ID)
		}
	}
}

func mustAdd(t *testing.T, r *Reassembler, now time.Time, f []byte) (Message, bool) {
	t.Helper()
	m, ok, err := r.Add(now, f)
	if err != nil {
		t.Fatal(err)
	}
	return m, ok
}

func TestBounds(t *testing.T) {
	rng := newRand(5)
	r := mustReassembler(t, Config{MaxIncomplete: 2, MaxBufferedBytes: 3 * (testCap - HeaderSize + FragmentOverhead), MaxMessage: 100_000})
	var sets [][][]byte
	for range 3 {
		_, f, _ := Split(rng, make([]byte, 10_000), testCap, 0)
		sets = append(sets, f)
	}
	mustAdd(t, r, t0, sets[0][0])
	mustAdd(t, r, t0, sets[1][0])
	mustAdd(t, r, t0, sets[2][0]) // evicts set 0 (MaxIncomplete)
	if r.Incomplete() != 2 || r.Stats().Evicted != 1 {
		t.Fatalf("incomplete %d, stats %+v", r.Incomplete(), r.Stats())
	}
	mustAdd(t, r, t0, sets[2][1])
	mustAdd(t, r, t0, sets[2][2]) // 4 fragments > 3: evicts set 1 (bytes)
	if r.Incomplete() != 1 || r.Stats().Evicted != 2 || r.Buffered() != 3*(testCap-HeaderSize+FragmentOverhead) {
		t.Fatalf("incomplete %d, buffered %d, stats %+v", r.Incomplete(), r.Buffered(), r.Stats())
	}
	if _, _, err := r.Add(t0, sets[2][3]); !errors.Is(err, ErrRefused) {
		t.Fatalf("over bytes with one message: %v", err)
	}
	_, big, _ := Split(rng, make([]byte, 100_001), testCap, 0)
	if _, _, err := r.Add(t0, big[0]); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over MaxMessage: %v", err)
	}
	if _, err := NewReassembler(Config{Timeout: -1}); err == nil {
		t.Fatal("negative timeout accepted")
	}
}

func TestRememberCompletedBounded(t *testing.T) {
	rng := newRand(6)
	r := mustReassembler(t, Config{RememberCompleted: 2})
	var firsts [][]byte
	for range 3 {
		_, f, _ := Split(rng, []byte("hi"), testCap, 0)
		firsts = append(firsts, f[0])
		mustAdd(t, r, t0, f[0])
	}
	if _, ok := mustAdd(t, r, t0, firsts[2]); ok {
		t.Fatal("recent duplicate re-delivered")
	}
	if _, ok := mustAdd(t, r, t0, firsts[0]); !ok {
		t.Fatal("forgotten id not delivered again (memory not bounded)")
	}
	if len(r.done) != 2 {
		t.Fatalf("remembering %d ids", len(r.done))
	}
}

func TestMalformed(t *testing.T) {
	rng := newRand(7)
	_, f, _ := Split(rng, make([]byte, 3000), testCap, 0)
	r := mustReassembler(t, Config{})
	mustAdd(t, r, t0, f[0])
	mut := func(fn func(b []byte) []byte) []byte { return fn(append([]byte(nil), f[1]...)) }
	for name, b := range map[string][]byte{
		"short":       f[1][:HeaderSize],
		"zero id":     mut(func(b []byte) []byte { clear(b[:8]); return b }),
		"bad count":   mut(func(b []byte) []byte { b[15]++; return b }),
		"bad index":   mut(func(b []byte) []byte { b[11] = 9; return b }),
		"bad length":  mut(func(b []byte) []byte { b[19] ^= 0xff; b[18] ^= 0x0f; return b }),
		"padding":     mut(func(b []byte) []byte { b[len(b)-1] = 1; return b }),
		"other size":  mut(func(b []byte) []byte { return append(b[:testCap-1000:testCap-1000], make([]byte, 0)...) }),
		"other data":  append([]byte(nil), f[0][:HeaderSize+1]...),
		"dup changed": mut(func(b []byte) []byte { copy(b[:12], f[0][:12]); b[HeaderSize] ^= 1; return b }),
	} {
		if _, ok, err := r.Add(t0, b); err == nil || ok {
			t.Errorf("%s: accepted (ok=%v)", name, ok)
		}
	}
	if r.Buffered() != testCap-HeaderSize+FragmentOverhead {
		t.Fatalf("rejected fragments changed state: %d buffered", r.Buffered())
	}
}

// TestTinyFragmentsCharged: fragments with one byte of data are charged
// their bookkeeping, so a flood of them cannot grow memory past the bound.
func TestTinyFragmentsCharged(t *testing.T) {
	rng := newRand(8)
	const limit = 64 << 10
	r := mustReassembler(t, Config{MaxBufferedBytes: limit})
	_, frags, err := Split(rng, make([]byte, 100_000), HeaderSize+1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var refused int
	for _, f := range frags {
		if _, _, err := r.Add(t0, f); errors.Is(err, ErrRefused) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
		if r.Buffered() > limit {
			t.Fatalf("buffered %d > %d", r.Buffered(), limit)
		}
	}
	if r.Incomplete() != 1 {
		t.Fatalf("incomplete %d", r.Incomplete())
	}
	if refused != len(frags)-limit/(1+FragmentOverhead) {
		t.Fatalf("refused %d of %d", refused, len(frags))
	}
}
