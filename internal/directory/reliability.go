// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
)

// maxReportNodes bounds the entries of one reliability report (the 64 KiB
// body limit allows about 450 anyway).
const maxReportNodes = 10_000

// MaxRunAhead is how far a reliability report's runTimestamp may be later
// than its signing timestamp. Both come from the monitor's clock and a run
// ends before its report is signed, so only a clock stepped back between
// the two may put runTimestamp ahead. Without this bound a report whose run
// lies in the future would never go stale and, since the newer run wins,
// would shadow every other monitor's scores of its nodes.
const MaxRunAhead = time.Second

// reliabilityStore keeps the newest score of every node measured by a
// trusted monitor (docs/protocol/directory.md §12). Fields below mu are
// guarded by it; gen is written under mu and may be read without it.
type reliabilityStore struct {
	monitors map[string]bool // trusted monitor identities, base58
	maxAge   time.Duration
	maxNodes int

	// gen moves whenever a score is added or replaced; the topology is
	// rebuilt when it has moved.
	gen atomic.Uint64

	mu     sync.Mutex
	scores map[string]dirapi.NodeStatus // by node pubKey
	// lastTimestamp is each monitor's newest accepted signing timestamp
	// (the replay check).
	lastTimestamp map[string]int64
}

func newReliabilityStore(c Config) *reliabilityStore {
	r := &reliabilityStore{
		monitors:      make(map[string]bool),
		maxAge:        c.ReliabilityMaxAge,
		maxNodes:      c.MaxNodes,
		scores:        make(map[string]dirapi.NodeStatus),
		lastTimestamp: make(map[string]int64),
	}
	for _, k := range c.MonitorKeys {
		r.monitors[base58.Encode(k)] = true
	}
	return r
}

var (
	errUnknownMonitor = &refusal{http.StatusForbidden, "unknown_monitor",
		"identityKey: not a monitor this directory trusts (--monitor-key)"}
	errReportReplay = &refusal{http.StatusUnauthorized, "replay",
		"timestamp: not later than the last accepted report of this monitor (replayed or reordered)"}
	errScoresFull = &refusal{http.StatusServiceUnavailable, "full",
		"directory is full: too many nodes with reliability scores; try again later"}
)

// decodeReport parses and validates a reliability report body. A good
// body is parsed once; a bad one is parsed again by parseObject so that it
// is refused with the same words as every other body (invalid UTF-8, not
// an object, malformed JSON), before any schema mismatch.
func decodeReport(body []byte) (*dirapi.ReliabilityReport, error) {
	var r *dirapi.ReliabilityReport
	err := json.Unmarshal(body, &r)
	if err != nil || r == nil || !utf8.Valid(body) {
		if _, perr := parseObject(body); perr != nil {
			return nil, perr
		}
		// parseObject refuses null and invalid UTF-8, so err is set.
		return nil, &fieldError{"body", fmt.Sprintf("does not match the report schema: %v", err)}
	}
	switch {
	case r.IdentityKey == "" || r.Signature == "":
		return nil, &fieldError{"signature", "required: a report must be signed (identityKey, signature, timestamp)"}
	case !isKey(r.IdentityKey, ed25519.PublicKeySize):
		return nil, &fieldError{"identityKey", "must be base58 of 32 bytes"}
	case !isKey(r.Signature, ed25519.SignatureSize):
		return nil, &fieldError{"signature", "must be base58 of 64 bytes"}
	case r.Timestamp <= 0:
		return nil, &fieldError{"timestamp", "required: a positive integer"}
	case r.RunTimestamp <= 0:
		return nil, &fieldError{"runTimestamp", "required: a positive integer"}
	case r.RunTimestamp-r.Timestamp > int64(MaxRunAhead): // both > 0: no overflow
		return nil, &fieldError{"runTimestamp", fmt.Sprintf(
			"%s is %v after timestamp: a run must end before its report is signed (at most %v clock skew)",
			time.Unix(0, r.RunTimestamp).UTC().Format(time.RFC3339Nano),
			time.Duration(r.RunTimestamp-r.Timestamp), MaxRunAhead)}
	case r.Nodes == nil:
		return nil, &fieldError{"nodes", "required: an array"}
	case len(r.Nodes) > maxReportNodes:
		return nil, &fieldError{"nodes", fmt.Sprintf("more than %d entries", maxReportNodes)}
	}
	seen := make(map[string]bool, len(r.Nodes))
	for i, n := range r.Nodes {
		f := func(name string) string { return fmt.Sprintf("nodes[%d].%s", i, name) }
		if msg := checkText(n.PubKey, true, maxKeyLen); msg != "" {
			return nil, &fieldError{f("pubKey"), msg}
		}
		if seen[n.PubKey] {
			return nil, &fieldError{f("pubKey"), "duplicate"}
		}
		seen[n.PubKey] = true
		for name, v := range map[string]float64{"lastRun": n.LastRun, "lastHour": n.LastHour, "lastDay": n.LastDay} {
			if math.IsNaN(v) || v < 0 || v > 100 {
				return nil, &fieldError{f(name), "must be a percentage from 0 to 100"}
			}
		}
		if n.Received > n.Sent {
			return nil, &fieldError{f("received"), "must not exceed sent"}
		}
	}
	return r, nil
}

// admit checks a verified-shape report's run age, timestamp window,
// monitor and signature (cheap checks first: the signature is verified
// only for a trusted monitor), then stores its scores. It returns a
// *refusal when refused; then nothing changed.
func (s *reliabilityStore) admit(r *dirapi.ReliabilityReport, now time.Time, window time.Duration) error {
	if run := time.Unix(0, r.RunTimestamp); now.Sub(run) >= s.maxAge {
		return &refusal{http.StatusBadRequest, "bad_request", fmt.Sprintf(
			"runTimestamp: %s is %v before the directory's clock (%s), at or past --reliability-max-age (%v): the scores would be stale at once",
			run.UTC().Format(time.RFC3339Nano), now.Sub(run), now.UTC().Format(time.RFC3339Nano), s.maxAge)}
	}
	ts := time.Unix(0, r.Timestamp)
	if d := now.Sub(ts); d > window || d < -window {
		return &refusal{http.StatusUnauthorized, "bad_timestamp", fmt.Sprintf(
			"timestamp: %s is outside the ±%v window around the directory's clock (%s)",
			ts.UTC().Format(time.RFC3339Nano), window, now.UTC().Format(time.RFC3339Nano))}
	}
	if !s.monitors[r.IdentityKey] {
		return errUnknownMonitor
	}
	if _, err := dirapi.Verify(r); err != nil {
		return &refusal{http.StatusUnauthorized, "bad_signature",
			"signature: does not verify against identityKey over the canonical encoding (" + err.Error() + ")"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Timestamp <= s.lastTimestamp[r.IdentityKey] {
		return errReportReplay
	}
	added := 0
	for _, n := range r.Nodes {
		if _, ok := s.scores[n.PubKey]; !ok {
			added++
		}
	}
	if len(s.scores)+added > s.maxNodes {
		s.sweepLocked(now)
		if len(s.scores)+added > s.maxNodes {
			return errScoresFull
		}
	}
	s.lastTimestamp[r.IdentityKey] = r.Timestamp
	for _, n := range r.Nodes {
		old, ok := s.scores[n.PubKey]
		if ok && old.RunTimestamp > r.RunTimestamp {
			continue // a newer run (of another monitor) wins
		}
		s.scores[n.PubKey] = dirapi.NodeStatus{NodeReliability: n, RunTimestamp: r.RunTimestamp, Monitor: r.IdentityKey}
	}
	s.gen.Add(1)
	return nil
}

// sweepLocked forgets stale scores to make room. Call with mu held.
func (s *reliabilityStore) sweepLocked(now time.Time) {
	for k, v := range s.scores {
		if s.stale(v, now) {
			delete(s.scores, k)
		}
	}
}

func (s *reliabilityStore) stale(v dirapi.NodeStatus, now time.Time) bool {
	return now.Sub(time.Unix(0, v.RunTimestamp)) >= s.maxAge
}

// all returns every score at now, sorted by pubKey, with Stale set.
func (s *reliabilityStore) all(now time.Time) []dirapi.NodeStatus {
	s.mu.Lock()
	out := make([]dirapi.NodeStatus, 0, len(s.scores))
	for _, v := range s.scores {
		v.Stale = s.stale(v, now)
		out = append(out, v)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b dirapi.NodeStatus) int { return cmp.Compare(a.PubKey, b.PubKey) })
	return out
}

// one returns a node's score at now.
func (s *reliabilityStore) one(pubKey string, now time.Time) (dirapi.NodeStatus, bool) {
	s.mu.Lock()
	v, ok := s.scores[pubKey]
	s.mu.Unlock()
	v.Stale = ok && s.stale(v, now)
	return v, ok
}

// annotate sets the reliability of the topology's mix nodes and gateways
// from the fresh scores and returns the generation it used and when the
// first of the scores it used goes stale (zero if none).
func (s *reliabilityStore) annotate(t *dirapi.Topology, now time.Time) (gen uint64, staleAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen = s.gen.Load()
	get := func(pubKey string) *float64 {
		v, ok := s.scores[pubKey]
		if !ok || s.stale(v, now) {
			return nil
		}
		at := time.Unix(0, v.RunTimestamp).Add(s.maxAge)
		if staleAt.IsZero() || at.Before(staleAt) {
			staleAt = at
		}
		p := v.LastRun
		return &p
	}
	for i := range t.MixNodes {
		t.MixNodes[i].Reliability = get(t.MixNodes[i].PubKey)
	}
	for i := range t.GatewayNodes {
		t.GatewayNodes[i].Reliability = get(t.GatewayNodes[i].PubKey)
	}
	return gen, staleAt
}

// handleReliabilityPOST serves POST /api/status/reliability.
func (s *Server) handleReliabilityPOST(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	rep, err := decodeReport(body)
	if err != nil {
		s.refuse(w, r, &refusal{http.StatusBadRequest, "bad_request", err.Error()})
		return
	}
	if err := s.rel.admit(rep, s.now(), s.cfg.SignatureWindow); err != nil {
		s.refuse(w, r, err.(*refusal))
		return
	}
	s.log.Debug("reliability report", "monitor", rep.IdentityKey, "nodes", len(rep.Nodes))
	writeJSON(w, http.StatusCreated, okBody)
}

// handleReliabilityGET serves GET /api/status/reliability.
func (s *Server) handleReliabilityGET(w http.ResponseWriter, r *http.Request) {
	s.writeValue(w, s.rel.all(s.now()))
}

// handleReliabilityOne serves GET /api/status/reliability/{pubKey}.
func (s *Server) handleReliabilityOne(w http.ResponseWriter, r *http.Request) {
	v, ok := s.rel.one(r.PathValue("pubKey"), s.now())
	if !ok {
		writeError(w, http.StatusNotFound, "no reliability score for this pubKey")
		return
	}
	s.writeValue(w, v)
}

func (s *Server) writeValue(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSON(w, http.StatusOK, b)
}
