// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package apidoctest checks HTTP requests and responses against the
// directory's OpenAPI document (package apidoc), for tests.
//
// It is built on github.com/getkin/kin-openapi, which only tests link: the
// directory binary imports apidoc, never this package.
//
// A Validator is strict where the document is: a response must have a
// status the operation lists, the headers it marks required, the declared
// Content-Type and a body of the declared schema. Beyond the operations, it
// applies the document's two generic rules: a path the document does not
// list must be answered 404 with an Error body, and a listed path asked with
// an unlisted method 405 with an Error body and an Allow header naming the
// path's methods. HEAD is treated as GET without a body.
package apidoctest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/nym-go/nym/internal/directory/apidoc"
)

// Validator checks requests and responses against an OpenAPI document. It
// is safe for concurrent use.
type Validator struct {
	doc   *openapi3.T
	paths []*pathTemplate // literal paths before templated ones

	mu   sync.Mutex
	seen map[Exercise]bool
}

// Exercise names one documented response: an operation and a status.
type Exercise struct {
	Method string // upper case
	Path   string // the document's path template
	Status int
}

func (e Exercise) String() string { return fmt.Sprintf("%s %s -> %d", e.Method, e.Path, e.Status) }

// New returns a Validator for the directory's document, apidoc.Document().
func New() (*Validator, error) { return NewFromData(apidoc.Document()) }

// NewFromData loads and validates an OpenAPI 3 document and returns a
// Validator for it.
func NewFromData(data []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("apidoctest: loading document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apidoctest: invalid document: %w", err)
	}
	v := &Validator{doc: doc, seen: make(map[Exercise]bool)}
	for p := range doc.Paths.Map() {
		v.paths = append(v.paths, parseTemplate(p))
	}
	slices.SortFunc(v.paths, func(a, b *pathTemplate) int {
		if a.params != b.params {
			return a.params - b.params
		}
		return strings.Compare(a.raw, b.raw)
	})
	return v, nil
}

// Document returns the loaded document. Callers must not modify it.
func (v *Validator) Document() *openapi3.T { return v.doc }

// Exercises returns every documented (operation, status) pair, sorted.
func (v *Validator) Exercises() []Exercise {
	var es []Exercise
	for path, item := range v.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue // "default" or a range such as "4XX"; the document has none
				}
				es = append(es, Exercise{Method: method, Path: path, Status: status})
			}
		}
	}
	slices.SortFunc(es, func(a, b Exercise) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		if c := strings.Compare(a.Method, b.Method); c != 0 {
			return c
		}
		return a.Status - b.Status
	})
	return es
}

// Unexercised returns the documented (operation, status) pairs for which
// ValidateResponse has not yet passed a response, so a test can show which
// parts of the contract it never checked.
func (v *Validator) Unexercised() []Exercise {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []Exercise
	for _, e := range v.Exercises() {
		if !v.seen[e] {
			out = append(out, e)
		}
	}
	return out
}

// route is a request matched to the document.
type route struct {
	path   *pathTemplate
	item   *openapi3.PathItem
	params map[string]string
	method string              // the documented method used (GET for HEAD)
	op     *openapi3.Operation // nil when the method is not documented
}

// match finds the request's path in the document. It returns nil when no
// path matches.
func (v *Validator) match(r *http.Request) *route {
	for _, p := range v.paths {
		params, ok := p.match(r.URL.Path)
		if !ok {
			continue
		}
		rt := &route{path: p, item: v.doc.Paths.Value(p.raw), params: params, method: r.Method}
		if r.Method == http.MethodHead && rt.item.Head == nil && rt.item.Get != nil {
			rt.method = http.MethodGet
		}
		rt.op = rt.item.GetOperation(rt.method)
		return rt
	}
	return nil
}

func (v *Validator) kinRoute(rt *route) *routers.Route {
	return &routers.Route{
		Spec:      v.doc,
		Path:      rt.path.raw,
		PathItem:  rt.item,
		Method:    rt.method,
		Operation: rt.op,
	}
}

// ValidateRequest checks that a request (with its body, which may be nil)
// is one the document describes: a listed path and method, the required
// parameters and headers, and a body of the declared content type and
// schema. It does not read or change req.Body.
func (v *Validator) ValidateRequest(req *http.Request, body []byte) error {
	rt := v.match(req)
	if rt == nil {
		return fmt.Errorf("apidoctest: %s %s: path is not in the document", req.Method, req.URL.Path)
	}
	if rt.op == nil {
		return fmt.Errorf("apidoctest: %s %s: method is not in the document (path %s has %s)",
			req.Method, req.URL.Path, rt.path.raw, strings.Join(documentedMethods(rt.item), ", "))
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.Method == http.MethodHead {
		r.Method = http.MethodGet
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: rt.params,
		Route:      v.kinRoute(rt),
		Options: filterOptions(&openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		}),
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return fmt.Errorf("apidoctest: %s %s: request does not match the document: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// ValidateResponse checks a response to req against the document. Body is
// the body as sent (gzipped if Content-Encoding says so; nil for 101, 304
// and HEAD). On success it records the (operation, status) pair as
// exercised.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if err := v.validateResponse(req, status, header, body); err != nil {
		return fmt.Errorf("apidoctest: %s %s -> %d: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}

func (v *Validator) validateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if header == nil {
		header = http.Header{}
	}
	rt := v.match(req)
	switch {
	case rt == nil:
		if status != http.StatusNotFound {
			return fmt.Errorf("path is not in the document, so the answer must be 404")
		}
		return v.validateGeneric(req, "NotFound", header, body)
	case rt.op == nil:
		if status != http.StatusMethodNotAllowed {
			return fmt.Errorf("method is not in the document for %s, so the answer must be 405", rt.path.raw)
		}
		if err := checkAllow(header.Values("Allow"), documentedMethods(rt.item)); err != nil {
			return err
		}
		return v.validateGeneric(req, "MethodNotAllowed", header, body)
	}

	respRef := rt.op.Responses.Status(status)
	if respRef == nil || respRef.Value == nil {
		return fmt.Errorf("status is not documented for %s %s (documented: %s)",
			rt.method, rt.path.raw, strings.Join(statuses(rt.op), ", "))
	}
	resp := respRef.Value
	if err := checkHeaders(resp, header); err != nil {
		return err
	}
	plain, err := decodeBody(header, body)
	if err != nil {
		return err
	}
	bodyless := req.Method == http.MethodHead || status == http.StatusNotModified ||
		status == http.StatusSwitchingProtocols || (status >= 100 && status < 200)
	switch {
	case bodyless:
		if len(plain) != 0 && status != http.StatusSwitchingProtocols {
			return fmt.Errorf("response must have no body, has %d bytes", len(plain))
		}
	case len(resp.Content) == 0:
		// Nothing declared about the body (e.g. the 301 redirect).
	default:
		hdr := header.Clone()
		hdr.Del("Content-Encoding")
		r := req.Clone(req.Context())
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request:    r,
				PathParams: rt.params,
				Route:      v.kinRoute(rt),
			},
			Status: status,
			Header: hdr,
			Options: filterOptions(&openapi3filter.Options{
				IncludeResponseStatus: true,
				MultiError:            true,
			}),
		}
		in.SetBodyBytes(plain)
		if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
			return err
		}
	}
	v.mu.Lock()
	v.seen[Exercise{Method: rt.method, Path: rt.path.raw, Status: status}] = true
	v.mu.Unlock()
	return nil
}

// validateGeneric checks a 404 or 405 against the named entry of
// components/responses.
func (v *Validator) validateGeneric(req *http.Request, name string, header http.Header, body []byte) error {
	ref := v.doc.Components.Responses[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("document has no components/responses/%s", name)
	}
	if err := checkHeaders(ref.Value, header); err != nil {
		return err
	}
	if req.Method == http.MethodHead {
		return nil
	}
	plain, err := decodeBody(header, body)
	if err != nil {
		return err
	}
	return v.validateContent(ref.Value.Content, header.Get("Content-Type"), plain)
}

// validateContent checks a body against the media type of content that
// matches contentType. Only JSON bodies are decoded.
func (v *Validator) validateContent(content openapi3.Content, contentType string, body []byte) error {
	mt := content.Get(contentType)
	if mt == nil {
		return fmt.Errorf("Content-Type %q is not documented (documented: %s)", contentType, strings.Join(slices.Sorted(maps.Keys(content)), ", "))
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	return visit(mt.Schema.Value, body)
}

// ValidateSchema checks a JSON value against the document's schema
// components/schemas/<name>, as a response value.
func (v *Validator) ValidateSchema(name string, value []byte) error {
	ref := v.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("apidoctest: document has no schema %q", name)
	}
	if err := visit(ref.Value, value); err != nil {
		return fmt.Errorf("apidoctest: value does not match schema %s: %w", name, err)
	}
	return nil
}

// ValidateWebsocketFrame checks one text frame from /ws: one or more lines
// separated by "\n", each a compact JSON PersistedMixMetric.
func (v *Validator) ValidateWebsocketFrame(frame []byte) error {
	if len(frame) == 0 {
		return errors.New("apidoctest: empty websocket frame")
	}
	for i, line := range bytes.Split(frame, []byte("\n")) {
		if len(line) == 0 {
			return fmt.Errorf("apidoctest: websocket frame line %d is empty", i+1)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, line); err != nil {
			return fmt.Errorf("apidoctest: websocket frame line %d is not JSON: %w", i+1, err)
		}
		if !bytes.Equal(compact.Bytes(), line) {
			return fmt.Errorf("apidoctest: websocket frame line %d is not compact JSON", i+1)
		}
		if err := v.ValidateSchema("PersistedMixMetric", line); err != nil {
			return fmt.Errorf("websocket frame line %d: %w", i+1, err)
		}
	}
	return nil
}

func visit(schema *openapi3.Schema, body []byte) error {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage))
}

// schemaErrorMessage shortens kin-openapi's schema errors, which by default
// print the whole schema and value, to where and why.
func schemaErrorMessage(err *openapi3.SchemaError) string {
	where := "/" + strings.Join(err.JSONPointer(), "/")
	if err.Origin != nil {
		return fmt.Sprintf("at %q: %v", where, err.Origin)
	}
	return fmt.Sprintf("at %q: %s", where, err.Reason)
}

func filterOptions(o *openapi3filter.Options) *openapi3filter.Options {
	o.WithCustomSchemaErrorFunc(schemaErrorMessage)
	return o
}

// checkHeaders checks the response headers the document declares: required
// ones must be present, and every present one must match its schema.
func checkHeaders(resp *openapi3.Response, header http.Header) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		ref := resp.Headers[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		h := ref.Value
		vals := header.Values(name)
		if len(vals) == 0 {
			if h.Required {
				errs = append(errs, fmt.Errorf("required header %s is missing", name))
			}
			continue
		}
		if len(vals) > 1 {
			errs = append(errs, fmt.Errorf("header %s is sent %d times", name, len(vals)))
			continue
		}
		if h.Schema != nil && h.Schema.Value != nil {
			if err := h.Schema.Value.VisitJSON(vals[0], openapi3.VisitAsResponse(),
				openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage)); err != nil {
				errs = append(errs, fmt.Errorf("header %s: %q: %w", name, vals[0], err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkAllow checks a 405's Allow header: it must name every documented
// method of the path, and may add HEAD (for GET) and OPTIONS.
func checkAllow(values, documented []string) error {
	if len(values) == 0 {
		return errors.New("405 without an Allow header")
	}
	got := map[string]bool{}
	for _, v := range values {
		for m := range strings.SplitSeq(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				got[strings.ToUpper(m)] = true
			}
		}
	}
	for _, m := range documented {
		if !got[m] {
			return fmt.Errorf("header Allow %q lacks documented method %s", strings.Join(values, ", "), m)
		}
	}
	for m := range got {
		extra := m == http.MethodOptions || (m == http.MethodHead && slices.Contains(documented, http.MethodGet))
		if !slices.Contains(documented, m) && !extra {
			return fmt.Errorf("header Allow %q names undocumented method %s", strings.Join(values, ", "), m)
		}
	}
	return nil
}

// decodeBody undoes a gzip Content-Encoding.
func decodeBody(header http.Header, body []byte) ([]byte, error) {
	switch enc := strings.ToLower(strings.TrimSpace(header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, nil
	case "gzip":
		if len(body) == 0 {
			return nil, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip, but the body is not gzip: %w", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip, but the body is not gzip: %w", err)
		}
		return plain, nil
	default:
		return nil, fmt.Errorf("undocumented Content-Encoding %q", enc)
	}
}

func documentedMethods(item *openapi3.PathItem) []string {
	return slices.Sorted(maps.Keys(item.Operations()))
}

func statuses(op *openapi3.Operation) []string {
	return slices.Sorted(maps.Keys(op.Responses.Map()))
}

// pathTemplate is a document path such as /swagger/{file}; a {name}
// segment matches one non-empty path segment.
type pathTemplate struct {
	raw      string
	segments []string
	params   int
}

func parseTemplate(p string) *pathTemplate {
	t := &pathTemplate{raw: p, segments: strings.Split(p, "/")}
	for _, s := range t.segments {
		if isParam(s) {
			t.params++
		}
	}
	return t
}

func isParam(s string) bool { return len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' }

func (t *pathTemplate) match(path string) (map[string]string, bool) {
	segs := strings.Split(path, "/")
	if len(segs) != len(t.segments) {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range t.segments {
		if isParam(s) {
			v, err := url.PathUnescape(segs[i])
			if segs[i] == "" || err != nil {
				return nil, false
			}
			params[s[1:len(s)-1]] = v
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}
