// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
)

func TestFault(t *testing.T) {
	h, m, gw, got := pair(t, mixnode.Config{})
	route := []sphinx.Hop{m.hop(0), gw.hop(0)}
	c := h.dial(m)
	if m.Fault() {
		t.Fatal("a new node has its fault on")
	}
	send(t, c, h.packet(route, []byte("before")))
	expect(t, got, "before")

	// Switched on: every packet the node would forward is dropped and
	// counted as fault, whichever way it reaches the forwarders.
	m.SetFault(true)
	if !m.Fault() {
		t.Fatal("Fault() = false after SetFault(true)")
	}
	const lost = 5
	for i := range lost {
		send(t, c, h.packet(route, []byte{'x', byte(i)}))
	}
	waitFor(t, "the packets to be dropped as fault", func() bool { return dropped(m, mixnode.DropFault) == lost })
	err := m.Send(gw.addr, sphinx.Regular, h.packet([]sphinx.Hop{gw.hop(0)}, []byte("sent")))
	if !errors.Is(err, mixnode.ErrFault) {
		t.Errorf("Send with the fault on = %v, want ErrFault", err)
	}
	if d := dropped(m, mixnode.DropFault); d != lost+1 {
		t.Errorf("fault drops = %d, want %d", d, lost+1)
	}
	select {
	case d := <-got:
		t.Fatalf("%q was delivered through a faulty node", d.plaintext)
	default:
	}
	st := m.Stats()
	if st.Received != lost+1 {
		t.Errorf("received %d, want %d", st.Received, lost+1)
	}

	// Switched off: the node forwards again.
	m.SetFault(false)
	send(t, c, h.packet(route, []byte("after")))
	expect(t, got, "after")
	if d := dropped(m, mixnode.DropFault); d != lost+1 {
		t.Errorf("fault drops after recovery = %d, want %d", d, lost+1)
	}
	if h.log.Count("fault injection switched") != 2 {
		t.Errorf("switching the fault on and off logged %d times, want 2", h.log.Count("fault injection switched"))
	}
}

// TestFaultDelayed checks that packets released by the delay queue are
// dropped too, and that a final hop still delivers.
func TestFaultDelayed(t *testing.T) {
	h, m, gw, got := pair(t, mixnode.Config{})
	gw.SetFault(true) // a final hop still delivers
	m.SetFault(true)
	c := h.dial(m)
	send(t, c, h.packet([]sphinx.Hop{m.hop(time.Second), gw.hop(0)}, []byte("delayed")))
	waitFor(t, "the packet to be scheduled", func() bool { return m.Stats().Queued.Delayed == 1 })
	h.fake.Advance(time.Second)
	waitFor(t, "the delayed packet to be dropped", func() bool { return dropped(m, mixnode.DropFault) == 1 })

	m.SetFault(false)
	send(t, c, h.packet([]sphinx.Hop{m.hop(0), gw.hop(0)}, []byte("final")))
	expect(t, got, "final")
	if d := dropped(gw, mixnode.DropFault); d != 0 {
		t.Errorf("a final hop dropped %d packets as fault", d)
	}
}
