// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/nym-go/nym/internal/negotiate"
)

// Prefix is the path the page's assets are served under: the page at "/"
// loads Prefix+"app.js", Prefix+"style.css" and Prefix+"favicon.svg".
const Prefix = "/dashboard/"

// indexName is the page; it is served at "/" only.
const indexName = "index.html"

//go:embed web
var webFS embed.FS

// contentTypes maps the extensions of the embedded files to their types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// A file is one embedded file, ready to serve: its plain and gzipped
// bodies and their entity tags, which are derived from the content, so a
// new build with a changed file never matches a cached copy.
type file struct {
	contentType string
	plain, gz   []byte
	etag, gzTag string
}

// files holds every embedded file by name (index.html, app.js, ...).
// Built once at start from the embedded tree; read-only afterwards.
var files = loadFiles()

func loadFiles() map[string]*file {
	m := make(map[string]*file)
	entries, _ := fs.ReadDir(webFS, "web") // embedded, so present
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := webFS.ReadFile("web/" + e.Name())
		if err != nil {
			continue
		}
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(b)
		tag := hex.EncodeToString(sum[:12])
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level
		zw.Write(b)
		zw.Close()
		m[e.Name()] = &file{
			contentType: ct,
			plain:       b,
			gz:          gz.Bytes(),
			etag:        `"` + tag + `"`,
			gzTag:       `"` + tag + `-gzip"`,
		}
	}
	return m
}

// Handler serves the dashboard: the page at "/" and its assets at
// Prefix+"<file>", to GET and HEAD. Each response has an ETag derived from
// the content (a request whose If-None-Match names it gets 304),
// Cache-Control: no-cache, so browsers revalidate and never run a stale
// script after an upgrade, and the Content-Security-Policy of CSP. Bodies
// are gzipped for clients that accept it. Any other path is a JSON 404
// ({"error": ...}), any other method a JSON 405 with an Allow header.
func Handler() http.Handler { return http.HandlerFunc(serve) }

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	f := lookup(r.URL.Path)
	if f == nil {
		writeError(w, http.StatusNotFound, "no such path: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed (allowed: GET, HEAD)", r.Method))
		return
	}
	h.Set("Content-Security-Policy", CSP(r.Host))
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	body, tag := f.plain, f.etag
	gzipped := negotiate.AcceptsGzip(r.Header.Values("Accept-Encoding"))
	if gzipped {
		body, tag = f.gz, f.gzTag
	}
	h.Set("ETag", tag)
	// Both tags name the same content, so either one revalidates.
	if negotiate.ETagMatch(r.Header.Values("If-None-Match"), f.etag, f.gzTag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gzipped {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// lookup returns the file a request path names, or nil: "/" is the page,
// Prefix+name an asset (one path segment; the page itself is only at "/").
func lookup(p string) *file {
	if p == "/" {
		return files[indexName]
	}
	name, ok := strings.CutPrefix(p, Prefix)
	if !ok || name == indexName || name == "" || strings.Contains(name, "/") {
		return nil
	}
	return files[name]
}

// CSP returns the Content-Security-Policy the dashboard is served with for
// a request to host (the request's Host header): scripts, styles, images
// and fetches from the page's own origin only, no inline script or style,
// no eval, no frames, no forms, and websocket connections (ws: and wss:)
// to host only. A host with characters a host:port cannot hold is left
// out, so the websocket falls back to 'self' (which CSP Level 3 browsers
// also match against ws: and wss: on the same host).
func CSP(host string) string {
	connect := "connect-src 'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " + connect +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// validHost reports whether h looks like host, host:port or [v6]:port:
// letters, digits and . - : [ ] only, so it cannot end or add a directive.
func validHost(h string) bool {
	if h == "" || len(h) > 300 {
		return false
	}
	for _, c := range []byte(h) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// writeError writes the directory API's JSON error body, {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg}) // a string always encodes
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
