// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import "sync/atomic"

// counters are the gateway's event counts since start.
type counters struct {
	received, unknownRecipient, malformed                          atomic.Uint64
	deliveredLive, deliveredStored, stored, corrupt                atomic.Uint64
	refusedQuotaMessages, refusedQuotaBytes, refusedBusy           atomic.Uint64
	refusedOther, acksForwarded, acksFailed, pushOverflow          atomic.Uint64
	ackTimeouts, clientPackets, clientBytes, sendFailed            atomic.Uint64
	badFrames, badRequests, badHandshakes, registrations, replaced atomic.Uint64
	refusedConns, connections, droppedReplies                      atomic.Uint64
	refusedHandshakes, refusedRegFull, refusedRegRate              atomic.Uint64
	refusedReplyQuota, refusedInboxFull, refusedPerIP              atomic.Uint64
	reoffered                                                      atomic.Uint64
}

// Stats is a snapshot of the gateway, served at /api/v1/gateway. Counts
// are since start unless they say otherwise.
type Stats struct {
	// ConnectedClients is the number of live sessions now.
	ConnectedClients int `json:"connected_clients"`
	// RegisteredClients is the number of stored client keys now.
	RegisteredClients int `json:"registered_clients"`
	// StoredMessages and StoredBytes are in the inbox now.
	StoredMessages int64 `json:"stored_messages"`
	StoredBytes    int64 `json:"stored_bytes"`
	// Connections counts authenticated connections; Replaced those that
	// took over from an older connection of the same client.
	Connections uint64 `json:"connections"`
	Replaced    uint64 `json:"replaced"`
	// Registrations counts successful registrations.
	Registrations uint64 `json:"registrations"`
	// Received counts final-hop packets handed to the gateway.
	Received uint64 `json:"received"`
	// DeliveredLive and DeliveredStored count messages acknowledged by
	// their recipient after a live push or from the inbox.
	DeliveredLive   uint64 `json:"delivered_live"`
	DeliveredStored uint64 `json:"delivered_stored"`
	// Stored counts messages written to the inbox.
	Stored uint64 `json:"stored"`
	// AckTimeouts counts pushed messages moved to the inbox for want of
	// an ack; PushOverflow counts times a slow client's push queue was
	// full.
	AckTimeouts  uint64 `json:"ack_timeouts"`
	PushOverflow uint64 `json:"push_overflow"`
	// StoredReoffered counts stored deliveries whose ack did not come
	// within the ack timeout, offered again on the same connection.
	StoredReoffered uint64 `json:"stored_reoffered"`
	// SURBAcksForwarded and SURBAcksFailed count SURB-acks sent into the
	// mixnet and refused by the next hop's queue.
	SURBAcksForwarded uint64 `json:"surb_acks_forwarded"`
	SURBAcksFailed    uint64 `json:"surb_acks_failed"`
	// ClientPackets and ClientBytes count packets clients sent; SendFailed
	// those the first hop's queue refused.
	ClientPackets uint64 `json:"client_packets"`
	ClientBytes   uint64 `json:"client_bytes"`
	SendFailed    uint64 `json:"send_failed"`
	// Dropped counts final-hop packets dropped, by reason:
	// unknown_recipient, malformed (no room for a SURB-ack), and the
	// inbox's refusals quota_messages, quota_bytes, busy, store_error,
	// and the gateway's inbox_full (Config.InboxTotalBytes) and
	// reply_quota (Config.ReplyQuota).
	// A refused message's SURB-ack is not forwarded, so its sender retries.
	Dropped map[string]uint64 `json:"dropped"`
	// Refused counts refused client traffic, by reason: bad_frame (closed),
	// bad_request (answered with an error), bad_handshake, too_many_clients
	// (authenticated while MaxClients others are connected; a client
	// replacing its own session is never refused), too_many_handshakes
	// (MaxHandshakes in progress), too_many_per_ip (MaxConnsPerIP open
	// from the remote IP), registrations_full (MaxRegistered keys
	// stored) and registrations_rate_limited (per-address rate).
	Refused map[string]uint64 `json:"refused"`
}

// Stats returns a snapshot. It reads the stores' totals.
func (g *Gateway) Stats() Stats {
	c := &g.ctr
	st := Stats{
		ConnectedClients: g.reg.count(),
		Connections:      c.connections.Load(), Replaced: c.replaced.Load(), Registrations: c.registrations.Load(),
		Received: c.received.Load(), DeliveredLive: c.deliveredLive.Load(), DeliveredStored: c.deliveredStored.Load(),
		Stored: c.stored.Load(), AckTimeouts: c.ackTimeouts.Load(), PushOverflow: c.pushOverflow.Load(),
		StoredReoffered:   c.reoffered.Load(),
		SURBAcksForwarded: c.acksForwarded.Load(), SURBAcksFailed: c.acksFailed.Load(),
		ClientPackets: c.clientPackets.Load(), ClientBytes: c.clientBytes.Load(), SendFailed: c.sendFailed.Load(),
		Dropped: map[string]uint64{
			"unknown_recipient": c.unknownRecipient.Load(), "malformed": c.malformed.Load(),
			"quota_messages": c.refusedQuotaMessages.Load(), "quota_bytes": c.refusedQuotaBytes.Load(),
			"busy": c.refusedBusy.Load(), "store_error": c.refusedOther.Load(),
			"inbox_full": c.refusedInboxFull.Load(), "reply_quota": c.refusedReplyQuota.Load(),
		},
		Refused: map[string]uint64{
			"bad_frame": c.badFrames.Load(), "bad_request": c.badRequests.Load(),
			"bad_handshake": c.badHandshakes.Load(), "too_many_clients": c.refusedConns.Load(),
			"too_many_handshakes": c.refusedHandshakes.Load(), "registrations_full": c.refusedRegFull.Load(),
			"registrations_rate_limited": c.refusedRegRate.Load(), "too_many_per_ip": c.refusedPerIP.Load(),
		},
	}
	if n, err := g.deps.Keys.CountKeys(); err == nil {
		st.RegisteredClients = n
	}
	t := g.deps.Inbox.Totals()
	st.StoredMessages, st.StoredBytes = t.Messages, t.Bytes
	return st
}
