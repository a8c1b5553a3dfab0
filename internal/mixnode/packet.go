// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"sync"
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
}

// bufPool hands out packets with buffers of each size type, so the steady
// state allocates nothing per packet.
type bufPool struct {
	pools [sphinx.Extended + 1]sync.Pool
}

func newBufPool() *bufPool {
	p := &bufPool{}
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

// put returns pk to its pool; the caller must not use it afterwards.
func (p *bufPool) put(pk *packet) {
	pk.recv = time.Time{}
	p.pools[pk.size].Put(pk)
}
