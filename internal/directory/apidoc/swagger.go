// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc

import (
	"embed"
	"net/http"
	"strings"
)

// SwaggerPrefix is the path the Swagger UI is served under.
const SwaggerPrefix = "/swagger/"

//go:embed swaggerui/index.html swaggerui/index.css swaggerui/swagger-initializer.js
//go:embed swaggerui/swagger-ui-bundle.js.gz swaggerui/swagger-ui.css.gz
//go:embed swaggerui/favicon-16x16.png swaggerui/favicon-32x32.png
//go:embed swaggerui/LICENSE swaggerui/NOTICE swaggerui/swagger-ui-bundle.js.LICENSE.txt
var swaggerFS embed.FS

// swaggerCSP is the Content-Security-Policy of the Swagger UI's page: it
// may load scripts, styles, images and data only from the directory itself,
// with no inline script or style and no eval (the browser test checks that
// Swagger UI renders under it without a violation).
const swaggerCSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// swaggerAssets maps each file name under SwaggerPrefix to its asset.
var swaggerAssets = func() map[string]*asset {
	m := make(map[string]*asset)
	add := func(name, contentType string, compress bool) {
		gzipped := false
		b, err := swaggerFS.ReadFile("swaggerui/" + name)
		if err != nil {
			b, err = swaggerFS.ReadFile("swaggerui/" + name + ".gz")
			gzipped = true
		}
		if err != nil {
			panic("apidoc: missing embedded file " + name)
		}
		if gzipped {
			m[name] = newAsset(name, contentType, nil, b, true)
		} else {
			m[name] = newAsset(name, contentType, b, nil, compress)
		}
	}
	add("index.html", "text/html; charset=utf-8", true)
	add("index.css", "text/css; charset=utf-8", false)
	add("swagger-initializer.js", "text/javascript; charset=utf-8", false)
	add("swagger-ui-bundle.js", "text/javascript; charset=utf-8", true)
	add("swagger-ui.css", "text/css; charset=utf-8", true)
	add("favicon-16x16.png", "image/png", false)
	add("favicon-32x32.png", "image/png", false)
	add("LICENSE", "text/plain; charset=utf-8", true)
	add("NOTICE", "text/plain; charset=utf-8", false)
	add("swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8", true)
	return m
}()

// SwaggerHandler serves the Swagger UI, which shows the document served at
// /api/openapi.json. It expects the full request path: /swagger/ and
// /swagger/index.html are the page, /swagger/<file> its scripts,
// stylesheets, icons and licenses, and /swagger redirects to /swagger/.
// Every URL the page uses is relative, so it works behind any host name
// (and under a path prefix added by a proxy). Unknown files get a JSON 404,
// methods other than GET and HEAD a JSON 405.
func SwaggerHandler() http.Handler {
	return http.HandlerFunc(serveSwagger)
}

func serveSwagger(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == strings.TrimSuffix(SwaggerPrefix, "/") {
		if !allowGetHead(w, r) {
			return
		}
		// Relative, so that a proxy's path prefix survives.
		w.Header().Set("Location", "swagger/")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	name, ok := strings.CutPrefix(path, SwaggerPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, "not found: "+path)
		return
	}
	// The method first: every path under the prefix is documented (as
	// /swagger/{file}), so a wrong method is 405 even for a missing file.
	if !allowGetHead(w, r) {
		return
	}
	if name == "" {
		name = "index.html"
	}
	a := swaggerAssets[name]
	if a == nil {
		writeError(w, http.StatusNotFound, "not found: "+path)
		return
	}
	if name == "index.html" {
		w.Header().Set("Content-Security-Policy", swaggerCSP)
		w.Header().Set("Referrer-Policy", "no-referrer")
	}
	a.serve(w, r)
}

// Mux returns one handler for everything this package serves, for a server
// that mounts a single handler on the paths /api/openapi.json, /swagger and
// /swagger/: it dispatches to Handler and SwaggerHandler by path, and
// answers any other path with a JSON 404.
func Mux() http.Handler {
	doc, ui := Handler(), SwaggerHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/api/openapi.json":
			doc.ServeHTTP(w, r)
		case p == strings.TrimSuffix(SwaggerPrefix, "/") || strings.HasPrefix(p, SwaggerPrefix):
			ui.ServeHTTP(w, r)
		default:
			writeError(w, http.StatusNotFound, "not found: "+p)
		}
	})
}
