// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

// sizeCheck counts the packets a client hands its gateway and those whose
// length is not that of a Regular packet.
type sizeCheck struct {
	client.Conn
	sent, odd *atomic.Int64
}

func (s *sizeCheck) Send(ctx context.Context, hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	s.sent.Add(1)
	if size != sphinx.Regular || len(pkt) != sphinx.Regular.PacketSize() {
		s.odd.Add(1)
	}
	return s.Conn.Send(ctx, hop, size, pkt)
}

// unknownRecipients sums the gateways' drops of packets for unknown
// recipients.
func (tn *testNet) unknownRecipients() uint64 {
	var n uint64
	for _, g := range tn.gws {
		n += g.gw.Stats().Dropped["unknown_recipient"]
	}
	return n
}

// TestDropCover: with drop cover on, the client's drop stream sends
// full-size packets through the mixes to random gateways, which drop them
// as addressed to unknown recipients; with it off (the default), nothing
// reaches a gateway for an unknown recipient although cover flows.
func TestDropCover(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	var sent, odd atomic.Int64
	wrap := func(c client.Conn) client.Conn { return &sizeCheck{Conn: c, sent: &sent, odd: &odd} }

	t.Run("off", func(t *testing.T) {
		tn.newClient(t, 0, clientOpts{seed: 11, wrap: wrap})
		before := tn.gws[0].gw.Stats().Received
		// Loop cover comes back to the client's own gateway.
		poll.Until(t, "100 cover packets at the gateway", 15*time.Second, func() bool {
			return tn.gws[0].gw.Stats().Received >= before+100
		})
		if n := tn.unknownRecipients(); n != 0 {
			t.Fatalf("%d packets for unknown recipients with drop cover off", n)
		}
	})
	t.Run("on", func(t *testing.T) {
		// The drop stream sends about as often as the two other streams
		// together.
		tn.newClient(t, 1, clientOpts{seed: 12, wrap: wrap, dropMean: 5 * time.Millisecond})
		poll.Until(t, "50 drop-cover packets dropped by gateways", 15*time.Second, func() bool {
			return tn.unknownRecipients() >= 50
		})
		for i, g := range tn.gws {
			if n := g.gw.Stats().Dropped["unknown_recipient"]; n == 0 {
				t.Errorf("gateway %d dropped no drop cover: gateways are not chosen at random", i)
			}
		}
	})
	if odd.Load() != 0 {
		t.Fatalf("%d of %d packets are not Regular-sized", odd.Load(), sent.Load())
	}
	t.Logf("%d packets sent, %d dropped for unknown recipients", sent.Load(), tn.unknownRecipients())
}
