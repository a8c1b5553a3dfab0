// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
)

func get(t *testing.T, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	return w
}

func embedded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := webFS.ReadFile("web/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServesEveryFile(t *testing.T) {
	for _, tt := range []struct {
		path, file, contentType string
	}{
		{"/", "index.html", "text/html; charset=utf-8"},
		{Prefix + "app.js", "app.js", "text/javascript; charset=utf-8"},
		{Prefix + "style.css", "style.css", "text/css; charset=utf-8"},
		{Prefix + "favicon.svg", "favicon.svg", "image/svg+xml"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			w := get(t, "GET", tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", tt.path, w.Code, w.Body)
			}
			h := w.Header()
			for k, want := range map[string]string{
				"Content-Type":                tt.contentType,
				"Cache-Control":               "no-cache",
				"X-Content-Type-Options":      "nosniff",
				"Access-Control-Allow-Origin": "*",
				"Content-Encoding":            "",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !bytes.Equal(w.Body.Bytes(), embedded(t, tt.file)) {
				t.Error("body differs from the embedded file")
			}
			if h.Get("Content-Length") != itoa(len(embedded(t, tt.file))) {
				t.Errorf("Content-Length %q", h.Get("Content-Length"))
			}
			if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(h.Get("ETag")) {
				t.Errorf("ETag %q is not a strong content hash", h.Get("ETag"))
			}
			if h.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
	// Every embedded file is one of the above: nothing dead ships.
	entries, err := fs.ReadDir(webFS, "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 || len(files) != 4 {
		t.Errorf("embedded %d files (%d served), want 4", len(entries), len(files))
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestETag(t *testing.T) {
	tags := map[string]bool{}
	for _, p := range []string{"/", Prefix + "app.js", Prefix + "style.css", Prefix + "favicon.svg"} {
		w := get(t, "GET", p)
		tag := w.Header().Get("ETag")
		if tags[tag] {
			t.Errorf("%s: ETag %s shared with another file", p, tag)
		}
		tags[tag] = true

		nm := get(t, "GET", p, "If-None-Match", tag)
		if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
			t.Errorf("%s with its ETag: %d, %d bytes; want 304, none", p, nm.Code, nm.Body.Len())
		}
		if nm.Header().Get("ETag") != tag {
			t.Errorf("%s: 304 ETag %q, want %q", p, nm.Header().Get("ETag"), tag)
		}
		// The gzip tag names the same content: a client that cached the
		// gzipped body may revalidate without asking for gzip.
		gzTag := strings.TrimSuffix(tag, `"`) + `-gzip"`
		if c := get(t, "GET", p, "If-None-Match", gzTag).Code; c != http.StatusNotModified {
			t.Errorf("%s with the gzip tag: %d", p, c)
		}
		if c := get(t, "GET", p, "If-None-Match", `W/`+tag+`, "other"`).Code; c != http.StatusNotModified {
			t.Errorf("%s with a weak tag in a list: %d", p, c)
		}
		if c := get(t, "GET", p, "If-None-Match", `"0123"`).Code; c != http.StatusOK {
			t.Errorf("%s with a stale tag: %d, want 200", p, c)
		}
	}
}

func TestGzip(t *testing.T) {
	w := get(t, "GET", Prefix+"app.js", "Accept-Encoding", "br, gzip")
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.HasSuffix(w.Header().Get("ETag"), `-gzip"`) {
		t.Fatalf("Content-Encoding %q ETag %q", w.Header().Get("Content-Encoding"), w.Header().Get("ETag"))
	}
	if !slices.Contains(w.Header().Values("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", w.Header().Values("Vary"))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, embedded(t, "app.js")) {
		t.Errorf("gunzipped body differs (%v)", err)
	}
	if c := get(t, "GET", Prefix+"app.js", "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding"); c != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q", c)
	}
}

func TestHead(t *testing.T) {
	w := get(t, "HEAD", "/")
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") != itoa(len(embedded(t, "index.html"))) {
		t.Errorf("HEAD /: %d, %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func wantJSONError(t *testing.T, w *httptest.ResponseRecorder, code int, contains string) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d (%s)", w.Code, code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var e dirapi.Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, contains) {
		t.Errorf("body %s (%v), want an error containing %q", w.Body, err, contains)
	}
}

func TestUnknownPaths(t *testing.T) {
	for _, p := range []string{
		Prefix + "nope.js", Prefix, "/dashboard", Prefix + "index.html", "/index.html", "/app.js",
		Prefix + "web/app.js", Prefix + "../web/app.js", "/other/app.js",
	} {
		t.Run(p, func(t *testing.T) {
			wantJSONError(t, get(t, "GET", p), http.StatusNotFound, "no such path")
		})
	}
}

func TestMethods(t *testing.T) {
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		w := get(t, m, Prefix+"app.js")
		wantJSONError(t, w, http.StatusMethodNotAllowed, "method "+m+" not allowed")
		if w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q", m, w.Header().Get("Allow"))
		}
	}
}

func TestCSP(t *testing.T) {
	csp := get(t, "GET", "/").Header().Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = val
	}
	for name, want := range map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"img-src":         "'self'",
		"connect-src":     "'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080",
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	} {
		if directives[name] != want {
			t.Errorf("%s %q, want %q (policy %q)", name, directives[name], want, csp)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "*") {
		t.Errorf("policy %q is not strict", csp)
	}
	for _, host := range []string{"", "a b", "h;script-src *", "h\r\nX: y", "h/p", "h'x"} {
		if got := CSP(host); !strings.Contains(got, "connect-src 'self';") {
			t.Errorf("CSP(%q) = %q: a bad host got into the policy", host, got)
		}
	}
	if got := CSP("[::1]:8080"); !strings.Contains(got, "connect-src 'self' ws://[::1]:8080 wss://[::1]:8080;") {
		t.Errorf("CSP([::1]:8080) = %q", got)
	}
}

// The page loads only embedded files, from this origin, with nothing
// inline that the policy would block.
func TestIndexReferences(t *testing.T) {
	page := string(embedded(t, "index.html"))
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	var assets []string
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("index.html refers to %q, not a path on this origin", ref)
			continue
		}
		if name, ok := strings.CutPrefix(ref, Prefix); ok {
			assets = append(assets, name)
			if w := get(t, "GET", ref); w.Code != http.StatusOK {
				t.Errorf("index.html refers to %s: %d", ref, w.Code)
			}
		}
	}
	for _, name := range []string{"app.js", "style.css", "favicon.svg"} {
		if !slices.Contains(assets, name) {
			t.Errorf("index.html does not load %s", name)
		}
	}
	if regexp.MustCompile(`<script[^>]*>[^<]+</script>|<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Error("index.html has inline script or style, which the policy blocks")
	}
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		b := string(embedded(t, name))
		if strings.Contains(b, "http://") || strings.Contains(b, "https://") || strings.Contains(b, "@import") {
			t.Errorf("%s refers to another origin", name)
		}
		if !strings.Contains(b, "SPDX-License-Identifier: Apache-2.0") {
			t.Errorf("%s lacks the license header", name)
		}
	}
	js := string(embedded(t, "app.js"))
	for _, want := range []string{`"` + dirapi.PathTopology + `"`, `"` + dirapi.PathWebsocket + `"`, "If-None-Match", "textContent"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js does not use %s", want)
		}
	}
	for _, bad := range []string{"innerHTML", "eval(", "new Function", "document.write"} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
	for _, id := range []string{`id="total-sent-rate"`, `id="total-received-rate"`, `id="throughput-chart"`, `id="ws-status"`, `id="network"`} {
		if !strings.Contains(page, id) {
			t.Errorf("index.html lacks %s", id)
		}
	}
}
