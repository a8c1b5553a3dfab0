// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package apidoc holds the directory's API contract, an OpenAPI 3.0.3
// document (openapi.json), and serves it together with a Swagger UI to read
// it in a browser.
//
// The document is hand-written and is the reference for the directory's
// REST API: the server in internal/directory implements what it says, and
// the server's tests check real responses against it with the validator in
// the apidoctest subpackage. This package only embeds and serves files, so
// the nym-directory binary does not link the (large) OpenAPI library.
//
// Mount the handlers on the paths the document gives them:
//
//	mux.Handle("GET /api/openapi.json", apidoc.Handler())
//	mux.Handle("/swagger", apidoc.SwaggerHandler())
//	mux.Handle("/swagger/", apidoc.SwaggerHandler())
//
// or mount Mux(), which serves both, on all three paths.
//
// The Swagger UI (swaggerui/, see its README.md) is vendored from the
// swagger-ui-dist npm package and loads nothing from outside the directory.
package apidoc

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

//go:embed openapi.json
var document []byte

// Document returns a copy of the OpenAPI document (JSON).
func Document() []byte { return bytes.Clone(document) }

var docAsset = newAsset("openapi.json", "application/json", document, nil, true)

// Handler serves the OpenAPI document to GET and HEAD, wherever it is
// mounted (the document's own path is /api/openapi.json). It sets an ETag
// and answers a matching If-None-Match with 304, and gzips the body when
// the request accepts gzip. Other methods get 405 with an Allow header.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowGetHead(w, r) {
			return
		}
		docAsset.serve(w, r)
	})
}

// Route is one operation of the document: a method and a path template.
type Route struct {
	// Method is the HTTP method in upper case, e.g. "GET".
	Method string
	// Path is the path template as written in the document, e.g.
	// "/api/presence/topology" or "/swagger/{file}". Templates use the
	// same {name} syntax as net/http.ServeMux patterns.
	Path string
}

// String returns the route as a ServeMux-style pattern, "GET /path".
func (r Route) String() string { return r.Method + " " + r.Path }

var (
	routesOnce sync.Once
	routes     []Route
	routesErr  error
)

// Routes returns every operation in the document, sorted by path and then
// method. It panics if the embedded document cannot be parsed, which the
// package's tests rule out.
func Routes() []Route {
	routesOnce.Do(func() { routes, routesErr = parseRoutes(document) })
	if routesErr != nil {
		panic(routesErr)
	}
	return slices.Clone(routes)
}

// operationMethods are the keys of an OpenAPI path item that name
// operations.
var operationMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func parseRoutes(doc []byte) ([]Route, error) {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("apidoc: parsing openapi.json: %w", err)
	}
	var rs []Route
	for path, item := range d.Paths {
		for key := range item {
			if slices.Contains(operationMethods, key) {
				rs = append(rs, Route{Method: strings.ToUpper(key), Path: path})
			}
		}
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("apidoc: openapi.json has no operations")
	}
	slices.SortFunc(rs, func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return rs, nil
}

// allowGetHead answers any method but GET and HEAD with 405 and reports
// whether the request may go on.
func allowGetHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed", r.Method))
	return false
}

// writeError writes the API's JSON error body, {"error":msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}
