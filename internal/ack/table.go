// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package ack keeps track of sent fragments until their acknowledgements
// arrive, decides when to retransmit, and seals and opens the ack payloads.
//
// The package is pure: no goroutines and no clock. The caller passes the
// time a packet left and the current time; it drains [Table.Events] after
// each call, in the style of etcd raft's Ready.
//
// # Retransmission
//
// A message is registered with [Table.Track] (its fragment count and a
// caller-chosen handle), then each fragment with [Table.Add] when its packet
// leaves. A fragment times out at
//
//	sentAt + Multiplier × expectedRTT + Margin
//
// (defaults 1.5 and 1.5 s, as Nym), where expectedRTT is the sum of the
// mixing delays the caller gave the packet and its SURB-ack. Retries back
// off exponentially: the n-th retry (n = 1, 2, …) waits
//
//	min((Multiplier × expectedRTT + Margin) × Backoff^n, max(MaxWait, first wait))
//
// (Backoff default 1.5, MaxWait default 30 s; Backoff 1 turns it off). The
// whole wait grows, not only the RTT part, so that retries also back off
// with zero mixing delays, where the margin is all there is. Without it an
// overloaded path (a full gateway forward queue) gets a retransmission of
// every pending fragment each margin, which keeps it overloaded until
// fragments fail after MaxTries; with it the offered retransmission load
// falls by a third each round. With the defaults and no mixing delay a
// fragment's 10 sends span about 170 s instead of 15 s. [Table.Due]
// returns the timed-out fragments; the caller re-wraps each on a fresh
// route and calls [Table.Retry]. A fragment that times out after MaxTries
// sends fails its whole message: an [Event] of kind [Failed] names it and
// the message is forgotten. When every fragment of a message is acked, a
// [Done] event names it. Timeouts live in a binary heap: Add, Retry, Ack and
// each Due result cost O(log n).
//
// # Ack payload (21 bytes, the plaintext of a sphinx Ack packet)
//
//	offset size field
//	     0    5 nonce      random, fresh for every seal
//	     5   16 sealed     XEX(k1, Δ, id.Message u64 BE ‖ id.Index u32 BE ‖ 0^4)
//
// with the 32-byte ack key split into k1 = key[0:16] and k2 = key[16:32],
// Δ = AES-128(k2, nonce ‖ 0^11) and XEX(k1, Δ, P) = AES-128(k1, P ⊕ Δ) ⊕ Δ,
// Rogaway's tweakable block cipher with the nonce as tweak. Opening reverses
// it and requires the last four plaintext bytes to be zero.
//
// Properties: a tweakable PRP makes the 16 sealed bytes look random to
// anyone without the key, and the nonce makes two acks of the same fragment
// (a retransmission) differ, so the gateway that delivers acks can neither
// read nor link them. Any forged or modified payload (including one with
// the nonce changed) decrypts to an unpredictable block, which passes the
// zero check with probability 2^-32. Nym instead uses AES-128-CTR of a 5-byte
// id under a 16-byte random IV, which is malleable and unauthenticated.
package ack

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nym-go/nym/internal/fragment"
)

// Errors returned by Table methods; callers match them with errors.Is.
var (
	// ErrFull: tracking the message would exceed MaxFragments.
	ErrFull = errors.New("ack: table full")
	// ErrUnknown: the message is not tracked (never, or no longer: done,
	// failed or forgotten) or the fragment index is out of range.
	ErrUnknown = errors.New("ack: unknown message or fragment")
	// ErrExists: the message is already tracked or the fragment added.
	ErrExists = errors.New("ack: already tracked")
	// ErrNotPending: Retry of a fragment that Due has not returned.
	ErrNotPending = errors.New("ack: fragment not awaiting retry")
)

// Config tunes a Table. Zero fields take the defaults.
type Config struct {
	Multiplier   float64       // default 1.5
	Margin       time.Duration // default 1.5 s
	MaxTries     int           // sends per fragment before failing, default 10
	MaxFragments int           // fragments of all tracked messages, default 1<<17
	Backoff      float64       // growth of each retry's wait, default 1.5; 1 = none
	MaxWait      time.Duration // cap of a retry's wait, default 30 s
}

func (c Config) withDefaults() (Config, error) {
	if c.Multiplier == 0 {
		c.Multiplier = 1.5
	}
	if c.Margin == 0 {
		c.Margin = 1500 * time.Millisecond
	}
	if c.MaxTries == 0 {
		c.MaxTries = 10
	}
	if c.MaxFragments == 0 {
		c.MaxFragments = 1 << 17
	}
	if c.Backoff == 0 {
		c.Backoff = 1.5
	}
	if c.MaxWait == 0 {
		c.MaxWait = 30 * time.Second
	}
	if c.Multiplier < 0 || c.Margin < 0 || c.MaxTries < 0 || c.MaxFragments < 0 || c.MaxWait < 0 {
		return c, fmt.Errorf("ack: negative value in %+v", c)
	}
	if c.Backoff < 1 || math.IsNaN(c.Backoff) || math.IsInf(c.Backoff, 0) {
		return c, fmt.Errorf("ack: Backoff %v, want >= 1", c.Backoff)
	}
	return c, nil
}

// RetryTimeout returns when the retry-th resend (0 for the first send) of
// a packet sent at sentAt with the given expected round trip is considered
// lost: the first wait grown by Backoff^retry, capped at MaxWait (but never
// below the first wait).
func (c Config) RetryTimeout(sentAt time.Time, rtt time.Duration, retry int) time.Time {
	first := float64(time.Duration(c.Multiplier*float64(rtt)) + c.Margin)
	w := first * math.Pow(c.Backoff, float64(retry))
	limit := max(float64(c.MaxWait), first)
	if w > limit || math.IsInf(w, 0) || math.IsNaN(w) {
		w = limit
	}
	return sentAt.Add(time.Duration(w))
}

// Timeout returns when a packet sent at sentAt with the given expected round
// trip is considered lost.
func (c Config) Timeout(sentAt time.Time, rtt time.Duration) time.Time {
	return sentAt.Add(time.Duration(c.Multiplier*float64(rtt)) + c.Margin)
}

// EventKind says what happened to a message.
type EventKind uint8

// Event kinds.
const (
	// Done: every fragment of the message was acknowledged.
	Done EventKind = iota + 1
	// Failed: a fragment went unacknowledged after MaxTries sends.
	Failed
)

// Event reports the fate of a message.
type Event[H any] struct {
	Kind    EventKind
	Message uint64
	Handle  H
	Err     error // for Failed: which fragment, after how many tries
}

type state uint8

const (
	inFlight state = iota // in the heap
	awaiting              // returned by Due, waiting for Retry
	acked
)

type entry struct {
	id       fragment.ID
	deadline time.Time
	tries    int
	state    state
	index    int // in the heap, while inFlight
}

type message[H any] struct {
	handle H
	count  uint32
	acked  uint32
	frags  map[uint32]*entry
}

// Table is the pending-fragment table. It is not safe for concurrent use.
type Table[H any] struct {
	cfg      Config
	msgs     map[uint64]*message[H]
	reserved int // sum of tracked messages' fragment counts
	heap     entryHeap
	events   []Event[H]
}

// New returns an empty Table.
func New[H any](cfg Config) (*Table[H], error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Table[H]{cfg: c, msgs: make(map[uint64]*message[H])}, nil
}

// Track registers a message of the given number of fragments under handle,
// which events will carry. It fails with ErrFull if the table would track
// more than MaxFragments fragments.
func (t *Table[H]) Track(msg uint64, handle H, fragments uint32) error {
	if _, ok := t.msgs[msg]; ok {
		return fmt.Errorf("%w: message %016x", ErrExists, msg)
	}
	if fragments == 0 {
		return fmt.Errorf("ack: message %016x has no fragments", msg)
	}
	if int64(t.reserved)+int64(fragments) > int64(t.cfg.MaxFragments) {
		return fmt.Errorf("%w: %d + %d fragments > %d", ErrFull, t.reserved, fragments, t.cfg.MaxFragments)
	}
	t.reserved += int(fragments)
	t.msgs[msg] = &message[H]{handle: handle, count: fragments, frags: make(map[uint32]*entry)}
	return nil
}

// Add records the first send of fragment id at sentAt with the expected
// round trip rtt. The message must be tracked.
func (t *Table[H]) Add(id fragment.ID, sentAt time.Time, rtt time.Duration) error {
	m := t.msgs[id.Message]
	if m == nil || id.Index >= m.count {
		return fmt.Errorf("%w: %v", ErrUnknown, id)
	}
	if _, ok := m.frags[id.Index]; ok {
		return fmt.Errorf("%w: %v", ErrExists, id)
	}
	e := &entry{id: id, deadline: t.cfg.Timeout(sentAt, rtt), tries: 1}
	m.frags[id.Index] = e
	heap.Push(&t.heap, e)
	return nil
}

// Retry records a resend of a fragment that Due returned.
func (t *Table[H]) Retry(id fragment.ID, sentAt time.Time, rtt time.Duration) error {
	e := t.entry(id)
	if e == nil {
		return fmt.Errorf("%w: %v", ErrUnknown, id)
	}
	if e.state != awaiting {
		return fmt.Errorf("%w: %v", ErrNotPending, id)
	}
	e.tries++
	e.state = inFlight
	e.deadline = t.cfg.RetryTimeout(sentAt, rtt, e.tries-1)
	heap.Push(&t.heap, e)
	return nil
}

// Ack records an acknowledgement of id. It returns true the first time a
// sent fragment is acknowledged; repeated and unknown acks return false.
// Acknowledging a message's last fragment queues a Done event.
func (t *Table[H]) Ack(id fragment.ID) bool {
	m := t.msgs[id.Message]
	if m == nil {
		return false
	}
	e := m.frags[id.Index]
	if e == nil || e.state == acked {
		return false
	}
	if e.state == inFlight {
		heap.Remove(&t.heap, e.index)
	}
	e.state = acked
	m.acked++
	if m.acked == m.count {
		t.forget(id.Message, m)
		t.events = append(t.events, Event[H]{Kind: Done, Message: id.Message, Handle: m.handle})
	}
	return true
}

// Due returns the fragments whose timeouts are at or before now, earliest
// first, for the caller to resend and pass to Retry. A fragment that has
// already been sent MaxTries times fails its message instead (a Failed
// event) and the message is forgotten.
func (t *Table[H]) Due(now time.Time) []fragment.ID {
	var ids []fragment.ID
	for len(t.heap) > 0 && !t.heap[0].deadline.After(now) {
		e := heap.Pop(&t.heap).(*entry)
		e.state = awaiting // out of the heap before forget looks at it
		m := t.msgs[e.id.Message]
		if e.tries >= t.cfg.MaxTries {
			t.forget(e.id.Message, m)
			t.events = append(t.events, Event[H]{
				Kind: Failed, Message: e.id.Message, Handle: m.handle,
				Err: fmt.Errorf("ack: fragment %v unacknowledged after %d tries", e.id, e.tries),
			})
			continue
		}
		ids = append(ids, e.id)
	}
	// A message that failed later in this call must not have fragments in
	// the result.
	n := 0
	for _, id := range ids {
		if _, ok := t.msgs[id.Message]; ok {
			ids[n] = id
			n++
		}
	}
	return ids[:n]
}

// Forget stops tracking a message (the application cancelled it) without
// an event. It reports whether the message was tracked.
func (t *Table[H]) Forget(msg uint64) bool {
	m := t.msgs[msg]
	if m == nil {
		return false
	}
	t.forget(msg, m)
	return true
}

// Events returns and clears the events queued since the last call.
func (t *Table[H]) Events() []Event[H] {
	ev := t.events
	t.events = nil
	return ev
}

// NextDeadline returns the earliest timeout, and false if nothing is in
// flight.
func (t *Table[H]) NextDeadline() (time.Time, bool) {
	if len(t.heap) == 0 {
		return time.Time{}, false
	}
	return t.heap[0].deadline, true
}

// InFlight returns how many fragments are waiting for an ack or a timeout.
func (t *Table[H]) InFlight() int { return len(t.heap) }

// Messages returns how many messages are tracked.
func (t *Table[H]) Messages() int { return len(t.msgs) }

func (t *Table[H]) entry(id fragment.ID) *entry {
	if m := t.msgs[id.Message]; m != nil {
		return m.frags[id.Index]
	}
	return nil
}

func (t *Table[H]) forget(msg uint64, m *message[H]) {
	for _, e := range m.frags {
		if e.state == inFlight {
			heap.Remove(&t.heap, e.index)
		}
	}
	delete(t.msgs, msg)
	t.reserved -= int(m.count)
}

// entryHeap orders in-flight entries by deadline.
type entryHeap []*entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
