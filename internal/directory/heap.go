// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"container/heap"
	"time"
)

// heapItem is embedded in anything kept in a timeHeap: the time it is due
// and its index in the heap (-1 when not in one).
type heapItem struct {
	due time.Time
	idx int
}

func (h *heapItem) item() *heapItem { return h }

// timeHeap is a min-heap by due time. It lets the store find what has
// expired in O(expired · log n) instead of scanning every entry, and
// stays correct if the clock jumps backwards (unlike a FIFO list).
type timeHeap[T interface{ item() *heapItem }] []T

func (h timeHeap[T]) Len() int           { return len(h) }
func (h timeHeap[T]) Less(i, j int) bool { return h[i].item().due.Before(h[j].item().due) }
func (h timeHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].item().idx = i
	h[j].item().idx = j
}

// Push implements heap.Interface; use add.
func (h *timeHeap[T]) Push(x any) {
	t := x.(T)
	t.item().idx = len(*h)
	*h = append(*h, t)
}

// Pop implements heap.Interface; use popDue.
func (h *timeHeap[T]) Pop() any {
	old := *h
	n := len(old) - 1
	t := old[n]
	var zero T
	old[n] = zero
	*h = old[:n]
	t.item().idx = -1
	return t
}

// add inserts t, due at due.
func (h *timeHeap[T]) add(t T, due time.Time) {
	t.item().due = due
	heap.Push(h, t)
}

// reschedule moves t, already in the heap, to a new due time.
func (h *timeHeap[T]) reschedule(t T, due time.Time) {
	t.item().due = due
	heap.Fix(h, t.item().idx)
}

// popDue removes and returns the earliest item if it is due at now.
func (h *timeHeap[T]) popDue(now time.Time) (T, bool) {
	if len(*h) == 0 || now.Before((*h)[0].item().due) {
		var zero T
		return zero, false
	}
	return heap.Pop(h).(T), true
}

// next returns the earliest due time, or the zero time if h is empty.
func (h timeHeap[T]) next() time.Time {
	if len(h) == 0 {
		return time.Time{}
	}
	return h[0].item().due
}
