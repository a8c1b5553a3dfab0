// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/negotiate"
)

// topoCache serves GET /api/presence/topology from bytes serialised once
// per change rather than once per request.
//
// A snapshot is stale, and the next GET rebuilds it, when
//   - a record was added, removed or changed in a field other than
//     lastSeen, signature and timestamp (structGen moved): at once;
//   - the earliest expiry among its records has passed: at once, so an
//     expired node is never served;
//   - only lastSeen (with signature and timestamp) moved (seenGen) and the
//     snapshot is maxAge old or older.
//
// Rebuilds hold mu, so concurrent GETs that find the snapshot stale wait
// for one rebuild instead of all doing it.
type topoCache struct {
	store  *store
	rel    *reliabilityStore
	maxAge time.Duration
	built  func() // counts rebuilds; may be nil

	mu  sync.Mutex
	cur atomic.Pointer[topoBody]
}

// topoBody is one serialised topology. It is immutable once published,
// except for the gzip form, which is made on first use.
type topoBody struct {
	structGen, seenGen  uint64
	relGen              uint64 // the reliability scores' generation
	builtAt, validUntil time.Time

	body     []byte
	etag     []string // header value, strong: a quoted hash of body
	gzEtag   []string // the gzip representation's tag
	length   []string // Content-Length of body
	gzOnce   sync.Once
	gz       []byte
	gzLength []string
}

func (c *topoCache) fresh(b *topoBody, now time.Time) bool {
	switch {
	case b == nil:
		return false
	case !b.validUntil.IsZero() && !now.Before(b.validUntil):
		return false
	case b.structGen != c.store.structGen.Load():
		return false
	case b.relGen != c.rel.gen.Load():
		return false
	case b.seenGen != c.store.seenGen.Load() && now.Sub(b.builtAt) >= c.maxAge:
		return false
	}
	return true
}

// get returns a topology that is fresh at now.
func (c *topoCache) get(now time.Time) (*topoBody, error) {
	if b := c.cur.Load(); c.fresh(b, now) {
		return b, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.cur.Load(); c.fresh(b, now) {
		return b, nil
	}
	snap := c.store.snapshot(now)
	relGen, staleAt := c.rel.annotate(&snap.topology, now)
	if !staleAt.IsZero() && (snap.validUntil.IsZero() || staleAt.Before(snap.validUntil)) {
		snap.validUntil = staleAt // a score going stale leaves the topology at once
	}
	body, err := json.Marshal(&snap.topology)
	if err != nil {
		return nil, fmt.Errorf("encode topology: %w", err)
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	b := &topoBody{
		structGen:  snap.structGen,
		seenGen:    snap.seenGen,
		relGen:     relGen,
		builtAt:    now,
		validUntil: snap.validUntil,
		body:       body,
		etag:       []string{`"` + tag + `"`},
		gzEtag:     []string{`"` + tag + `-gzip"`},
		length:     []string{strconv.Itoa(len(body))},
	}
	c.cur.Store(b)
	if c.built != nil {
		c.built()
	}
	return b, nil
}

// gzipped returns the gzip form of the body and its length header.
func (b *topoBody) gzipped() ([]byte, []string) {
	b.gzOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(len(b.body) / 4)
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // the level is valid
		zw.Write(b.body)                                   // a bytes.Buffer never fails
		zw.Close()
		b.gz = buf.Bytes()
		b.gzLength = []string{strconv.Itoa(len(b.gz))}
	})
	return b.gz, b.gzLength
}

// Header values shared by every response, so that the hot path does not
// allocate them.
var (
	hdrJSON        = []string{"application/json; charset=utf-8"}
	hdrVary        = []string{"Accept-Encoding"}
	hdrNoCache     = []string{"no-cache"}
	hdrGzip        = []string{"gzip"}
	hdrExposeEtag  = []string{"ETag"}
	hdrStar        = []string{"*"}
	hdrAllowMethod = []string{"GET, POST, OPTIONS"}
	hdrAllowHeader = []string{"Content-Type, If-None-Match"}
	hdrMaxAge      = []string{"86400"}
)

func (s *Server) handleTopology(w http.ResponseWriter, r *http.Request) {
	b, err := s.topo.get(s.now())
	if err != nil {
		s.log.Error("topology", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	gz := negotiate.AcceptsGzip(r.Header.Values("Accept-Encoding"))
	h := w.Header()
	h["Vary"] = hdrVary
	h["Cache-Control"] = hdrNoCache
	h["Access-Control-Expose-Headers"] = hdrExposeEtag
	if gz {
		h["Etag"] = b.gzEtag
	} else {
		h["Etag"] = b.etag
	}
	// Either representation's tag revalidates either (documented).
	if negotiate.ETagMatch(r.Header.Values("If-None-Match"), b.etag[0], b.gzEtag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, length := b.body, b.length
	if gz {
		body, length = b.gzipped()
		h["Content-Encoding"] = hdrGzip
	}
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
