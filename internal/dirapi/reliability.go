// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dirapi

import (
	"encoding/binary"
	"math"
)

// PathReliability is where a network monitor POSTs a run's results and
// where anyone GETs every node's scores; PathReliability + "/{pubKey}"
// answers for one node.
const PathReliability = "/api/status/reliability"

// ReliabilitySigningDomain opens the message a monitor signs over a
// ReliabilityReport. It differs from SigningDomain, so a report signature
// can never pass for a presence signature or the other way round.
const ReliabilitySigningDomain = "nym-go/directory/reliability/v1"

// KindReliability is the Kind of a ReliabilityReport. It is not a kind of
// presence: no topology list or presence route has it. It lets Sign and
// Verify work on reports.
const KindReliability Kind = "reliability"

// NodeReliability is one node's scores in a monitor run. Percentages are
// 0..100.
type NodeReliability struct {
	// PubKey is the node's base58 Sphinx key, as in the topology.
	PubKey string `json:"pubKey"`
	// LastRun is received/sent × 100 of the run the report is about.
	LastRun float64 `json:"lastRun"`
	// LastHour and LastDay are sum(received)/sum(sent) × 100 over the
	// monitor's runs in the hour (day) before the run, counting only runs
	// that tested the node.
	LastHour float64 `json:"lastHour"`
	LastDay  float64 `json:"lastDay"`
	// Sent and Received count the test packets of the last run.
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`
}

// ReliabilityReport is the body of POST /api/status/reliability: one
// monitor run's results, signed by the monitor's Ed25519 identity.
type ReliabilityReport struct {
	// RunTimestamp is when the run ended (its results were complete), in
	// Unix nanoseconds.
	RunTimestamp int64 `json:"runTimestamp"`
	// Nodes holds one entry per node the run tested.
	Nodes []NodeReliability `json:"nodes"`
	// Signed carries the monitor's identityKey, the signature over
	// SigningMessage and the signing timestamp (checked against a window
	// and for replay like presence).
	Signed
}

// Kind implements Signable.
func (*ReliabilityReport) Kind() Kind { return KindReliability }

// SigningMessage implements Signable:
//
//	ReliabilitySigningDomain || u8(len(kind)) || kind ||
//	field(identityKey) || field(runTimestamp u64) || field(timestamp u64) ||
//	field(nodes)
//
// with field as for presence (u8 name length, name, u32 value length,
// value). The nodes value is u32(count) then, per node, u32(len(pubKey)) ||
// pubKey || lastRun || lastHour || lastDay (IEEE-754 binary64 bits, u64) ||
// sent u64 || received u64, all big-endian.
func (r *ReliabilityReport) SigningMessage() []byte {
	e := &encoder{buf: make([]byte, 0, 128+len(r.Nodes)*96)}
	e.buf = append(e.buf, ReliabilitySigningDomain...)
	e.buf = append(e.buf, byte(len(KindReliability)))
	e.buf = append(e.buf, KindReliability...)
	e.str("identityKey", r.IdentityKey)
	e.u64("runTimestamp", uint64(r.RunTimestamp))
	e.u64("timestamp", uint64(r.Timestamp))
	n := 4
	for _, nd := range r.Nodes {
		n += 4 + len(nd.PubKey) + 5*8
	}
	e.field("nodes", n)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(r.Nodes)))
	for _, nd := range r.Nodes {
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(nd.PubKey)))
		e.buf = append(e.buf, nd.PubKey...)
		for _, v := range []uint64{math.Float64bits(nd.LastRun), math.Float64bits(nd.LastHour),
			math.Float64bits(nd.LastDay), nd.Sent, nd.Received} {
			e.buf = binary.BigEndian.AppendUint64(e.buf, v)
		}
	}
	return e.buf
}

// NodeStatus is one node's scores as the directory serves them, in GET
// /api/status/reliability (an array, sorted by pubKey) and GET
// /api/status/reliability/{pubKey}.
type NodeStatus struct {
	NodeReliability
	// RunTimestamp is the run's end (Unix ns) as the monitor reported it.
	RunTimestamp int64 `json:"runTimestamp"`
	// Monitor is the base58 identity of the monitor that measured it.
	Monitor string `json:"monitor"`
	// Stale is true when the run is older than the directory's
	// reliability max age; a stale score is no longer put in the topology.
	Stale bool `json:"stale"`
}
