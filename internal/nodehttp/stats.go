// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp

import (
	"maps"
	"net/http"
	"time"
)

// Stats is a node's traffic counters since start and its current queue
// lengths: the fields of the mix node pipeline's Stats that the API shows.
type Stats struct {
	// Received counts packets received.
	Received uint64
	// Sent counts packets sent, by next-hop host:port.
	Sent map[string]uint64
	// Dropped counts packets dropped, by reason.
	Dropped map[string]uint64
	// Queued is the current length of each pipeline stage's queue.
	Queued map[string]int
	// Connections is the number of open inbound connections.
	Connections int
}

// StatsSource gives the node's current Stats. It must be safe for
// concurrent use and must not return maps it later modifies.
type StatsSource interface {
	Stats() Stats
}

// StatsFunc adapts a function to StatsSource.
type StatsFunc func() Stats

// Stats implements StatsSource.
func (f StatsFunc) Stats() Stats { return f() }

type zeroStats struct{}

func (zeroStats) Stats() Stats { return Stats{} }

// snapshot is the counters at one instant.
type snapshot struct {
	at       time.Time
	received uint64
	sent     map[string]uint64
	dropped  map[string]uint64
}

func (s *Server) take() snapshot {
	st := s.deps.Stats.Stats()
	return snapshot{at: s.deps.Clock.Now(), received: st.Received, sent: maps.Clone(st.Sent), dropped: maps.Clone(st.Dropped)}
}

// Counts are the packets counted over a period, in /api/v1/stats.
type Counts struct {
	// From and To bound the period, in Unix nanoseconds.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Received counts packets received.
	Received uint64 `json:"received"`
	// Sent counts packets sent, by next-hop host:port.
	Sent map[string]uint64 `json:"sent"`
	// Dropped counts packets dropped, by reason.
	Dropped map[string]uint64 `json:"dropped"`
}

// StatsResponse is the body of /api/v1/stats.
type StatsResponse struct {
	// IntervalSeconds is the length of the snapshot interval.
	IntervalSeconds float64 `json:"interval_seconds"`
	// SinceStart counts from the server's start to this request.
	SinceStart Counts `json:"since_start"`
	// LastInterval counts between the two latest snapshots, taken every
	// IntervalSeconds; before the first interval ends it is empty, with
	// From = To = the start.
	LastInterval Counts `json:"last_interval"`
	// Queued is each stage's current queue length.
	Queued map[string]int `json:"queued"`
	// Connections is the number of open inbound connections.
	Connections int `json:"connections"`
}

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	st := s.deps.Stats.Stats()
	now := s.deps.Clock.Now()
	s.mu.Lock()
	prev, last := s.prev, s.last
	s.mu.Unlock()
	resp := StatsResponse{
		IntervalSeconds: s.cfg.StatsInterval.Seconds(),
		SinceStart: Counts{
			From: s.started.UnixNano(), To: now.UnixNano(),
			Received: st.Received, Sent: orEmpty(st.Sent), Dropped: orEmpty(st.Dropped),
		},
		LastInterval: Counts{
			From: prev.at.UnixNano(), To: last.at.UnixNano(),
			Received: last.received - min(prev.received, last.received),
			Sent:     diff(prev.sent, last.sent), Dropped: diff(prev.dropped, last.dropped),
		},
		Queued:      st.Queued,
		Connections: st.Connections,
	}
	if resp.Queued == nil {
		resp.Queued = map[string]int{}
	}
	writeJSON(w, resp)
}

// diff returns cur minus prev per key, leaving out keys with no change.
func diff(prev, cur map[string]uint64) map[string]uint64 {
	d := make(map[string]uint64)
	for k, v := range cur {
		if p := prev[k]; v > p {
			d[k] = v - p
		}
	}
	return d
}

func orEmpty(m map[string]uint64) map[string]uint64 {
	if m == nil {
		return map[string]uint64{}
	}
	return m
}
