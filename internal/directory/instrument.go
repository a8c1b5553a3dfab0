// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Route labels for requests no registered route handled.
const (
	routeUnmatched = "unmatched"
	routePreflight = "preflight"
)

// instruments holds the server's Prometheus metrics, all in a registry of
// its own (never the global one), so that several servers can run in one
// process.
type instruments struct {
	reg             *prometheus.Registry
	requests        *prometheus.CounterVec   // route, code
	duration        *prometheus.HistogramVec // route
	presenceRefused *prometheus.CounterVec   // reason
	presenceOK      *prometheus.CounterVec   // kind
	metricsRejected *prometheus.CounterVec   // reason
	// reliabilityRejected counts refused monitor reports by reason.
	reliabilityRejected *prometheus.CounterVec
	wsDropped           prometheus.Counter
	topologyBuilds      prometheus.Counter

	// routes caches per-route children, so that a request does not hash
	// label values. Written only before the server serves.
	routes map[string]*routeStats
}

// routeStats are one route's children of requests and duration.
type routeStats struct {
	duration prometheus.Observer
	codes    sync.Map // int status → prometheus.Counter
	route    string
	requests *prometheus.CounterVec
}

func newInstruments(s *Server) *instruments {
	in := &instruments{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nym_directory_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nym_directory_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern (websocket sessions are not observed).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"route"}),
		presenceRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nym_directory_presence_rejected_total",
			Help: "Refused presence announcements by reason.",
		}, []string{"reason"}),
		presenceOK: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nym_directory_presence_accepted_total",
			Help: "Accepted presence announcements by kind.",
		}, []string{"kind"}),
		metricsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nym_directory_metrics_rejected_total",
			Help: "Refused mix metric reports by reason (full: the window was full; per_key: the pubKey had sent its share of the window).",
		}, []string{"reason"}),
		reliabilityRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nym_directory_reliability_rejected_total",
			Help: "Refused network monitor reports by reason.",
		}, []string{"reason"}),
		wsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nym_directory_ws_dropped_subscribers_total",
			Help: "Websocket subscribers dropped because their queue was full.",
		}),
		topologyBuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nym_directory_topology_builds_total",
			Help: "Times the topology was serialised.",
		}),
		routes: make(map[string]*routeStats),
	}
	for _, r := range []string{"too_large", "bad_request", "unsigned", "bad_timestamp", "bad_signature", "bound", "replay", "full", "state"} {
		in.presenceRefused.WithLabelValues(r)
	}
	for _, r := range []string{"too_large", "bad_request", "full", "per_key"} {
		in.metricsRejected.WithLabelValues(r)
	}
	for _, r := range []string{"too_large", "bad_request", "bad_timestamp", "bad_signature", "unknown_monitor", "replay", "full"} {
		in.reliabilityRejected.WithLabelValues(r)
	}
	for _, k := range kinds {
		in.presenceOK.WithLabelValues(string(k.name))
	}
	in.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		in.requests, in.duration, in.presenceRefused, in.presenceOK, in.metricsRejected,
		in.reliabilityRejected, in.wsDropped, in.topologyBuilds,
	)
	for k, info := range kinds {
		in.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "nym_directory_live_nodes",
			Help:        "Live (unexpired) presence records by kind.",
			ConstLabels: prometheus.Labels{"kind": string(info.name)},
		}, func() float64 {
			n, _ := s.store.counts(s.now())
			return float64(n[k])
		}))
	}
	in.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "nym_directory_bindings",
			Help: "pubKeys bound to an identity.",
		}, func() float64 {
			_, b := s.store.counts(s.now())
			return float64(b)
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nym_directory_refused_connections_total",
			Help: "Connections closed at once because their remote IP had MaxConnsPerIP open.",
		}, func() float64 { return float64(s.RefusedConns()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "nym_directory_ws_subscribers",
			Help: "Connected websocket subscribers.",
		}, func() float64 { return float64(s.hub.len()) }),
	)
	for _, r := range []string{routeUnmatched, routePreflight} {
		in.route(r)
	}
	return in
}

// route returns (creating) the stats of a route pattern. It is called
// only while the server is being built.
func (in *instruments) route(pattern string) *routeStats {
	rs := in.routes[pattern]
	if rs == nil {
		rs = &routeStats{duration: in.duration.WithLabelValues(pattern), route: pattern, requests: in.requests}
		in.routes[pattern] = rs
	}
	return rs
}

// observe records one request.
func (rs *routeStats) observe(code int, d time.Duration, timed bool) {
	c, ok := rs.codes.Load(code)
	if !ok {
		c, _ = rs.codes.LoadOrStore(code, rs.requests.WithLabelValues(rs.route, strconv.Itoa(code)))
	}
	c.(prometheus.Counter).Inc()
	if timed {
		rs.duration.Observe(d.Seconds())
	}
}

// handler serves the registry in the Prometheus text format.
func (in *instruments) handler() http.Handler {
	return promhttp.HandlerFor(in.reg, promhttp.HandlerOpts{Registry: in.reg})
}
