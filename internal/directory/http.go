// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

var okBody = []byte(`{"ok":true}`)

// writeJSON writes a JSON body that is already encoded.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(dirapi.Error{Error: msg}) // a string always encodes
	writeJSON(w, status, body)
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads the request body, refusing one over MaxBodyBytes with
// 413. On refusal it has written the response and returns false. The
// returned slice is the caller's.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	tooLarge := func() ([]byte, bool) {
		s.refuse(w, r, &refusal{http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("body: larger than %d bytes", MaxBodyBytes)})
		return nil, false
	}
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf)
	buf.Reset()
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge()
	}
	if err != nil {
		s.refuse(w, r, &refusal{http.StatusBadRequest, "bad_request", "body: " + err.Error()})
		return nil, false
	}
	return bytes.Clone(buf.Bytes()), true
}

// refuse answers a refused POST: counts it by reason, logs it at debug
// level (refusals are the attacker's to multiply, so never louder), and
// writes the error body.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, ref *refusal) {
	switch {
	case r.URL.Path == dirapi.PathMetricsMixes:
		s.prom.metricsRejected.WithLabelValues(ref.reason).Inc()
	case r.URL.Path == dirapi.PathReliability:
		s.prom.reliabilityRejected.WithLabelValues(ref.reason).Inc()
	default:
		s.prom.presenceRefused.WithLabelValues(ref.reason).Inc()
	}
	s.log.Debug("request refused", "path", r.URL.Path, "status", ref.status, "reason", ref.reason,
		"err", ref.msg, "remote", r.RemoteAddr)
	writeError(w, ref.status, ref.msg)
}

// respWriter records the status for instrumentation and, for requests no
// route of ours handled (the mux's own 404 and 405), replaces the mux's
// text body with a JSON one.
type respWriter struct {
	http.ResponseWriter
	route   *routeStats // set by the route handler; nil if the mux answered
	status  int
	swallow bool // the mux's error body is being replaced
}

func (w *respWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.route == nil && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		w.swallow = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController and the websocket library reach
// the connection (Hijack, Flush).
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// frontHandler is the outermost handler: CORS, preflight, JSON bodies for
// unknown paths and wrong methods, and request metrics.
type frontHandler struct {
	mux *http.ServeMux
	in  *instruments
}

func (f *frontHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	h["Access-Control-Allow-Origin"] = hdrStar
	if r.Method == http.MethodOptions {
		h["Access-Control-Allow-Methods"] = hdrAllowMethod
		h["Access-Control-Allow-Headers"] = hdrAllowHeader
		h["Access-Control-Max-Age"] = hdrMaxAge
		h["Allow"] = hdrAllowMethod
		w.WriteHeader(http.StatusNoContent)
		f.in.routes[routePreflight].observe(http.StatusNoContent, time.Since(start), true)
		return
	}
	rw := &respWriter{ResponseWriter: w}
	f.mux.ServeHTTP(rw, r)
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.swallow {
		msg := "no such path: " + r.URL.Path
		if rw.status == http.StatusMethodNotAllowed {
			msg = fmt.Sprintf("method %s not allowed (allowed: %s)", r.Method, h.Get("Allow"))
		}
		writeError(w, rw.status, msg)
	}
	rs := rw.route
	if rs == nil {
		rs = f.in.routes[routeUnmatched]
	}
	rs.observe(rw.status, time.Since(start), rs.route != wsRoute)
}

// routed wraps a route handler so that the front handler knows which
// route served the request.
func routed(rs *routeStats, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rw, ok := w.(*respWriter); ok {
			rw.route = rs
		}
		h(w, r)
	}
}
