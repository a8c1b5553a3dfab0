// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package delayq

import "time"

// Queue is a bounded min-heap of values ordered by release time. Values with
// equal release times come out in the order they were pushed (FIFO), so the
// order of output is a pure function of the pushes.
//
// Queue is the pure core of the package: it never reads a clock and starts
// no goroutines; the caller says what "now" is. It is not safe for
// concurrent use. The zero value is an empty, unbounded queue.
type Queue[T any] struct {
	h     []entry[T]
	seq   uint64
	limit int
}

type entry[T any] struct {
	at  time.Time
	seq uint64 // push order, breaks ties between equal release times
	v   T
}

func (a *entry[T]) before(b *entry[T]) bool {
	if a.at.Equal(b.at) {
		return a.seq < b.seq
	}
	return a.at.Before(b.at)
}

// NewQueue returns an empty queue that holds at most limit values; a limit
// <= 0 means no limit.
func NewQueue[T any](limit int) *Queue[T] {
	return &Queue[T]{limit: limit}
}

// Push adds v to be released at releaseAt. It returns false, and does not
// add v, when the queue already holds its limit: the full policy is
// drop-newest (tail drop), and the caller counts the drop.
func (q *Queue[T]) Push(releaseAt time.Time, v T) bool {
	if q.limit > 0 && len(q.h) >= q.limit {
		return false
	}
	q.seq++
	q.h = append(q.h, entry[T]{at: releaseAt, seq: q.seq, v: v})
	q.up(len(q.h) - 1)
	return true
}

// PopDue removes every value whose release time is not after now, appends
// them to dst in release order and returns the extended slice.
func (q *Queue[T]) PopDue(now time.Time, dst []T) []T {
	for len(q.h) > 0 && !q.h[0].at.After(now) {
		dst = append(dst, q.pop())
	}
	return dst
}

// Next returns the earliest release time in the queue, and false if the
// queue is empty.
func (q *Queue[T]) Next() (time.Time, bool) {
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return q.h[0].at, true
}

// Len returns the number of values in the queue.
func (q *Queue[T]) Len() int { return len(q.h) }

// Limit returns the queue's limit, or 0 if it has none.
func (q *Queue[T]) Limit() int { return max(q.limit, 0) }

// Drain removes every value, appends them to dst in release order and
// returns the extended slice. It is for shutdown: reporting or releasing
// what was still held.
func (q *Queue[T]) Drain(dst []T) []T {
	for len(q.h) > 0 {
		dst = append(dst, q.pop())
	}
	return dst
}

// pop removes and returns the root. The queue must not be empty.
func (q *Queue[T]) pop() T {
	last := len(q.h) - 1
	v := q.h[0].v
	q.h[0] = q.h[last]
	q.h[last] = entry[T]{} // drop the reference for the garbage collector
	q.h = q.h[:last]
	if last > 0 {
		q.down(0)
	}
	return v
}

func (q *Queue[T]) up(i int) {
	e := q.h[i]
	for i > 0 {
		parent := (i - 1) / 2
		if !e.before(&q.h[parent]) {
			break
		}
		q.h[i] = q.h[parent]
		i = parent
	}
	q.h[i] = e
}

func (q *Queue[T]) down(i int) {
	n := len(q.h)
	e := q.h[i]
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && q.h[right].before(&q.h[child]) {
			child = right
		}
		if !q.h[child].before(&e) {
			break
		}
		q.h[i] = q.h[child]
		i = child
	}
	q.h[i] = e
}
