// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package fragment

import (
	"container/list"
	"errors"
	"fmt"
	"time"
)

// Errors returned by the Reassembler, besides [ErrMalformed] and
// [ErrTooLarge].
var (
	// ErrInconsistent means a fragment disagrees with earlier fragments of
	// the same message (size, count or length), or repeats an index with
	// different data.
	ErrInconsistent = errors.New("fragment: fragment inconsistent with its message")
	// ErrRefused means the fragment was dropped because accepting it would
	// exceed MaxBufferedBytes even after evicting every other message.
	ErrRefused = errors.New("fragment: over buffer limit")
)

// FragmentOverhead is what each buffered fragment is charged against
// MaxBufferedBytes on top of its data.
const FragmentOverhead = 64

// Config bounds a Reassembler. Zero fields take the defaults.
type Config struct {
	// MaxMessage is the largest message accepted (default DefaultMaxMessage).
	MaxMessage int
	// MaxIncomplete is the most messages buffered at once (default 64).
	// A new message beyond it evicts the oldest incomplete one.
	MaxIncomplete int
	// MaxBufferedBytes bounds the memory held for incomplete messages
	// (default 64 MiB): each buffered fragment is charged its data plus
	// FragmentOverhead bytes of bookkeeping, so tiny fragments cannot
	// multiply map entries. Going over evicts the oldest messages.
	MaxBufferedBytes int
	// Timeout is how long after its first fragment an incomplete message
	// expires (default 5 minutes).
	Timeout time.Duration
	// RememberCompleted is how many completed message ids are remembered so
	// that retransmitted fragments of them are dropped (default 4096).
	RememberCompleted int
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxMessage == 0 {
		c.MaxMessage = DefaultMaxMessage
	}
	if c.MaxIncomplete == 0 {
		c.MaxIncomplete = 64
	}
	if c.MaxBufferedBytes == 0 {
		c.MaxBufferedBytes = 64 << 20
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.RememberCompleted == 0 {
		c.RememberCompleted = 4096
	}
	if c.MaxMessage < 0 || c.MaxIncomplete < 0 || c.MaxBufferedBytes < 0 || c.Timeout < 0 || c.RememberCompleted < 0 {
		return c, fmt.Errorf("fragment: negative limit in %+v", c)
	}
	return c, nil
}

// Stats counts what a Reassembler has dropped and delivered.
type Stats struct {
	Completed  int // messages delivered
	Duplicates int // fragments already held, or of completed messages
	Malformed  int // fragments rejected by Parse or as inconsistent
	Evicted    int // incomplete messages evicted to respect a bound
	Expired    int // incomplete messages removed by Expire
	Refused    int // fragments refused (too large, over the byte limit)
}

// Message is a reassembled message.
type Message struct {
	ID   uint64
	Data []byte
}

type partial struct {
	id       uint64
	first    time.Time
	size     int // fragment size in bytes, the same for all of the message
	count    uint32
	length   uint32
	frags    map[uint32][]byte
	buffered int
	elem     *list.Element
}

// Reassembler collects fragments and returns each message once all of its
// fragments have arrived, in any order. It is not safe for concurrent use.
type Reassembler struct {
	cfg      Config
	partials map[uint64]*partial
	order    *list.List // *partial, oldest first
	buffered int
	done     map[uint64]struct{}
	doneRing []uint64 // FIFO of remembered completed ids
	doneNext int
	stats    Stats
}

// NewReassembler returns an empty Reassembler with the bounds in cfg.
func NewReassembler(cfg Config) (*Reassembler, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Reassembler{
		cfg:      c,
		partials: make(map[uint64]*partial),
		order:    list.New(),
		done:     make(map[uint64]struct{}),
		doneRing: make([]uint64, 0, min(c.RememberCompleted, 1024)),
	}, nil
}

// Stats returns the counters so far.
func (r *Reassembler) Stats() Stats { return r.stats }

// Incomplete returns how many messages are partly buffered.
func (r *Reassembler) Incomplete() int { return len(r.partials) }

// Buffered returns the bytes charged for buffered fragments (data plus
// FragmentOverhead each).
func (r *Reassembler) Buffered() int { return r.buffered }

// Add feeds one fragment received at now. It returns the message and true
// when this fragment completes one; a duplicate fragment returns false and no
// error. A fragment that fails validation returns an error wrapping
// [ErrMalformed], [ErrInconsistent], [ErrTooLarge] or [ErrRefused]; the
// Reassembler's state is unchanged by a rejected fragment except for the
// counters. Add does not retain b.
func (r *Reassembler) Add(now time.Time, b []byte) (Message, bool, error) {
	h, data, err := Parse(b)
	if err != nil {
		r.stats.Malformed++
		return Message{}, false, err
	}
	if _, ok := r.done[h.ID.Message]; ok {
		r.stats.Duplicates++
		return Message{}, false, nil
	}
	if int64(h.Length) > int64(r.cfg.MaxMessage) {
		r.stats.Refused++
		return Message{}, false, fmt.Errorf("%w: %d bytes, max %d", ErrTooLarge, h.Length, r.cfg.MaxMessage)
	}
	p := r.partials[h.ID.Message]
	if p != nil {
		if p.size != len(b) || p.count != h.Count || p.length != h.Length {
			r.stats.Malformed++
			return Message{}, false, fmt.Errorf("%w: %v", ErrInconsistent, h.ID)
		}
		if old, ok := p.frags[h.ID.Index]; ok {
			if string(old) != string(data) {
				r.stats.Malformed++
				return Message{}, false, fmt.Errorf("%w: %v repeated with other data", ErrInconsistent, h.ID)
			}
			r.stats.Duplicates++
			return Message{}, false, nil
		}
	}
	cost := len(data) + FragmentOverhead
	if cost > r.cfg.MaxBufferedBytes {
		r.stats.Refused++
		return Message{}, false, fmt.Errorf("%w: fragment of %d bytes", ErrRefused, len(data))
	}
	if h.Count == 1 {
		// Never buffered: deliver at once.
		return r.complete(h.ID.Message, append([]byte(nil), data...)), true, nil
	}
	// Make room: evict the oldest other messages until the new fragment
	// fits both bounds.
	for r.buffered+cost > r.cfg.MaxBufferedBytes || (p == nil && len(r.partials) >= r.cfg.MaxIncomplete) {
		victim := r.oldestExcept(p)
		if victim == nil {
			r.stats.Refused++
			return Message{}, false, fmt.Errorf("%w: %d bytes buffered for %v", ErrRefused, r.buffered, h.ID)
		}
		r.drop(victim)
		r.stats.Evicted++
	}
	if p == nil {
		p = &partial{
			id: h.ID.Message, first: now, size: len(b), count: h.Count, length: h.Length,
			frags: make(map[uint32][]byte),
		}
		p.elem = r.order.PushBack(p)
		r.partials[p.id] = p
	}
	p.frags[h.ID.Index] = append([]byte(nil), data...)
	p.buffered += cost
	r.buffered += cost
	if uint32(len(p.frags)) < p.count {
		return Message{}, false, nil
	}
	msg := make([]byte, 0, p.length)
	for i := range p.count {
		msg = append(msg, p.frags[i]...)
	}
	r.drop(p)
	return r.complete(p.id, msg), true, nil
}

// Expire removes the incomplete messages whose first fragment arrived
// Timeout or longer before now, and returns their ids, oldest first.
func (r *Reassembler) Expire(now time.Time) []uint64 {
	var ids []uint64
	for e := r.order.Front(); e != nil; {
		p := e.Value.(*partial)
		e = e.Next()
		if now.Sub(p.first) < r.cfg.Timeout {
			continue // arrival order is not time order if now went backwards
		}
		ids = append(ids, p.id)
		r.drop(p)
		r.stats.Expired++
	}
	return ids
}

func (r *Reassembler) oldestExcept(keep *partial) *partial {
	for e := r.order.Front(); e != nil; e = e.Next() {
		if p := e.Value.(*partial); p != keep {
			return p
		}
	}
	return nil
}

func (r *Reassembler) drop(p *partial) {
	r.order.Remove(p.elem)
	delete(r.partials, p.id)
	r.buffered -= p.buffered
}

func (r *Reassembler) complete(id uint64, data []byte) Message {
	r.stats.Completed++
	if r.cfg.RememberCompleted > 0 {
		if len(r.doneRing) < r.cfg.RememberCompleted {
			r.doneRing = append(r.doneRing, id)
		} else {
			delete(r.done, r.doneRing[r.doneNext])
			r.doneRing[r.doneNext] = id
			r.doneNext = (r.doneNext + 1) % len(r.doneRing)
		}
		r.done[id] = struct{}{}
	}
	return Message{ID: id, Data: data}
}
