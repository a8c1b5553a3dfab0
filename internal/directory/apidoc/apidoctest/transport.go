// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoctest

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// Transport returns an http.RoundTripper that sends requests through base
// (http.DefaultTransport if nil) and checks every request and response
// against the document, reporting mismatches with t.Errorf. Use it as the
// Transport of the http.Client a server test uses, and every call the test
// makes is also a contract check:
//
//	client := &http.Client{Transport: v.Transport(t, nil)}
//
// Every response is checked with ValidateResponse. Requests are checked
// with ValidateRequest, but a test sends malformed requests on purpose, so
// a request the document refuses is reported only if the server accepted
// it (answered below 400): then the server and the document disagree.
// Requests outside the document (a wrong method, an unknown path) are left
// to the response check, which wants the document's generic 405 and 404.
//
// Request and response bodies are read in full and handed on unchanged. A
// 101 response is checked by status and headers only; its body (the
// upgraded connection) is left alone, so websocket dialers work too.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, t: t, base: base}
}

type transport struct {
	v    *Validator
	t    testing.TB
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	var reqErr error
	if rt := tr.v.match(req); rt != nil && rt.op != nil {
		reqErr = tr.v.ValidateRequest(req, reqBody)
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if reqErr != nil && resp.StatusCode < 400 {
		tr.t.Errorf("%v; yet the server answered %d", reqErr, resp.StatusCode)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		if err := tr.v.ValidateResponse(req, resp.StatusCode, resp.Header, nil); err != nil {
			tr.t.Errorf("%v", err)
		}
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := tr.v.ValidateResponse(req, resp.StatusCode, resp.Header, body); err != nil {
		tr.t.Errorf("%v", err)
	}
	return resp, nil
}
