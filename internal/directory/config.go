// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nym-go/nym/internal/directory/apidoc"
)

// Defaults for Config fields left zero.
const (
	DefaultListen            = ":8080"
	DefaultPresenceTTL       = 10 * time.Second
	DefaultMaxLayers         = 3
	DefaultSignatureWindow   = 60 * time.Second
	DefaultTopologyMaxAge    = time.Second
	DefaultBindingTTL        = 24 * time.Hour
	DefaultMaxBindings       = 100_000
	DefaultMaxNodes          = 20_000
	DefaultMaxNodeBytes      = 64 << 20
	DefaultMetricsWindow     = 3 * time.Second
	DefaultMaxWindowMetrics  = 30_000
	DefaultMaxWindowBytes    = 16 << 20
	DefaultMaxMetricsPerKey  = 8
	DefaultWSQueueLen        = 4096
	DefaultWSPingInterval    = 30 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
	DefaultReliabilityMaxAge = 5 * time.Minute
	DefaultMaxConnsPerIP     = 256
	DefaultReadHeaderTimeout = 5 * time.Second
	MaxBodyBytes             = 64 << 10
	maxWSFrameBytes          = 64 << 10
	maxWSReadBytes           = 4 << 10
	wsWriteTimeout           = 10 * time.Second
	wsCloseGrace             = time.Second
)

// Config holds the directory's settings. The zero value of every field
// means its default; New validates the result.
type Config struct {
	// Listen is the TCP address Run listens on (default ":8080").
	Listen string
	// AllowUnsigned accepts presence without identityKey and signature,
	// as v0.5.0-era nodes send it. It never lets an unsigned announcement
	// replace a record whose pubKey is bound to an identity.
	AllowUnsigned bool
	// PresenceTTL is how long a record lives after its last announcement
	// (default 10 s): a record whose lastSeen <= now-PresenceTTL is gone.
	PresenceTTL time.Duration
	// MaxLayers is the highest mix layer a mix node may announce (default 3).
	MaxLayers int
	// SignatureWindow is how far a signed announcement's timestamp may be
	// from the directory's clock, either way (default 60 s).
	SignatureWindow time.Duration
	// TopologyMaxAge bounds how old the lastSeen values in a served
	// topology may be when nothing but lastSeen (and the signature that
	// comes with it) changed since it was serialised (default 1 s). Any
	// other change is served at once.
	TopologyMaxAge time.Duration
	// BindingTTL is how long a pubKey stays bound to its identity after the
	// last signed announcement for it (default 24 h). It must be at least
	// PresenceTTL.
	BindingTTL time.Duration
	// MaxBindings caps the number of bound pubKeys (default 100,000). At the
	// cap the binding least recently used is evicted if no live record can
	// depend on it; otherwise new bindings are refused (503).
	MaxBindings int
	// MaxNodes caps the live records of all kinds together (default
	// 20,000); MaxNodeBytes caps the sum of their request body sizes
	// (default 64 MiB). A new node beyond either cap is refused (503).
	MaxNodes     int
	MaxNodeBytes int
	// MetricsWindow is the length of the tumbling metrics window (default
	// 3 s). GET /api/metrics/mixes returns the previous full window.
	MetricsWindow time.Duration
	// MaxWindowMetrics and MaxWindowBytes cap one window (defaults 30,000
	// reports, 16 MiB) for each of two classes: reports whose pubKey is a
	// live node's, and all others. A report beyond either is refused (503)
	// and counted.
	MaxWindowMetrics int
	MaxWindowBytes   int
	// MaxMetricsPerKey caps the reports one pubKey may post in a window
	// (default 8); more are refused (429) and counted.
	MaxMetricsPerKey int
	// WSQueueLen is the number of lines queued per websocket subscriber
	// (default 4096: about 5 s of reports from 1,000 nodes); a subscriber
	// whose queue is full is dropped.
	WSQueueLen int
	// WSPingInterval is how often each websocket is pinged (default 30 s).
	WSPingInterval time.Duration
	// ShutdownTimeout bounds graceful shutdown in Serve (default 10 s).
	ShutdownTimeout time.Duration
	// StateFile is where the pubKey → identity bindings are kept across
	// restarts (docs/protocol/directory.md §4.5). Empty: in memory only.
	// New reads it (a missing file is no bindings) and rewrites it; a new
	// binding is written before its announcement is answered, other
	// changes at most a second later while Serve runs, and on shutdown.
	StateFile string
	// MonitorKeys are the Ed25519 identities of the network monitors whose
	// reliability reports the directory accepts (POST
	// /api/status/reliability); a report signed by any other key is 403.
	// None: every report is refused.
	MonitorKeys []ed25519.PublicKey
	// ReliabilityMaxAge is how long after its run a reliability score is
	// put in the topology (default 5 min, a few monitor intervals). Older
	// scores are still served by GET /api/status/reliability, marked stale.
	ReliabilityMaxAge time.Duration
	// MaxConnsPerIP caps the TCP connections open at once from one remote
	// IP (default 256; negative: no cap). A connection beyond it is closed
	// as soon as it is accepted and counted
	// (nym_directory_refused_connections_total). Loopback peers are
	// exempt unless LimitLoopback is set, since a local network runs every
	// node on 127.0.0.1.
	MaxConnsPerIP int
	LimitLoopback bool
	// ReadHeaderTimeout is how long a request's headers may take to
	// arrive (default 5 s): a new connection that sends nothing or
	// dribbles its headers (slowloris) is closed after it. Idle keep-alive
	// connections are closed after 2 minutes.
	ReadHeaderTimeout time.Duration
}

// Deps holds what the server gets from its environment.
type Deps struct {
	// Now is the clock (default time.Now). Expiry, signature windows and
	// metrics windows are all computed from it.
	Now func() time.Time
	// Logger receives the server's logs (nil: discard). The server adds
	// component=directory.
	Logger *slog.Logger
	// APIDoc serves /api/openapi.json, /swagger and /swagger/ (it receives
	// the full request path). Nil means apidoc.Mux(): the OpenAPI document
	// and the Swagger UI of package internal/directory/apidoc.
	APIDoc http.Handler
}

// withDefaults returns c with zero fields set to their defaults, or an
// error naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setInt := func(n *int, def int) {
		if *n == 0 {
			*n = def
		}
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	setDur(&c.PresenceTTL, DefaultPresenceTTL)
	setInt(&c.MaxLayers, DefaultMaxLayers)
	setDur(&c.SignatureWindow, DefaultSignatureWindow)
	setDur(&c.TopologyMaxAge, DefaultTopologyMaxAge)
	setDur(&c.BindingTTL, DefaultBindingTTL)
	setInt(&c.MaxBindings, DefaultMaxBindings)
	setInt(&c.MaxNodes, DefaultMaxNodes)
	setInt(&c.MaxNodeBytes, DefaultMaxNodeBytes)
	setDur(&c.MetricsWindow, DefaultMetricsWindow)
	setInt(&c.MaxWindowMetrics, DefaultMaxWindowMetrics)
	setInt(&c.MaxWindowBytes, DefaultMaxWindowBytes)
	setInt(&c.MaxMetricsPerKey, DefaultMaxMetricsPerKey)
	setInt(&c.WSQueueLen, DefaultWSQueueLen)
	setDur(&c.WSPingInterval, DefaultWSPingInterval)
	setDur(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDur(&c.ReliabilityMaxAge, DefaultReliabilityMaxAge)
	setInt(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDur(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)

	var errs []error
	positive := func(name string, ok bool) {
		if !ok {
			errs = append(errs, fmt.Errorf("directory config: %s must be positive", name))
		}
	}
	positive("PresenceTTL", c.PresenceTTL > 0)
	positive("MaxLayers", c.MaxLayers > 0)
	positive("SignatureWindow", c.SignatureWindow > 0)
	positive("TopologyMaxAge", c.TopologyMaxAge > 0)
	positive("MaxBindings", c.MaxBindings > 0)
	positive("MaxNodes", c.MaxNodes > 0)
	positive("MaxNodeBytes", c.MaxNodeBytes > 0)
	positive("MetricsWindow", c.MetricsWindow > 0)
	positive("MaxWindowMetrics", c.MaxWindowMetrics > 0)
	positive("MaxWindowBytes", c.MaxWindowBytes > 0)
	positive("MaxMetricsPerKey", c.MaxMetricsPerKey > 0)
	positive("WSQueueLen", c.WSQueueLen > 0)
	positive("WSPingInterval", c.WSPingInterval > 0)
	positive("ShutdownTimeout", c.ShutdownTimeout > 0)
	positive("ReliabilityMaxAge", c.ReliabilityMaxAge > 0)
	positive("ReadHeaderTimeout", c.ReadHeaderTimeout > 0)
	for i, k := range c.MonitorKeys {
		if len(k) != ed25519.PublicKeySize {
			errs = append(errs, fmt.Errorf("directory config: MonitorKeys[%d] is %d bytes, not an Ed25519 public key", i, len(k)))
		}
	}
	if c.BindingTTL < c.PresenceTTL {
		// A binding must outlive every record that depends on it.
		errs = append(errs, fmt.Errorf("directory config: BindingTTL (%v) must be at least PresenceTTL (%v)",
			c.BindingTTL, c.PresenceTTL))
	}
	return c, errors.Join(errs...)
}

func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	d.Logger = d.Logger.With("component", "directory")
	if d.APIDoc == nil {
		d.APIDoc = apidoc.Mux()
	}
	return d
}
