// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/sphinx"
)

// packet is what travels through the pipeline: a pooled buffer holding one
// Sphinx packet, unwrapped in place, and what the stages learn about it.
type packet struct {
	buf  []byte // the packet, len = size.PacketSize(); owned by one stage at a time
	size sphinx.SizeType
	recv time.Time          // when the reader read it, on the node's clock
	hop  sphinx.NodeAddress // the next hop, set by the unwrap worker or Send
	held bool               // counted in bufPool.held
	// queued is when the packet entered its forwarder's queue, on the
	// node's clock, for Config.StaleAfter.
	queued time.Time
}

// bufPool hands out packets with buffers of each size type, so the steady
// state allocates nothing per packet.
//
// It also accounts the bytes of packets held in the delay queue and the
// forwarder queues: hold counts a packet in, put counts it out.
type bufPool struct {
	pools   [sphinx.Extended + 1]sync.Pool
	held    atomic.Int64
	maxHeld int64
}

func newBufPool(maxHeld int64) *bufPool {
	p := &bufPool{maxHeld: maxHeld}
	for st := sphinx.Regular; st <= sphinx.Extended; st++ {
		p.pools[st].New = func() any {
			return &packet{buf: make([]byte, st.PacketSize()), size: st}
		}
	}
	return p
}

// get returns a packet whose buffer fits st, which must be valid.
func (p *bufPool) get(st sphinx.SizeType) *packet {
	return p.pools[st].Get().(*packet)
}

// hold counts pk's bytes as held until put, and reports false (counting
// nothing) if that would pass maxHeld. A packet already held stays so.
func (p *bufPool) hold(pk *packet) bool {
	if pk.held {
		return true
	}
	n := int64(len(pk.buf))
	if p.held.Add(n) > p.maxHeld {
		p.held.Add(-n)
		return false
	}
	pk.held = true
	return true
}

// put returns pk to its pool; the caller must not use it afterwards.
func (p *bufPool) put(pk *packet) {
	if pk.held {
		p.held.Add(-int64(len(pk.buf)))
		pk.held = false
	}
	pk.recv, pk.queued = time.Time{}, time.Time{}
	p.pools[pk.size].Put(pk)
}
