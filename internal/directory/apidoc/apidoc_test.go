// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
)

// wantRoutes is the directory's API as specified for the server: every
// route the document must describe, no more.
var wantRoutes = []Route{
	{"GET", "/"},
	{"GET", "/api/healthcheck"},
	{"GET", "/api/metrics/mixes"},
	{"POST", "/api/metrics/mixes"},
	{"GET", "/api/openapi.json"},
	{"POST", "/api/presence/coconodes"},
	{"POST", "/api/presence/gateways"},
	{"POST", "/api/presence/mixnodes"},
	{"POST", "/api/presence/mixproviders"},
	{"GET", "/api/presence/topology"},
	{"GET", "/api/status/reliability"},
	{"POST", "/api/status/reliability"},
	{"GET", "/api/status/reliability/{pubKey}"},
	{"GET", "/dashboard/{file}"},
	{"GET", "/metrics"},
	{"GET", "/swagger"},
	{"GET", "/swagger/"},
	{"GET", "/swagger/{file}"},
	{"GET", "/ws"},
}

func TestRoutes(t *testing.T) {
	got := Routes()
	if !slices.Equal(got, wantRoutes) {
		t.Errorf("Routes() =\n%v\nwant\n%v", got, wantRoutes)
	}
	// Every path dirapi names is documented.
	paths := map[string]bool{}
	for _, r := range got {
		paths[r.Path] = true
	}
	for _, p := range []string{
		dirapi.PathHealthcheck, dirapi.PathPresenceMixNodes, dirapi.PathPresenceMixProviders,
		dirapi.PathPresenceCocoNodes, dirapi.PathPresenceGateways, dirapi.PathTopology,
		dirapi.PathMetricsMixes, dirapi.PathWebsocket, dirapi.PathOpenAPI, dirapi.PathSwagger,
		dirapi.PathPrometheus, dirapi.PathReliability,
	} {
		if !paths[p] {
			t.Errorf("dirapi path %s is not in the document", p)
		}
	}
	if got[0].String() != "GET /" {
		t.Errorf("Route.String() = %q", got[0].String())
	}
	// Routes returns a copy.
	got[0].Path = "/changed"
	if Routes()[0].Path != "/" {
		t.Error("Routes() shares its slice with the caller")
	}
}

// TestDocumentText checks what JSON parsers let through silently: a
// duplicated key (the later one wins, so a hand edit could vanish) and the
// file's formatting (two-space indentation, as json.Indent writes it, so
// diffs stay readable).
func TestDocumentText(t *testing.T) {
	if err := checkNoDuplicateKeys(document); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Indent(&want, bytes.TrimSpace(document), "", "  "); err != nil {
		t.Fatal(err)
	}
	want.WriteByte('\n')
	if !bytes.Equal(want.Bytes(), document) {
		t.Error("openapi.json is not formatted as json.Indent(doc, \"\", \"  \") plus a newline")
	}
	var head struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(document, &head); err != nil {
		t.Fatal(err)
	}
	if head.OpenAPI != "3.0.3" || head.Info.Title != "nym-go directory API" || head.Info.Version == "" {
		t.Errorf("document head = %+v", head)
	}
	if !bytes.Equal(Document(), document) {
		t.Error("Document() differs from the embedded file")
	}
	Document()[0] = 'x'
	if document[0] != '{' {
		t.Error("Document() returns the embedded slice itself")
	}
}

func TestCheckNoDuplicateKeys(t *testing.T) {
	if err := checkNoDuplicateKeys([]byte(`{"a":{"b":1,"c":[{"b":2},{"b":3}]},"b":1}`)); err != nil {
		t.Errorf("distinct keys: %v", err)
	}
	if err := checkNoDuplicateKeys([]byte(`{"a":{"b":1,"b":2}}`)); err == nil {
		t.Error("duplicate key not found")
	}
}

// checkNoDuplicateKeys parses a JSON text and fails on an object that has
// a key twice, naming the JSON pointer of the object.
func checkNoDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := checkValue(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func checkValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		keys := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if keys[key] {
				return fmt.Errorf("duplicate key %q in %s", key, path+"/")
			}
			keys[key] = true
			if err := checkValue(dec, path+"/"+key); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := checkValue(dec, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	}
	return nil
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	c := srv.Client()
	// Plain GET (DisableCompression so the transport does not ask for gzip).
	c.Transport.(*http.Transport).DisableCompression = true

	resp, body := do(t, c, "GET", srv.URL, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, document) {
		t.Error("GET body is not the document")
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no Access-Control-Allow-Origin: *")
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag = %q", etag)
	}

	resp, body = do(t, c, "GET", srv.URL, http.Header{"If-None-Match": {`"other", ` + etag}})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d, %d bytes, ETag %q", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	resp, _ = do(t, c, "GET", srv.URL, http.Header{"If-None-Match": {`"other"`}})
	if resp.StatusCode != 200 {
		t.Errorf("non-matching If-None-Match: %d", resp.StatusCode)
	}

	resp, body = do(t, c, "GET", srv.URL, http.Header{"Accept-Encoding": {"br, gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") != etag {
		t.Fatalf("gzip: Content-Encoding %q, ETag %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
	}
	if plain := gunzip(t, body); !bytes.Equal(plain, document) {
		t.Error("gzipped body is not the document")
	}
	if len(body) >= len(document) {
		t.Errorf("gzipped body is %d bytes, the document %d", len(body), len(document))
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}

	resp, body = do(t, c, "HEAD", srv.URL, nil)
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(document)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
	}

	for _, m := range []string{"POST", "PUT", "DELETE"} {
		resp, body = do(t, c, m, srv.URL, nil)
		checkJSONError(t, m, resp, body, http.StatusMethodNotAllowed)
		if resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow = %q", m, resp.Header.Get("Allow"))
		}
	}
}

func do(t *testing.T, c *http.Client, method, url string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkJSONError(t *testing.T, what string, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var e dirapi.Error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == "" {
		t.Errorf("%s: body %q is not a dirapi.Error (%v)", what, body, err)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("%s: no Access-Control-Allow-Origin: *", what)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
