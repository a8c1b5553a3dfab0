// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package dirapi holds the JSON types of the directory's REST API and the
// canonical encoding that signed presence announcements are signed over.
//
// The server (internal/directory), the nodes that announce themselves and
// the clients that read the topology all use these types, so the wire form
// is defined once. The JSON keys are those of the v0.5.0 directory (plus the
// v0.7.0 gateway route and this project's signing fields); see
// docs/protocol/directory.md.
package dirapi

// Paths served by the directory.
const (
	PathHealthcheck          = "/api/healthcheck"
	PathPresenceMixNodes     = "/api/presence/mixnodes"
	PathPresenceMixProviders = "/api/presence/mixproviders"
	PathPresenceCocoNodes    = "/api/presence/coconodes"
	PathPresenceGateways     = "/api/presence/gateways"
	PathTopology             = "/api/presence/topology"
	PathMetricsMixes         = "/api/metrics/mixes"
	PathWebsocket            = "/ws"
	PathOpenAPI              = "/api/openapi.json"
	PathSwagger              = "/swagger/"
	PathPrometheus           = "/metrics"
)

// Kind names a kind of presence record. Each kind has its own POST route
// and topology list.
type Kind string

// The kinds of presence the directory keeps.
const (
	KindMixNode     Kind = "mixnode"
	KindMixProvider Kind = "mixprovider"
	KindCocoNode    Kind = "coconode"
	KindGateway     Kind = "gateway"
)

// Signed carries the optional proof that an announcement comes from the
// holder of an Ed25519 identity key. It is embedded in every presence type;
// all three fields are empty in an unsigned (v0.5.0-style) announcement.
//
// The same fields are shown in the topology, so a reader can check a record
// itself instead of trusting the directory.
type Signed struct {
	// IdentityKey is the base58 Ed25519 public key that signed the record.
	IdentityKey string `json:"identityKey,omitempty"`
	// Signature is the base58 Ed25519 signature over SigningMessage.
	Signature string `json:"signature,omitempty"`
	// Timestamp is the signer's clock at signing, in Unix nanoseconds. The
	// directory accepts it within a window (±60 s by default) of its own.
	Timestamp int64 `json:"timestamp,omitempty"`
}

// signed returns the embedded signing fields; it lets Sign and Verify work
// on every presence type.
func (s *Signed) signed() *Signed { return s }

// IsSigned reports whether any of the signing fields is set.
func (s *Signed) IsSigned() bool {
	return s.IdentityKey != "" || s.Signature != "" || s.Timestamp != 0
}

// MixNodePresence is a mix node's announcement (POST body) and its entry in
// the topology.
type MixNodePresence struct {
	// Host is the node's mixnet listener as host:port.
	Host string `json:"host"`
	// PubKey is the node's base58 X25519 Sphinx key; records are keyed by it.
	PubKey   string `json:"pubKey"`
	Version  string `json:"version"`
	Location string `json:"location"`
	// Layer is the mix layer, 1..the directory's maximum (3 by default).
	Layer uint64 `json:"layer"`
	// LastSeen is set by the directory: the receipt time of the last
	// announcement, in Unix nanoseconds. Any value a client sends is ignored.
	LastSeen int64 `json:"lastSeen"`
	// Reliability is set by the directory in the topology: the node's
	// percentage 0..100 in the last run of a trusted network monitor
	// (docs/protocol/directory.md §12); absent when never measured or
	// stale. It is not part of the announcement and is not signed.
	Reliability *float64 `json:"reliability,omitempty"`
	Signed
}

// RegisteredClient names one client registered at a provider or gateway.
type RegisteredClient struct {
	PubKey string `json:"pubKey"`
}

// GatewayPresence is a gateway's announcement and topology entry (the v0.7.0
// shape). MixProviderPresence has the same fields.
type GatewayPresence struct {
	// ClientListener is where clients connect: host:port, or a ws:// or
	// wss:// URL with a host:port authority.
	ClientListener string `json:"clientListener"`
	// MixnetListener is where mix nodes deliver packets, as host:port.
	MixnetListener    string             `json:"mixnetListener"`
	PubKey            string             `json:"pubKey"`
	Version           string             `json:"version"`
	Location          string             `json:"location"`
	RegisteredClients []RegisteredClient `json:"registeredClients"`
	// RegisteredClientCount is how many clients are registered. A gateway
	// announces the number instead of listing the clients, which would
	// tell anyone who uses it.
	RegisteredClientCount uint64 `json:"registeredClientCount,omitempty"`
	LastSeen              int64  `json:"lastSeen"`
	// Reliability is as for MixNodePresence.
	Reliability *float64 `json:"reliability,omitempty"`
	Signed
}

// MixProviderPresence is the v0.5.0 provider announcement, kept for old
// nodes; it has the gateway's fields.
type MixProviderPresence GatewayPresence

// CocoPresence is a Coconut (validator) node's announcement.
type CocoPresence struct {
	Host     string `json:"host"`
	PubKey   string `json:"pubKey"`
	Version  string `json:"version"`
	Location string `json:"location"`
	Type     string `json:"type"`
	LastSeen int64  `json:"lastSeen"`
	Signed
}

// Topology is the response of GET /api/presence/topology. Every list is
// always present, empty rather than null.
type Topology struct {
	CocoNodes        []CocoPresence        `json:"cocoNodes"`
	MixNodes         []MixNodePresence     `json:"mixNodes"`
	MixProviderNodes []MixProviderPresence `json:"mixProviderNodes"`
	GatewayNodes     []GatewayPresence     `json:"gatewayNodes"`
}

// MixMetric is a mix node's traffic report, POSTed to /api/metrics/mixes.
type MixMetric struct {
	PubKey string `json:"pubKey"`
	// Sent counts packets sent since the last report, by next-hop host:port.
	Sent map[string]uint64 `json:"sent"`
	// Received counts packets received since the last report.
	Received uint64 `json:"received"`
}

// PersistedMixMetric is a MixMetric as the directory keeps and publishes it:
// in GET /api/metrics/mixes and as one line on /ws.
type PersistedMixMetric struct {
	PubKey   string            `json:"pubKey"`
	Sent     map[string]uint64 `json:"sent"`
	Received uint64            `json:"received"`
	// Timestamp is the receipt time in Unix nanoseconds.
	Timestamp int64 `json:"timestamp"`
}

// OK is the body of every successful POST (with status 201).
type OK struct {
	OK bool `json:"ok"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}
