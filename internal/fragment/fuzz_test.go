// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package fragment

import (
	"bytes"
	"testing"
)

// FuzzReassemble feeds a genuine message's fragments interleaved with
// fuzzer-chosen bytes (as whole fragments and as corruptions of genuine
// ones). It checks that nothing panics, that bounds hold, and that a message
// carrying the genuine id is only emitted with the genuine content unless a
// corrupted copy of a genuine fragment was accepted first: fragments carry
// no integrity check of their own (the end-to-end layer authenticates each
// one before it reaches the Reassembler), so a forged fragment with a valid
// header is indistinguishable from a real one.
func FuzzReassemble(f *testing.F) {
	f.Add([]byte{}, uint16(100), uint8(3))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint16(1), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 'x'}, uint16(7), uint8(1))
	f.Fuzz(func(t *testing.T, junk []byte, msgLen uint16, mode uint8) {
		const capacity = 64
		rng := newRand(uint64(msgLen))
		msg := randomBytes(rng, int(msgLen)%2000)
		id, frags, err := Split(rng, msg, capacity, 0)
		if err != nil {
			t.Fatal(err)
		}
		r := mustReassembler(t, Config{MaxIncomplete: 4, MaxBufferedBytes: 4096})
		forged := false
		check := func(m Message, ok bool) {
			if ok && m.ID == id && !bytes.Equal(m.Data, msg) && !forged {
				t.Fatalf("genuine id %x emitted with wrong content", id)
			}
			if r.Buffered() > 4096 || r.Incomplete() > 4 {
				t.Fatalf("bounds broken: %d bytes, %d messages", r.Buffered(), r.Incomplete())
			}
		}
		// Junk as raw fragments, cut into pieces of varying sizes.
		for rest := junk; len(rest) > 0; {
			n := min(len(rest), 1+int(rest[0])%80)
			m, ok, _ := r.Add(t0, rest[:n])
			check(m, ok)
			rest = rest[n:]
		}
		for i, fr := range frags {
			if mode&1 == 1 && len(junk) > 0 {
				// Corrupt a copy with junk before the genuine one.
				c := append([]byte(nil), fr...)
				for j, b := range junk {
					c[(j*7+i)%len(c)] ^= b
				}
				m, ok, err := r.Add(t0, c)
				forged = forged || (err == nil && !bytes.Equal(c, fr))
				check(m, ok)
			}
			m, ok, _ := r.Add(t0, fr)
			check(m, ok)
		}
	})
}
