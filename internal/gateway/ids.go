// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

// Message ids must never repeat, across restarts too: a client drops a
// message whose id it has seen as a duplicate. They start at the clock's
// nanoseconds, but a clock stepped back across a restart would reuse ids,
// and the highest stored id is not enough either (ids delivered live and
// acknowledged are gone from the inbox but still in the client's memory).
// So when the inbox implements storage.Marks, the gateway persists a
// ceiling above every id it has handed out: at start ids continue above
// max(now, ceiling), and the ceiling is raised in blocks of idBlock ids,
// one durable write per idBlock/2 messages.
const (
	idBlock = 1 << 24
	idMark  = "gateway/message-id-ceiling"
)

// idAlloc hands out message ids.
type idAlloc struct {
	last  atomic.Uint64 // last id handed out
	ceil  atomic.Uint64 // persisted: no id above it has been handed out
	marks storage.Marks // nil: ids are not persisted
	mu    sync.Mutex    // serializes raising the ceiling
	fails atomic.Uint64 // failed raises (logged)
}

// init starts the ids above the persisted ceiling and the clock, and
// reserves the first block.
func (a *idAlloc) init(marks storage.Marks, now time.Time) error {
	start := uint64(max(now.UnixNano(), 0))
	a.marks = marks
	if marks != nil {
		hi, err := marks.Mark(idMark)
		if err != nil {
			return err
		}
		start = max(start, hi)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := marks.RaiseMark(ctx, idMark, start+idBlock); err != nil {
			return err
		}
		a.ceil.Store(start + idBlock)
	}
	a.last.Store(start)
	return nil
}

// nextID returns a new message id. Once per idBlock/2 ids the caller that
// crosses the half-way point raises the persisted ceiling (one fsync);
// others carry on below the old ceiling meanwhile.
func (g *Gateway) nextID() uint64 {
	a := &g.ids
	id := a.last.Add(1)
	if a.marks == nil || id+idBlock/2 <= a.ceil.Load() {
		return id
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if id+idBlock/2 <= a.ceil.Load() {
		return id // raised meanwhile
	}
	target := a.last.Load() + idBlock
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.marks.RaiseMark(ctx, idMark, target); err != nil {
		// Keep serving: the ids stay unique unless the gateway also
		// restarts with its clock stepped back before a raise succeeds.
		a.fails.Add(1)
		g.log.Warn("persisting the message id ceiling failed", "error", err)
		return id
	}
	a.ceil.Store(target)
	return id
}
