// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
)

// PathGateway serves a gateway's client and inbox statistics.
const PathGateway = "/api/v1/gateway"

// GatewayStats is the body of /api/v1/gateway. Client identities are never
// listed: the counts are all a reader learns.
type GatewayStats struct {
	// ConnectedClients have a live websocket session now.
	ConnectedClients int `json:"connected_clients"`
	// RegisteredClients have a stored shared key.
	RegisteredClients int `json:"registered_clients"`
	// StoredMessages and StoredBytes are in the inbox now.
	StoredMessages int64 `json:"stored_messages"`
	StoredBytes    int64 `json:"stored_bytes"`
	// Counters are events since start, by name (received, stored,
	// delivered_live, delivered_stored, surb_acks_forwarded, ...).
	Counters map[string]uint64 `json:"counters"`
	// Dropped counts final-hop messages not accepted, by reason (including
	// the inbox's quota refusals quota_messages and quota_bytes).
	Dropped map[string]uint64 `json:"dropped"`
	// Refused counts refused client traffic, by reason.
	Refused map[string]uint64 `json:"refused"`
}

// GatewaySource reports a gateway's statistics.
type GatewaySource interface {
	GatewayStats() GatewayStats
}

var (
	descGwClients = prometheus.NewDesc("nym_gateway_clients",
		"Clients of the gateway, by state (connected, registered).", []string{"state"}, nil)
	descGwInbox = prometheus.NewDesc("nym_gateway_inbox",
		"What the inbox holds now, by unit (messages, bytes).", []string{"unit"}, nil)
	descGwEvents = prometheus.NewDesc("nym_gateway_events_total",
		"Gateway events since start, by event.", []string{"event"}, nil)
	descGwDropped = prometheus.NewDesc("nym_gateway_messages_dropped_total",
		"Final-hop messages not accepted since start, by reason.", []string{"reason"}, nil)
	descGwRefused = prometheus.NewDesc("nym_gateway_client_refused_total",
		"Refused client traffic since start, by reason.", []string{"reason"}, nil)
)

// gatewayCollector exports a GatewaySource on /metrics.
type gatewayCollector struct{ src GatewaySource }

func (c gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGwClients, descGwInbox, descGwEvents, descGwDropped, descGwRefused} {
		ch <- d
	}
}

func (c gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.GatewayStats()
	g := func(d *prometheus.Desc, v float64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, label)
	}
	g(descGwClients, float64(st.ConnectedClients), "connected")
	g(descGwClients, float64(st.RegisteredClients), "registered")
	g(descGwInbox, float64(st.StoredMessages), "messages")
	g(descGwInbox, float64(st.StoredBytes), "bytes")
	for _, m := range []struct {
		d  *prometheus.Desc
		vs map[string]uint64
	}{{descGwEvents, st.Counters}, {descGwDropped, st.Dropped}, {descGwRefused, st.Refused}} {
		for k, v := range m.vs {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(v), k)
		}
	}
}

func (s *Server) gateway(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.deps.Gateway.GatewayStats())
}
