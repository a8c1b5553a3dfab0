// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp

import (
	"net/http"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OtherNextHop is the next_hop label value that aggregates the next hops
// beyond Config.MaxNextHops.
const OtherNextHop = "other"

var (
	descReceived = prometheus.NewDesc("nym_mixnode_packets_received_total",
		"Sphinx packets received since start.", nil, nil)
	descSent = prometheus.NewDesc("nym_mixnode_packets_sent_total",
		"Sphinx packets sent since start, by next hop (hops beyond the label cap are summed under next_hop=\"other\").",
		[]string{"next_hop"}, nil)
	descDropped = prometheus.NewDesc("nym_mixnode_packets_dropped_total",
		"Sphinx packets dropped since start, by reason.", []string{"reason"}, nil)
	descQueue = prometheus.NewDesc("nym_mixnode_queue_length",
		"Packets waiting in each pipeline stage.", []string{"stage"}, nil)
	descConns = prometheus.NewDesc("nym_mixnode_inbound_connections",
		"Open inbound mixnet connections.", nil, nil)
)

// collector reads the node's Stats on every scrape.
//
// A next hop gets its own next_hop label the first time it is seen, while
// fewer than max hops have one; it keeps it for the life of the process.
// Later hops are summed under OtherNextHop. So every series is monotonic
// and the number of series is at most max+1.
type collector struct {
	src StatsSource
	max int

	mu      sync.Mutex // guards labeled
	labeled map[string]bool
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceived, descSent, descDropped, descQueue, descConns} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(st.Received))
	for hop, n := range c.sentByLabel(st.Sent) {
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(n), hop)
	}
	for reason, n := range st.Dropped {
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(n), reason)
	}
	for stage, n := range st.Queued {
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(n), stage)
	}
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.Connections))
}

// sentByLabel folds the per-hop counts into at most max+1 label values.
func (c *collector) sentByLabel(sent map[string]uint64) map[string]uint64 {
	hops := make([]string, 0, len(sent))
	for h := range sent {
		hops = append(hops, h)
	}
	sort.Strings(hops) // a deterministic choice when several are new at once
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]uint64, min(len(sent), c.max+1))
	for _, h := range hops {
		if sent[h] == 0 && !c.labeled[h] {
			continue // a hop nothing reached must not take one of the labels
		}
		if !c.labeled[h] && len(c.labeled) < c.max && h != OtherNextHop {
			c.labeled[h] = true
		}
		if c.labeled[h] {
			out[h] += sent[h]
		} else {
			out[OtherNextHop] += sent[h]
		}
	}
	return out
}

// metricsHandler serves a private registry: the node's collector plus the
// Go runtime and process collectors.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		&collector{src: s.deps.Stats, max: s.cfg.MaxNextHops, labeled: make(map[string]bool)},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if s.deps.Gateway != nil {
		reg.MustRegister(gatewayCollector{s.deps.Gateway})
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}, ErrorHandling: promhttp.ContinueOnError})
}

// slogPrinter passes promhttp's errors to the server's logger.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.deps.Logger.Warn("metrics", "error", v) }
