// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

func TestConnClock(t *testing.T) {
	fake := clocktest.NewFake(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	nw := wiretest.NewNetwork(wiretest.Config{Clock: fake})
	defer nw.Close()
	ln, err := nw.Listen("10.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if wire.ConnClock(nw) != clock.Clock(fake) || wire.ConnClock(ln) != clock.Clock(fake) {
		t.Error("wiretest's Network and listener do not report the network's clock")
	}
	if got := wire.ConnClock(wire.TCPDialer{}).Now(); time.Since(got) > time.Minute {
		t.Errorf("TCPDialer's clock reads %v, want the wall clock", got)
	}
}

func TestReaderBuffered(t *testing.T) {
	frame, _ := wire.AppendFrame(nil, 2, make([]byte, 386))
	r := wire.NewReaderSize(bytes.NewReader(append(frame, frame...)), 512)
	if _, err := r.ReadFrame(nil); err != nil {
		t.Fatal(err)
	}
	if got := r.Buffered(); got != 512-len(frame) {
		t.Errorf("Buffered = %d, want %d", got, 512-len(frame))
	}
}
