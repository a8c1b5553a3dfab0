// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"fmt"
	"io"
	"sync/atomic"
)

// counters are the Requester's live counters.
type counters struct {
	messagesReceived, messagesDropped, malformed        atomic.Uint64
	sessionsOpened, sessionsExpired, sessionsRefused    atomic.Uint64
	unknownSession, localRefused                        atomic.Uint64
	streamsAccepted, streamsRefused, dialFailures       atomic.Uint64
	surbsStored, surbsDropped, repliesSent, replyErrors atomic.Uint64
	bytesToTarget, bytesToClient                        atomic.Uint64
}

// Stats counts what a Requester did since it was made.
type Stats struct {
	MessagesReceived uint64 // client→exit messages with a session id
	MessagesDropped  uint64 // replies, no session id, unknown session without an Open, over MaxSessions
	UnknownSession   uint64 // of those: an unknown session's message without an Open frame or a SURB
	Malformed        uint64 // messages the session refused
	SessionsActive   int
	SessionsOpened   uint64
	SessionsExpired  uint64 // ended after SessionIdle
	SessionsRefused  uint64 // over MaxSessions
	StreamsAccepted  uint64
	StreamsRefused   uint64 // not allowed, bad target, local address or connect failed
	LocalRefused     uint64 // of those: every address in a local range (loopback, private, ...)
	DialFailures     uint64
	SURBsStored      uint64
	SURBsDropped     uint64 // over MaxSURBsPerSession
	RepliesSent      uint64
	ReplyErrors      uint64
	BytesToTarget    uint64
	BytesToClient    uint64
}

// Stats returns the current counts.
func (r *Requester) Stats() Stats {
	c := &r.stats
	return Stats{
		MessagesReceived: c.messagesReceived.Load(), MessagesDropped: c.messagesDropped.Load(),
		Malformed: c.malformed.Load(), SessionsActive: r.Sessions(),
		SessionsOpened: c.sessionsOpened.Load(), SessionsExpired: c.sessionsExpired.Load(),
		SessionsRefused: c.sessionsRefused.Load(), UnknownSession: c.unknownSession.Load(),
		StreamsAccepted: c.streamsAccepted.Load(), LocalRefused: c.localRefused.Load(),
		StreamsRefused: c.streamsRefused.Load(), DialFailures: c.dialFailures.Load(),
		SURBsStored: c.surbsStored.Load(), SURBsDropped: c.surbsDropped.Load(),
		RepliesSent: c.repliesSent.Load(), ReplyErrors: c.replyErrors.Load(),
		BytesToTarget: c.bytesToTarget.Load(), BytesToClient: c.bytesToClient.Load(),
	}
}

// WriteMetrics writes s in the Prometheus text format, with names prefixed
// nym_netreq_.
func (s Stats) WriteMetrics(w io.Writer) error {
	for _, m := range []struct {
		name, kind, help string
		v                uint64
	}{
		{"messages_received_total", "counter", "Client messages with a session id.", s.MessagesReceived},
		{"messages_dropped_total", "counter", "Messages dropped before a session.", s.MessagesDropped},
		{"messages_malformed_total", "counter", "Messages a session refused.", s.Malformed},
		{"sessions_active", "gauge", "Live client sessions.", uint64(s.SessionsActive)},
		{"sessions_opened_total", "counter", "Sessions started.", s.SessionsOpened},
		{"sessions_expired_total", "counter", "Sessions ended as idle.", s.SessionsExpired},
		{"sessions_refused_total", "counter", "Sessions refused over the limit.", s.SessionsRefused},
		{"streams_accepted_total", "counter", "Streams connected to their target.", s.StreamsAccepted},
		{"streams_refused_total", "counter", "Streams refused.", s.StreamsRefused},
		{"streams_local_refused_total", "counter", "Streams refused as the target is in a local range.", s.LocalRefused},
		{"messages_unknown_session_total", "counter", "Messages of unknown sessions that could not open one.", s.UnknownSession},
		{"dial_failures_total", "counter", "Failed connects.", s.DialFailures},
		{"surbs_stored_total", "counter", "Reply SURBs stored.", s.SURBsStored},
		{"surbs_dropped_total", "counter", "Reply SURBs dropped over the per-session limit.", s.SURBsDropped},
		{"replies_sent_total", "counter", "Replies sent through SURBs.", s.RepliesSent},
		{"reply_errors_total", "counter", "Replies that could not be sent.", s.ReplyErrors},
		{"bytes_to_target_total", "counter", "Bytes written to targets.", s.BytesToTarget},
		{"bytes_to_client_total", "counter", "Bytes read from targets for clients.", s.BytesToClient},
	} {
		if _, err := fmt.Fprintf(w, "# HELP nym_netreq_%s %s\n# TYPE nym_netreq_%s %s\nnym_netreq_%s %d\n",
			m.name, m.help, m.name, m.kind, m.name, m.v); err != nil {
			return err
		}
	}
	return nil
}
