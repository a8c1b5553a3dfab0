// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import "github.com/prometheus/client_golang/prometheus"

var descConns = prometheus.NewDesc("nym_client_api_connections",
	"Open connections of applications to the local API.", nil, nil)

// counter is one Stats counter exported by Collector.
type counter struct {
	desc *prometheus.Desc
	get  func(Stats) uint64
}

func newCounter(name, help string, get func(Stats) uint64) counter {
	return counter{prometheus.NewDesc(name, help, nil, nil), get}
}

var counters = []counter{
	newCounter("nym_client_api_refused_total", "Connections refused (too many, shutting down, host or origin not allowed).", func(s Stats) uint64 { return s.Refused }),
	newCounter("nym_client_api_slow_drops_total", "Connections closed because their write queue was full.", func(s Stats) uint64 { return s.SlowDrops }),
	newCounter("nym_client_api_write_failures_total", "Connections closed because a write failed or timed out.", func(s Stats) uint64 { return s.WriteFailures }),
	newCounter("nym_client_api_bad_requests_total", "Requests answered with a request error.", func(s Stats) uint64 { return s.BadRequests }),
	newCounter("nym_client_api_received_total", "Received messages handed to applications.", func(s Stats) uint64 { return s.Received }),
	newCounter("nym_client_api_failures_total", "Sent messages reported failed by the client.", func(s Stats) uint64 { return s.Failures }),
	newCounter("nym_client_api_failures_logged_total", "Failures with no application connected to report them to.", func(s Stats) uint64 { return s.FailuresLogged }),
	newCounter("nym_client_api_encode_failures_total", "JSON responses that failed to encode and were sent in binary form.", func(s Stats) uint64 { return s.EncodeFailures }),
}

// Collector returns a Prometheus collector of the server's Stats.
func (s *Server) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descConns
	for _, m := range counters {
		ch <- m.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.Conns))
	for _, m := range counters {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.CounterValue, float64(m.get(st)))
	}
}
