// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

var (
	errWindowFull = &refusal{http.StatusServiceUnavailable, "full",
		"metrics window is full; try again in the next window"}
	errKeyFull = &refusal{http.StatusTooManyRequests, "per_key",
		"pubKey: too many reports for this pubKey in this window; try again in the next window"}
)

// metricsWindow keeps mix metric reports in tumbling windows of fixed
// length, numbered from origin by the injected clock: window i covers
// [origin+i·size, origin+(i+1)·size). It rotates on access, so it needs
// no ticker. Reports are kept as their encoded JSON lines (the same bytes
// /ws sends), which are never modified.
//
// Unlike the v0.5.0 directory, the previous window is a separate list,
// so reports arriving after a rotation never show up in (or overwrite
// entries of) what GET returns.
//
// Reports are unauthenticated, so a window bounds them two ways: at most
// maxPerKey per pubKey, and maxN reports and maxBytes bytes for each of
// two classes, reports from pubKeys of live nodes and all others. A flood
// under made-up pubKeys therefore fills only its own class.
type metricsWindow struct {
	size      time.Duration
	origin    time.Time
	maxN      int
	maxBytes  int
	maxPerKey int

	mu       sync.Mutex
	idx      int64    // number of the current window
	cur      [][]byte // reports of the current window, in arrival order
	curN     [2]int   // reports in cur by class (0: other, 1: live node)
	curBytes [2]int   // their bytes
	perKey   map[string]int
	prev     [][]byte // reports of window idx-1
	prevBody []byte   // prev as a JSON array; nil until first asked for
}

func newMetricsWindow(c Config, origin time.Time) *metricsWindow {
	return &metricsWindow{size: c.MetricsWindow, origin: origin, maxN: c.MaxWindowMetrics,
		maxBytes: c.MaxWindowBytes, maxPerKey: c.MaxMetricsPerKey, perKey: make(map[string]int)}
}

// rotateLocked moves to the window that contains now. A clock that went
// backwards stays in the current window.
func (m *metricsWindow) rotateLocked(now time.Time) {
	d := now.Sub(m.origin)
	if d < 0 {
		return
	}
	i := int64(d / m.size)
	if i <= m.idx {
		return
	}
	if i == m.idx+1 {
		m.prev = m.cur
	} else {
		m.prev = nil // the previous window got no reports
	}
	m.cur, m.curN, m.curBytes, m.prevBody, m.idx = nil, [2]int{}, [2]int{}, nil, i
	clear(m.perKey)
}

// add appends the report of pubKey (live: a live node's) to the window of
// now. It refuses the report if pubKey has sent its share of the window,
// or if the report's class is full.
func (m *metricsWindow) add(line []byte, pubKey string, live bool, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rotateLocked(now)
	c := 0
	if live {
		c = 1
	}
	switch {
	case m.perKey[pubKey] >= m.maxPerKey:
		return errKeyFull
	case m.curN[c] >= m.maxN || m.curBytes[c]+len(line) > m.maxBytes:
		return errWindowFull
	}
	m.perKey[pubKey]++
	m.cur = append(m.cur, line)
	m.curN[c]++
	m.curBytes[c] += len(line)
	return nil
}

// previous returns the reports of the last full window before now as a
// JSON array ("[]" when there were none). The slice must not be modified.
func (m *metricsWindow) previous(now time.Time) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rotateLocked(now)
	if m.prevBody == nil {
		n := 2
		for _, l := range m.prev {
			n += len(l) + 1
		}
		b := make([]byte, 0, n)
		b = append(b, '[')
		b = append(b, bytes.Join(m.prev, []byte{','})...)
		m.prevBody = append(b, ']')
	}
	return m.prevBody
}

// decodeMetric parses and validates a POST /api/metrics/mixes body.
func decodeMetric(body []byte) (*dirapi.MixMetric, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	m := &dirapi.MixMetric{
		PubKey:   o.str("pubKey", true, maxKeyLen),
		Sent:     o.sent("sent"),
		Received: o.uint("received", true),
	}
	if o.err != nil {
		return nil, o.err
	}
	return m, nil
}

// sent decodes a required, non-null object of destination → count.
func (o *object) sent(name string) map[string]uint64 {
	r, ok := o.raw(name)
	if !ok {
		o.fail(name, "required (an object, {} when empty)")
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r, &raw); err != nil {
		o.fail(name, "must be an object of destination to packet count")
		return nil
	}
	if len(raw) > maxSentKeys {
		o.fail(name, "more than %d destinations", maxSentKeys)
		return nil
	}
	out := make(map[string]uint64, len(raw))
	for k, v := range raw {
		field := name + "[" + strconv.Quote(k) + "]"
		if msg := checkText(k, true, maxSentKeyLen); msg != "" {
			o.fail(field, "key %s", msg)
			return nil
		}
		if string(v) == "null" { // json.Unmarshal would leave n at 0
			o.fail(field, "must be a non-negative integer, not null")
			return nil
		}
		var n uint64
		if err := json.Unmarshal(v, &n); err != nil {
			o.fail(field, "must be a non-negative integer")
			return nil
		}
		out[k] = n
	}
	return out
}

func (s *Server) handleMetricsPOST(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	m, err := decodeMetric(body)
	if err != nil {
		s.refuse(w, r, &refusal{http.StatusBadRequest, "bad_request", err.Error()})
		return
	}
	now := s.now()
	line, err := json.Marshal(dirapi.PersistedMixMetric{
		PubKey: m.PubKey, Sent: m.Sent, Received: m.Received, Timestamp: now.UnixNano(),
	})
	if err != nil {
		s.log.Error("encode metric", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	if err := s.metrics.add(line, m.PubKey, s.store.live(m.PubKey), now); err != nil {
		s.refuse(w, r, err.(*refusal))
		return
	}
	s.hub.broadcast(line)
	writeJSON(w, http.StatusCreated, okBody)
}

func (s *Server) handleMetricsGET(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.metrics.previous(s.now()))
}
