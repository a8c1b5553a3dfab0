// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"context"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nym-go/nym/internal/nativeclient"
)

// Collectors returns the proxy's Prometheus metrics: counts only, no
// targets or addresses.
func (p *Proxy) Collectors() []prometheus.Collector {
	counter := func(name, help string, f func(ProxyStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "nym_socks5_" + name, Help: help},
			func() float64 { return float64(f(p.Stats())) })
	}
	gauge := func(name, help string, f func(ProxyStats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nym_socks5_" + name, Help: help},
			func() float64 { return float64(f(p.Stats())) })
	}
	return []prometheus.Collector{
		counter("connections_total", "SOCKS connections accepted.", func(s ProxyStats) uint64 { return s.Connections }),
		counter("refused_total", "CONNECTs the exit refused (SOCKS reply 0x02).", func(s ProxyStats) uint64 { return s.Refused }),
		counter("failed_total", "CONNECTs that failed otherwise (no answer in time, session errors).", func(s ProxyStats) uint64 { return s.Failed }),
		counter("foreign_messages_total", "Received messages that were not replies of this session.", func(s ProxyStats) uint64 { return s.Foreign }),
		gauge("streams", "Streams open.", func(s ProxyStats) int { return s.Session.StreamsActive }),
		counter("streams_opened_total", "Streams opened.", func(s ProxyStats) uint64 { return s.Session.StreamsOpened }),
		counter("streams_reset_total", "Streams reset (by either side, idle or protocol errors).", func(s ProxyStats) uint64 { return s.Session.StreamsReset }),
		counter("streams_idle_closed_total", "Streams closed after the idle timeout.", func(s ProxyStats) uint64 { return s.Session.StreamsIdleClosed }),
		counter("messages_sent_total", "Stream-protocol messages sent to the provider.", func(s ProxyStats) uint64 { return s.Session.MessagesSent }),
		counter("messages_received_total", "Stream-protocol messages received from the provider.", func(s ProxyStats) uint64 { return s.Session.MessagesReceived }),
		counter("send_errors_total", "Messages the client core did not take.", func(s ProxyStats) uint64 { return s.Session.SendErrors }),
		counter("malformed_messages_total", "Replies that failed to decode.", func(s ProxyStats) uint64 { return s.Session.Malformed }),
		counter("protocol_errors_total", "Frames that broke the stream protocol.", func(s ProxyStats) uint64 { return s.Session.ProtocolErrors }),
		counter("bytes_sent_total", "Payload bytes sent to the exit.", func(s ProxyStats) uint64 { return s.Session.DataBytesSent }),
		counter("bytes_read_total", "Payload bytes received from the exit and read.", func(s ProxyStats) uint64 { return s.Session.DataBytesRead }),
		counter("duplicate_frames_total", "Frames received twice (exit resends).", func(s ProxyStats) uint64 { return s.Session.Duplicates }),
		counter("dropped_frames_total", "Frames dropped (beyond the reorder bound or for gone streams).", func(s ProxyStats) uint64 { return s.Session.DroppedFrames }),
		counter("surbs_sent_total", "Reply SURBs sent to the exit.", func(s ProxyStats) uint64 { return s.Session.SURBsSent }),
		counter("over_limit_total", "SOCKS connections reset at once because max_connections were served.", func(s ProxyStats) uint64 { return s.OverLimit }),
		counter("handshake_timeouts_total", "SOCKS connections closed because the greeting and request did not arrive in time.", func(s ProxyStats) uint64 { return s.HandshakeTimeouts }),
		counter("message_failures_total", "Messages to the provider the client core gave up on after all its tries.", func(s ProxyStats) uint64 { return s.MessageFailures }),
		counter("exit_unreachable_total", "Times every stream was failed because the exit was unreachable (silent for exit_timeout, or a failed message).", func(s ProxyStats) uint64 { return s.Session.ExitUnreachable }),
		counter("streams_exit_failed_total", "Streams failed because the exit was unreachable.", func(s ProxyStats) uint64 { return s.Session.StreamsExitFailed }),
		counter("pings_total", "Pings sent to a silent exit.", func(s ProxyStats) uint64 { return s.Session.Pings }),
		counter("pongs_total", "Pongs received from the exit.", func(s ProxyStats) uint64 { return s.Session.Pongs }),
	}
}

// serveMetrics serves /metrics on ln until ctx ends.
func serveMetrics(ctx context.Context, ln net.Listener, p *Proxy, log *slog.Logger) error {
	return nativeclient.ServeMetrics(ctx, ln, log, p.Collectors()...)
}
