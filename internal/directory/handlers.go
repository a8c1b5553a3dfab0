// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nym-go/nym/internal/dashboard"
	"github.com/nym-go/nym/internal/dirapi"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, okBody)
}

// handlePresence serves POST /api/presence/<kind>: decode and validate,
// check the signature (or the unsigned policy), then store under the
// binding rules. Nothing is stored unless every check passes.
func (s *Server) handlePresence(k kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.readBody(w, r)
		if !ok {
			return
		}
		a, err := kinds[k].decode(body, s.cfg.MaxLayers)
		if err != nil {
			s.refuse(w, r, &refusal{http.StatusBadRequest, "bad_request", err.Error()})
			return
		}
		now := s.now()
		if err := s.admit(a, now); err != nil {
			ref, ok := errors.AsType[*refusal](err)
			if !ok {
				ref = &refusal{http.StatusInternalServerError, "internal", "internal error"}
				s.log.Error("announce", "err", err)
			}
			s.refuse(w, r, ref)
			return
		}
		s.prom.presenceOK.WithLabelValues(string(kinds[k].name)).Inc()
		writeJSON(w, http.StatusCreated, okBody)
	}
}

// admit checks an announcement's signature, or whether unsigned ones are
// allowed, and stores it. A new binding is written to the state file
// before admit returns.
func (s *Server) admit(a *announcement, now time.Time) error {
	if !a.isSigned() {
		if !s.cfg.AllowUnsigned {
			return &refusal{http.StatusUnauthorized, "unsigned",
				"presence must be signed (identityKey, signature, timestamp); this directory refuses unsigned announcements"}
		}
		_, err := s.store.announce(a, now)
		return err
	}
	ts := time.Unix(0, a.signed.Timestamp)
	if d := now.Sub(ts); d > s.cfg.SignatureWindow || d < -s.cfg.SignatureWindow {
		return &refusal{http.StatusUnauthorized, "bad_timestamp", fmt.Sprintf(
			"timestamp: %s is outside the ±%v window around the directory's clock (%s)",
			ts.UTC().Format(time.RFC3339Nano), s.cfg.SignatureWindow, now.UTC().Format(time.RFC3339Nano))}
	}
	if _, err := dirapi.Verify(a.p); err != nil {
		return &refusal{http.StatusUnauthorized, "bad_signature",
			"signature: does not verify against identityKey over the canonical encoding (" + err.Error() + ")"}
	}
	need, err := s.store.announce(a, now)
	if err != nil || s.state == nil {
		return err
	}
	// The binding stays in memory if this fails; the node's retry (or the
	// periodic flush) writes it.
	if err := s.state.save(need); err != nil {
		s.log.Error("save bindings", "err", err)
		return errStateWrite
	}
	return nil
}

// dashboardHandler serves the live dashboard (package dashboard): the
// page at "/" and its assets under dashboard.Prefix. Read-only; shared by
// every server.
var dashboardHandler = dashboard.Handler()

// handleIndex serves the dashboard's page and assets.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	dashboardHandler.ServeHTTP(w, r)
}
