// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package dirclient is a typed client of the directory's REST API: nodes
// use it to announce presence and report metrics, clients to fetch the
// topology.
package dirclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

// maxResponse bounds how much of a response body is read: a topology of
// 10,000 nodes is about 2 MB.
const maxResponse = 32 << 20

// Client talks to one directory. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
}

// APIError is an error response from the directory.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Message is the directory's {"error": ...} text, or the raw body.
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("directory: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// New returns a client of the directory at baseURL (e.g.
// "http://127.0.0.1:8080"). A nil hc uses a client with a 10 s timeout.
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("dirclient: directory URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dirclient: directory URL %q is not http(s)://host[:port]", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{base: u, http: hc}, nil
}

// BaseURL returns the directory's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// Topology fetches the current topology.
func (c *Client) Topology(ctx context.Context) (*dirapi.Topology, error) {
	var t dirapi.Topology
	if err := c.do(ctx, http.MethodGet, dirapi.PathTopology, nil, http.StatusOK, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Healthcheck returns nil when the directory answers its healthcheck.
func (c *Client) Healthcheck(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, dirapi.PathHealthcheck, nil, http.StatusOK, nil)
}

// Announce posts a presence record to the route of its kind.
func (c *Client) Announce(ctx context.Context, p dirapi.Signable) error {
	path, err := presencePath(p.Kind())
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, p, http.StatusCreated, nil)
}

// ReportMetric posts a mix node's traffic report.
func (c *Client) ReportMetric(ctx context.Context, m dirapi.MixMetric) error {
	if m.Sent == nil {
		m.Sent = map[string]uint64{}
	}
	return c.do(ctx, http.MethodPost, dirapi.PathMetricsMixes, m, http.StatusCreated, nil)
}

// Metrics fetches the directory's published metrics window.
func (c *Client) Metrics(ctx context.Context) ([]dirapi.PersistedMixMetric, error) {
	var ms []dirapi.PersistedMixMetric
	if err := c.do(ctx, http.MethodGet, dirapi.PathMetricsMixes, nil, http.StatusOK, &ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// PostReliability posts a network monitor's signed run report.
func (c *Client) PostReliability(ctx context.Context, r *dirapi.ReliabilityReport) error {
	return c.do(ctx, http.MethodPost, dirapi.PathReliability, r, http.StatusCreated, nil)
}

func presencePath(k dirapi.Kind) (string, error) {
	switch k {
	case dirapi.KindMixNode:
		return dirapi.PathPresenceMixNodes, nil
	case dirapi.KindGateway:
		return dirapi.PathPresenceGateways, nil
	case dirapi.KindMixProvider:
		return dirapi.PathPresenceMixProviders, nil
	case dirapi.KindCocoNode:
		return dirapi.PathPresenceCocoNodes, nil
	}
	return "", fmt.Errorf("dirclient: unknown presence kind %q", k)
}

func (c *Client) do(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("dirclient: encode %s body: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("dirclient: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("dirclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("dirclient: %s %s: read response: %w", method, path, err)
	}
	if len(raw) > maxResponse {
		return fmt.Errorf("dirclient: %s %s: response over %d bytes", method, path, maxResponse)
	}
	if resp.StatusCode != want {
		msg := strings.TrimSpace(string(raw))
		var e dirapi.Error
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &APIError{Status: resp.StatusCode, Message: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("dirclient: %s %s: decode response: %w", method, path, err)
	}
	return nil
}

// IsRefused reports whether err is the directory refusing a request (a 4xx
// answer), as opposed to the directory being unreachable or failing.
// Refusals won't go away by retrying the same request.
func IsRefused(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500
}
