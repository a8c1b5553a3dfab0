// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
)

func newSwaggerServer(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/swagger", SwaggerHandler())
	mux.Handle("/swagger/", SwaggerHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Transport.(*http.Transport).DisableCompression = true
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return srv, c
}

func TestSwaggerFiles(t *testing.T) {
	srv, c := newSwaggerServer(t)
	for _, tt := range []struct {
		path, contentType string
		gzipped           bool   // big: sent gzipped to clients that accept gzip
		contains          string // a string the file must contain
	}{
		{"/swagger/", "text/html; charset=utf-8", true, `<div id="swagger-ui">`},
		{"/swagger/index.html", "text/html; charset=utf-8", true, `<div id="swagger-ui">`},
		{"/swagger/index.css", "text/css; charset=utf-8", false, "box-sizing"},
		{"/swagger/swagger-initializer.js", "text/javascript; charset=utf-8", false, "SwaggerUIBundle({"},
		{"/swagger/swagger-ui-bundle.js", "text/javascript; charset=utf-8", true, "SwaggerUIBundle"},
		{"/swagger/swagger-ui.css", "text/css; charset=utf-8", true, ".swagger-ui"},
		{"/swagger/favicon-16x16.png", "image/png", false, "\x89PNG"},
		{"/swagger/favicon-32x32.png", "image/png", false, "\x89PNG"},
		{"/swagger/LICENSE", "text/plain; charset=utf-8", true, "Apache License"},
		{"/swagger/NOTICE", "text/plain; charset=utf-8", false, "SmartBear"},
		{"/swagger/swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8", true, "@license"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, plain := do(t, c, "GET", srv.URL+tt.path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q without Accept-Encoding", resp.Header.Get("Content-Encoding"))
			}
			if !bytes.Contains(plain, []byte(tt.contains)) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", resp.Header)
			}

			resp, z := do(t, c, "GET", srv.URL+tt.path, http.Header{"Accept-Encoding": {"gzip"}})
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tt.gzipped {
				t.Fatalf("Content-Encoding %q; want gzip: %v", resp.Header.Get("Content-Encoding"), tt.gzipped)
			}
			if tt.gzipped && !bytes.Equal(gunzip(t, z), plain) {
				t.Error("gzipped body differs from the plain one")
			}

			etag := resp.Header.Get("ETag")
			resp, body := do(t, c, "GET", srv.URL+tt.path, http.Header{"If-None-Match": {etag}})
			if etag == "" || resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match %q: %d, %d bytes", etag, resp.StatusCode, len(body))
			}
		})
	}
}

// TestVendoredFiles checks the vendored Swagger UI files against the
// SHA-256 sums of the npm package's files (swaggerui/SHA256SUMS, written by
// update-swaggerui.sh), after undoing the gzip of the big ones.
func TestVendoredFiles(t *testing.T) {
	sums := readFile(t, "swaggerui/SHA256SUMS")
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad SHA256SUMS line %q", sc.Text())
		}
		a := swaggerAssets[name]
		if a == nil {
			t.Errorf("%s is in SHA256SUMS but not served", name)
			continue
		}
		plain, _, err := a.forms()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := sha256.Sum256(plain)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, SHA256SUMS says %s", name, got, sum)
		}
		n++
	}
	if n != 7 {
		t.Errorf("SHA256SUMS lists %d files, want the 7 vendored ones", n)
	}
}

func TestSwaggerRedirectAndErrors(t *testing.T) {
	srv, c := newSwaggerServer(t)

	resp, _ := do(t, c, "GET", srv.URL+"/swagger", nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "swagger/" {
		t.Fatalf("/swagger: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The relative redirect lands on /swagger/, and under a proxy's prefix
	// on <prefix>/swagger/.
	for base, want := range map[string]string{
		"http://dir.example/swagger":      "http://dir.example/swagger/",
		"https://x.example/nym/swagger?a": "https://x.example/nym/swagger/",
	} {
		b, _ := url.Parse(base)
		if got := b.ResolveReference(&url.URL{Path: resp.Header.Get("Location")}).String(); got != want {
			t.Errorf("Location from %s resolves to %s, want %s", base, got, want)
		}
	}

	for _, path := range []string{"/swagger/nope.js", "/swagger/swagger-ui-bundle.js.gz", "/swagger/SHA256SUMS",
		"/swagger/README.md", "/swagger/a/b"} {
		resp, body := do(t, c, "GET", srv.URL+path, nil)
		checkJSONError(t, "GET "+path, resp, body, http.StatusNotFound)
	}
	// Mounted on a path outside its prefix, it serves nothing.
	rec := httptest.NewRecorder()
	SwaggerHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/other/index.html", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/other/index.html: %d", rec.Code)
	}
	// An unclean path (which ServeMux would redirect) finds no file either.
	rec = httptest.NewRecorder()
	SwaggerHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/swagger/../api/openapi.json", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/swagger/../api/openapi.json: %d", rec.Code)
	}

	for _, path := range []string{"/swagger", "/swagger/", "/swagger/swagger-ui.css", "/swagger/nope.js"} {
		resp, body := do(t, c, "POST", srv.URL+path, nil)
		checkJSONError(t, "POST "+path, resp, body, http.StatusMethodNotAllowed)
		if resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: Allow %q", path, resp.Header.Get("Allow"))
		}
	}

	resp, body := do(t, c, "HEAD", srv.URL+"/swagger/swagger-ui-bundle.js", nil)
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength < 1_000_000 {
		t.Errorf("HEAD bundle: %d, %d bytes, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
	}
}

// TestSwaggerPage checks the page's wiring: it loads its script and
// styles by relative URLs that exist, uses no inline script (so the strict
// Content-Security-Policy it is sent with holds), and points Swagger UI at
// the document by a URL relative to the page.
func TestSwaggerPage(t *testing.T) {
	srv, c := newSwaggerServer(t)
	resp, page := do(t, c, "GET", srv.URL+"/swagger/", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q has an unsafe- exception", csp)
	}

	refs := regexp.MustCompile(`<(script|link)\b[^>]*\b(?:src|href)="([^"]+)"`).FindAllSubmatch(page, -1)
	want := map[string]bool{"swagger-ui-bundle.js": false, "swagger-initializer.js": false, "swagger-ui.css": false, "index.css": false}
	for _, m := range refs {
		ref := string(m[2])
		if _, ok := want[ref]; ok {
			want[ref] = true
		}
		u, err := url.Parse(srv.URL + "/swagger/")
		if err != nil {
			t.Fatal(err)
		}
		target := u.ResolveReference(&url.URL{Path: ref})
		if target.Host != u.Host {
			t.Errorf("page loads %s from another host", ref)
			continue
		}
		r, _ := do(t, c, "GET", target.String(), nil)
		if r.StatusCode != 200 {
			t.Errorf("page refers to %s, which answers %d", ref, r.StatusCode)
		}
	}
	for ref, seen := range want {
		if !seen {
			t.Errorf("page does not load %s", ref)
		}
	}
	if scripts := regexp.MustCompile(`<script\b[^>]*>\s*[^<\s]`).FindAll(page, -1); len(scripts) != 0 {
		t.Errorf("page has inline scripts: %q", scripts)
	}
	if regexp.MustCompile(`\son[a-z]+=`).Match(page) {
		t.Error("page has inline event handlers")
	}

	_, init := do(t, c, "GET", srv.URL+"/swagger/swagger-initializer.js", nil)
	m := regexp.MustCompile(`new URL\("([^"]+)", window\.location\.href\)`).FindSubmatch(init)
	if m == nil {
		t.Fatal("initializer does not resolve the document URL against the page")
	}
	for _, page := range []string{"http://h.example/swagger/", "http://h.example/swagger/index.html"} {
		b, _ := url.Parse(page)
		if got := b.ResolveReference(&url.URL{Path: string(m[1])}).Path; got != dirapi.PathOpenAPI {
			t.Errorf("from %s the document URL %s resolves to %s, want %s", page, m[1], got, dirapi.PathOpenAPI)
		}
	}
	for _, want := range []string{"validatorUrl: null", "queryConfigEnabled: false"} {
		if !bytes.Contains(init, []byte(want)) {
			t.Errorf("initializer lacks %q", want)
		}
	}
}

// externalLoad matches the ways a served file could make a browser load a
// script or stylesheet from another site: HTML script/link tags, CSS
// @import and url(), and, in scripts, an absolute URL of a .js, .mjs or
// .css file or a dynamic import of an absolute URL.
var externalLoad = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<script\b[^>]*\bsrc\s*=\s*["']?(https?:)?//`),
	regexp.MustCompile(`(?i)<link\b[^>]*\bhref\s*=\s*["']?(https?:)?//`),
	regexp.MustCompile(`(?i)@import\s+(url\()?\s*["']?(https?:)?//`),
	regexp.MustCompile(`(?i)url\(\s*["']?(https?:)?//`),
	regexp.MustCompile(`(?i)["'\x60](https?:)?//[^"'\x60\s]+\.(m?js|css)(\?[^"'\x60\s]*)?["'\x60]`),
	regexp.MustCompile(`(?i)\bimport\s*\(\s*["'\x60](https?:)?//`),
	regexp.MustCompile(`(?i)\bimportScripts\s*\(\s*["'\x60](https?:)?//`),
}

func TestNoExternalLoads(t *testing.T) {
	for name, a := range swaggerAssets {
		if a.contentType == "image/png" {
			continue
		}
		plain, _, err := a.forms()
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range externalLoad {
			if loc := re.FindIndex(plain); loc != nil {
				t.Errorf("%s loads from another site: %q", name, plain[loc[0]:min(loc[1]+40, len(plain))])
			}
		}
	}
	// The patterns do catch such loads.
	for _, bad := range []string{
		`<script src="https://cdn.example/x.js"></script>`,
		`<link rel="stylesheet" href="//cdn.example/x.css">`,
		`@import url("https://fonts.example/f.css");`,
		`a{background:url(http://x.example/i.png)}`,
		`e.src="https://cdn.example/lib.min.js?v=1"`,
		"import(`https://cdn.example/m.mjs`)",
	} {
		hit := false
		for _, re := range externalLoad {
			hit = hit || re.MatchString(bad)
		}
		if !hit {
			t.Errorf("no pattern catches %q", bad)
		}
	}
}

func TestMux(t *testing.T) {
	srv := httptest.NewServer(Mux())
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for path, want := range map[string]int{
		dirapi.PathOpenAPI:        200,
		"/swagger":                301,
		"/swagger/":               200,
		"/swagger/swagger-ui.css": 200,
		"/swagger/nope":           404,
		"/api/healthcheck":        404,
		dirapi.PathOpenAPI + "/":  404,
		"/swaggerx":               404,
	} {
		resp, body := do(t, c, "GET", srv.URL+path, nil)
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 404 {
			checkJSONError(t, "GET "+path, resp, body, 404)
		}
	}
	resp, body := do(t, c, "GET", srv.URL+dirapi.PathOpenAPI, nil)
	if resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(body, document) {
		t.Errorf("document through Mux: %q, %d bytes", resp.Header.Get("Content-Type"), len(body))
	}
}
