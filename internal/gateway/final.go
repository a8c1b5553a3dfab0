// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// message is one accepted message on its way to its recipient.
type message struct {
	id       uint64
	flags    byte
	data     []byte
	ackHop   sphinx.NodeAddress
	ack      []byte    // the SURB-ack packet to forward once the message is safe; nil if none
	deadline time.Time // ack deadline while pending
}

// Final handles a packet whose final hop is this gateway (mixnode's
// Deps.Final). It never blocks: the message is pushed to its recipient's
// live session or handed to the inbox. It copies what it keeps, so
// u.Payload may be reused when it returns.
func (g *Gateway) Final(u *sphinx.Unwrapped) {
	g.ctr.received.Add(1)
	client := storage.ClientID(u.Destination)
	if !g.isRegistered(client) {
		g.ctr.unknownRecipient.Add(1)
		return
	}
	m := &message{}
	pt, err := sphinx.OpenPayload(u.Payload)
	switch {
	case err != nil: // a reply through a SURB: deliver the still-encrypted payload
		// The identifier tells the client which SURB's keys open it.
		m.flags = gwproto.FlagReply | gwproto.FlagIdentifier
		m.data = gwproto.AppendIdentifier(make([]byte, 0, sphinx.IdentifierSize+len(u.Payload)), u.Identifier, u.Payload)
	case u.Size == sphinx.Ack:
		m.flags = gwproto.FlagAck
		m.data = slices.Clone(pt)
	default:
		hop, ack, body, ok, err := gwproto.SplitSURBAck(pt)
		if err != nil {
			g.ctr.malformed.Add(1)
			return
		}
		if ok {
			m.ackHop, m.ack = hop, slices.Clone(ack)
		}
		m.data = slices.Clone(body)
	}
	g.deliver(client, m)
}

// isRegistered reports whether client has a stored key (cached once seen).
func (g *Gateway) isRegistered(client storage.ClientID) bool {
	if _, ok := g.known.Load(client); ok {
		return true
	}
	_, ok, err := g.deps.Keys.GetKey(g.ctx, client)
	if err != nil || !ok {
		return false
	}
	g.remember(client)
	return true
}

// remember caches that client has a stored key. The cache is bounded: at
// knownCache entries it is cleared and refills from the key store.
func (g *Gateway) remember(client storage.ClientID) {
	if _, loaded := g.known.LoadOrStore(client, struct{}{}); loaded {
		return
	}
	if g.knownN.Add(1) > knownCache {
		g.known.Clear()
		g.knownN.Store(0)
	}
}

// admitInbox refuses a new message for the inbox when the gateway-wide
// byte limit or (for a reply-flagged message) the client's reply
// sub-quota is reached; it counts the refusal.
func (g *Gateway) admitInbox(client storage.ClientID, m *message) bool {
	if lim := g.cfg.InboxTotalBytes; lim > 0 && g.deps.Inbox.Totals().Bytes+int64(len(m.data)+recordHeader) > lim {
		g.ctr.refusedInboxFull.Add(1)
		return false
	}
	if m.flags&gwproto.FlagReply != 0 && g.cfg.ReplyQuota > 0 {
		if u, err := g.deps.Inbox.Usage(client); err == nil && u.Messages >= g.cfg.ReplyQuota {
			g.ctr.refusedReplyQuota.Add(1)
			return false
		}
	}
	return true
}

// deliver assigns m its id and pushes it to client's live session, or
// stores it. Under the client's order lock, ids are assigned and inbox
// writes queued in the same order, so the inbox keeps the client's
// messages in id (acceptance) order.
func (g *Gateway) deliver(client storage.ClientID, m *message) {
	lk := g.orderLock(client)
	lk.Lock()
	defer lk.Unlock()
	m.id = g.nextID()
	var spill []*message
	g.reg.mu.Lock()
	if s := g.reg.sessions[client]; s != nil && !s.closed && !s.draining {
		if s.offer(m) {
			g.reg.mu.Unlock()
			return
		}
		// The client does not keep up (or is stalled): everything it has
		// not acknowledged goes to the inbox ahead of m, and the session
		// drains the inbox before it pushes again, keeping order.
		s.mu.Lock()
		spill = s.takeLocked()
		s.mu.Unlock()
		s.draining = true
		g.ctr.pushOverflow.Add(1)
	}
	g.reg.puts[client] += len(spill)
	g.reg.mu.Unlock()
	for _, p := range spill {
		g.putInbox(client, p)
	}
	if g.admitInbox(client, m) {
		g.store(client, m)
	}
}

// store hands m to the inbox (it was pushed but not acknowledged). The
// caller holds the client's order lock.
func (g *Gateway) store(client storage.ClientID, m *message) {
	g.reg.mu.Lock()
	g.reg.puts[client]++
	g.reg.mu.Unlock()
	g.putInbox(client, m)
}

// orderLocks serialize, per client (striped), id assignment and inbox
// writes; see deliver.
const orderLocks = 64

// orderLock returns client's order lock. Lock order: order lock, then
// g.reg.mu, then a session's mu.
func (g *Gateway) orderLock(client storage.ClientID) *sync.Mutex {
	return &g.order[int(client[0])%orderLocks]
}

// putInbox writes m durably; once it is, m's SURB-ack is forwarded and the
// client's session (if any) is told to fetch. The caller has counted the
// write in g.reg.puts.
func (g *Gateway) putInbox(client storage.ClientID, m *message) {
	g.deps.Inbox.PutAsync(client, encodeRecord(m), func(_ storage.Message, err error) {
		g.reg.mu.Lock()
		if g.reg.puts[client]--; g.reg.puts[client] <= 0 {
			delete(g.reg.puts, client)
		}
		s := g.reg.sessions[client]
		g.reg.mu.Unlock()
		if err != nil {
			g.countRefusal(err)
		} else {
			g.ctr.stored.Add(1)
			g.forwardAck(m)
		}
		if s != nil {
			s.kick()
		}
	})
}

// countRefusal counts a failed inbox write; the message's SURB-ack is not
// forwarded, so its sender retransmits.
func (g *Gateway) countRefusal(err error) {
	switch {
	case errors.Is(err, storage.ErrQuotaMessages):
		g.ctr.refusedQuotaMessages.Add(1)
	case errors.Is(err, storage.ErrQuotaBytes):
		g.ctr.refusedQuotaBytes.Add(1)
	case errors.Is(err, storage.ErrBusy):
		g.ctr.refusedBusy.Add(1)
	default:
		g.ctr.refusedOther.Add(1)
		g.log.Warn("inbox write failed", "error", err)
	}
}

// forwardAck sends m's SURB-ack into the mixnet, once.
func (g *Gateway) forwardAck(m *message) {
	if m.ack == nil {
		return
	}
	ack := m.ack
	m.ack = nil
	if err := g.deps.Forward(m.ackHop, sphinx.Ack, ack); err != nil {
		g.ctr.acksFailed.Add(1)
		return
	}
	g.ctr.acksForwarded.Add(1)
}

// A stored record is message id (u64 BE) ‖ flags (1) ‖ data.
const recordHeader = 9

func encodeRecord(m *message) []byte {
	b := make([]byte, recordHeader, recordHeader+len(m.data))
	binary.BigEndian.PutUint64(b, m.id)
	b[8] = m.flags
	return append(b, m.data...)
}

func decodeRecord(b []byte) (id uint64, flags byte, data []byte, ok bool) {
	if len(b) < recordHeader {
		return 0, 0, nil, false
	}
	return binary.BigEndian.Uint64(b), b[8], b[recordHeader:], true
}
