// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// PathDebugFault is the HTTP API route of the test-only fault switch. It
// exists only when the config has [debug] fault_injection = true.
const PathDebugFault = "/api/v1/debug/fault"

// FaultState is the body of POST PathDebugFault and of its answers: with
// Drop set the node drops every packet it would forward (counted as the
// "fault" drop reason in its stats and metrics).
type FaultState struct {
	Drop bool `json:"drop"`
}

// faultSwitch is the mix node's fault switch (*mixnode.Node).
type faultSwitch interface {
	SetFault(drop bool)
	Fault() bool
}

// maxFaultBody bounds the body of POST PathDebugFault.
const maxFaultBody = 1 << 10

// faultHandler serves PathDebugFault in front of next: GET answers the
// switch's state, POST {"drop": true|false} sets it and answers the new
// state. A body that is not exactly that object is 400.
func faultHandler(sw faultSwitch, log *slog.Logger, next http.Handler) http.Handler {
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET "+PathDebugFault, func(w http.ResponseWriter, _ *http.Request) {
		answer(w, http.StatusOK, FaultState{Drop: sw.Fault()})
	})
	mux.HandleFunc("POST "+PathDebugFault, func(w http.ResponseWriter, r *http.Request) {
		drop, err := decodeFault(http.MaxBytesReader(w, r.Body, maxFaultBody))
		if err != nil {
			answer(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		sw.SetFault(drop)
		log.Warn("fault injection set through the debug API", "drop", drop, "remote", r.RemoteAddr)
		answer(w, http.StatusOK, FaultState{Drop: sw.Fault()})
	})
	mux.Handle("/", next)
	return mux
}

// decodeFault reads {"drop": bool} and nothing else.
func decodeFault(r io.Reader) (bool, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var body struct {
		Drop *bool `json:"drop"`
	}
	if err := dec.Decode(&body); err != nil {
		return false, fmt.Errorf("body: want {\"drop\": true|false}: %w", err)
	}
	if dec.More() {
		return false, errors.New("body: trailing data after the object")
	}
	if body.Drop == nil {
		return false, errors.New("drop: required (true or false)")
	}
	return *body.Drop, nil
}
