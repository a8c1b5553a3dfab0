// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"testing"
)

// TestNewStreamFloodBounded: a client that opens stream after stream past
// MaxStreams and sends no SURBs cannot make the exit queue resets (which
// need credits to leave) or remember refused ids without bound.
func TestNewStreamFloodBounded(t *testing.T) {
	id := [16]byte{7}
	exit, err := New(Config{Role: Exit, SessionID: id, MaxMessage: 1600, MaxStreams: 4}, Deps{
		Send:   func(context.Context, []byte, int) error { return nil },
		Accept: func(st *Stream, _ string) { st.Accept() },
	})
	if err != nil {
		t.Fatal(err)
	}
	next := uint32(1)
	for range 200 { // 200 messages of 50 Opens each: 10,000 new ids
		msg := AppendHeader(nil, id)
		for range 50 {
			msg = AppendFrame(msg, Frame{Kind: KindOpen, Stream: next, Body: []byte("127.0.0.1:80")})
			next++
		}
		exit.Handle(msg)
	}
	exit.mu.Lock()
	ctrl, gone := len(exit.ctrl), len(exit.gone)
	exit.mu.Unlock()
	if max := exit.maxPending(); ctrl > max || gone > max {
		t.Fatalf("after 10,000 refused streams the exit holds %d queued frames and %d refused ids, bound %d", ctrl, gone, max)
	}
	if st := exit.Stats(); st.DroppedResets == 0 {
		t.Fatalf("no reset counted as dropped: %+v", st)
	}
}
