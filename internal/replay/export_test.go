// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package replay

import (
	"encoding/binary"
	"sync/atomic"
)

// Contains reports whether tag is in either generation, without recording
// it, so that tests can measure the false-positive rate without filling the
// filter.
func (f *Filter) Contains(tag [TagSize]byte) bool {
	h1 := binary.LittleEndian.Uint64(tag[0:8])
	h2 := binary.LittleEndian.Uint64(tag[8:16]) | 1
	mu := &f.locks[tag[TagSize-1]]
	mu.Lock()
	defer mu.Unlock()
	for i, h := 0, h1; i < f.k; i, h = i+1, h+h2 {
		word, bit := f.position(h)
		if atomic.LoadUint64(&f.cur[word])&bit == 0 {
			return f.inPrev(h1, h2)
		}
	}
	return true
}

// Sizing returns the bits per generation and hash positions New would use.
func Sizing(cfg Config) (bits uint64, hashes int, err error) { return cfg.sizing() }

// FillCurrent makes the current generation count as one tag short of full,
// so that the next new tag rotates.
func FillCurrent(f *Filter) { f.count.Store(f.limit - 1) }
