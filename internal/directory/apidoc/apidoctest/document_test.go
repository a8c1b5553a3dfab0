// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoctest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory/apidoc"
)

func newValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDocumentLoads loads the document with kin-openapi and validates it
// (structure, $refs, and every example against its schema).
func TestDocumentLoads(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(apidoc.Document())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	for _, want := range []string{"v0.5.0", "identityKey", "signature", "timestamp", "nym-go/directory/presence/v1", "401", "403", "405"} {
		if !strings.Contains(doc.Info.Description, want) {
			t.Errorf("info.description does not mention %q", want)
		}
	}
}

// TestValidationCatchesMistakes shows that loading fails on the mistakes
// TestDocumentLoads rules out: a dangling $ref and an example that does not
// match its schema.
func TestValidationCatchesMistakes(t *testing.T) {
	doc := string(apidoc.Document())
	for name, broken := range map[string]string{
		"dangling $ref": strings.Replace(doc, `"$ref": "#/components/schemas/Topology"`, `"$ref": "#/components/schemas/Topologie"`, 1),
		"bad example":   strings.Replace(doc, `"layer": 1,`, `"layer": 0,`, 1),
	} {
		if broken == doc {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, err := NewFromData([]byte(broken)); err == nil {
			t.Errorf("%s: document loaded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestEveryRefResolves walks the raw JSON for "$ref" and checks each target
// exists, including refs the loader would only follow lazily.
func TestEveryRefResolves(t *testing.T) {
	var raw any
	if err := json.Unmarshal(apidoc.Document(), &raw); err != nil {
		t.Fatal(err)
	}
	var refs []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(raw)
	if len(refs) < 50 {
		t.Fatalf("found only %d $refs", len(refs))
	}
	used := map[string]bool{}
	for _, r := range refs {
		p, ok := strings.CutPrefix(r, "#/")
		if !ok {
			t.Errorf("$ref %q is not local", r)
			continue
		}
		var cur any = raw
		for _, seg := range strings.Split(p, "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[seg]
		}
		if cur == nil {
			t.Errorf("$ref %q does not resolve", r)
		}
		used[r] = true
	}
	// Every component is used somewhere, except the generic responses the
	// Validator applies to any path (NotFound on unknown paths,
	// MethodNotAllowed on unlisted methods).
	comps := raw.(map[string]any)["components"].(map[string]any)
	for kind, group := range comps {
		for name := range group.(map[string]any) {
			ref := "#/components/" + kind + "/" + name
			if !used[ref] && ref != "#/components/responses/MethodNotAllowed" {
				t.Errorf("%s is never used", ref)
			}
		}
	}
}

// wantStatuses lists, per operation, the statuses the API specification
// gives it.
var wantStatuses = map[string][]int{
	"GET /":                                {200, 304},
	"GET /api/healthcheck":                 {200},
	"GET /api/metrics/mixes":               {200},
	"POST /api/metrics/mixes":              {201, 400, 413, 429, 503},
	"GET /api/openapi.json":                {200, 304},
	"POST /api/presence/coconodes":         {201, 400, 401, 403, 413, 503},
	"POST /api/presence/gateways":          {201, 400, 401, 403, 413, 503},
	"POST /api/presence/mixnodes":          {201, 400, 401, 403, 413, 503},
	"POST /api/presence/mixproviders":      {201, 400, 401, 403, 413, 503},
	"GET /api/presence/topology":           {200, 304},
	"GET /api/status/reliability":          {200},
	"POST /api/status/reliability":         {201, 400, 401, 403, 413, 503},
	"GET /api/status/reliability/{pubKey}": {200, 404},
	"GET /dashboard/{file}":                {200, 304, 404},
	"GET /metrics":                         {200},
	"GET /swagger":                         {301},
	"GET /swagger/":                        {200},
	"GET /swagger/{file}":                  {200, 304, 404},
	"GET /ws":                              {101, 400, 426},
}

func TestOperationStatuses(t *testing.T) {
	v := newValidator(t)
	got := map[string][]int{}
	for _, e := range v.Exercises() {
		k := e.Method + " " + e.Path
		got[k] = append(got[k], e.Status)
	}
	if !maps.EqualFunc(got, wantStatuses, slices.Equal) {
		t.Errorf("statuses per operation =\n%v\nwant\n%v", got, wantStatuses)
	}
	// apidoc.Routes agrees with kin-openapi's reading of the document.
	var routes []string
	for _, r := range apidoc.Routes() {
		routes = append(routes, r.String())
	}
	if keys := slices.Sorted(maps.Keys(wantStatuses)); !slices.Equal(slices.Sorted(slices.Values(routes)), keys) {
		t.Errorf("apidoc.Routes() = %v, want %v", routes, keys)
	}
}

// TestResponsesDeclared checks every response, including the generic ones:
// each declares Access-Control-Allow-Origin as required; each error (4xx)
// is application/json with exactly the Error schema; 405 declares Allow,
// 304 and the 200s of cached resources declare ETag.
func TestResponsesDeclared(t *testing.T) {
	v := newValidator(t)
	check := func(where string, status int, r *openapi3.Response) {
		t.Helper()
		if h := r.Headers["Access-Control-Allow-Origin"]; h == nil || !h.Value.Required {
			t.Errorf("%s: Access-Control-Allow-Origin not declared required", where)
		}
		if status >= 400 {
			if len(r.Content) != 1 || r.Content["application/json"] == nil ||
				r.Content["application/json"].Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s: error content is not just application/json Error", where)
			}
		}
		if status == 405 && (r.Headers["Allow"] == nil || !r.Headers["Allow"].Value.Required) {
			t.Errorf("%s: no required Allow header", where)
		}
		if status == 304 && (r.Headers["ETag"] == nil || !r.Headers["ETag"].Value.Required) {
			t.Errorf("%s: no required ETag header", where)
		}
	}
	for _, e := range v.Exercises() {
		op := v.doc.Paths.Value(e.Path).GetOperation(e.Method)
		check(e.String(), e.Status, op.Responses.Status(e.Status).Value)
		if e.Status == 304 {
			if h := op.Responses.Status(200).Value.Headers["ETag"]; h == nil || !h.Value.Required {
				t.Errorf("%s: the 200 does not declare ETag", e)
			}
		}
	}
	check("components/responses/NotFound", 404, v.doc.Components.Responses["NotFound"].Value)
	check("components/responses/MethodNotAllowed", 405, v.doc.Components.Responses["MethodNotAllowed"].Value)
}

// schemaTypes maps each schema to the dirapi type whose JSON it describes.
// The announcement (request) schemas list the same fields as the presence
// types: lastSeen is accepted (and ignored) in a request.
var schemaTypes = map[string]reflect.Type{
	"MixNodePresence":         reflect.TypeFor[dirapi.MixNodePresence](),
	"GatewayPresence":         reflect.TypeFor[dirapi.GatewayPresence](),
	"MixProviderPresence":     reflect.TypeFor[dirapi.MixProviderPresence](),
	"CocoPresence":            reflect.TypeFor[dirapi.CocoPresence](),
	"MixNodeAnnouncement":     reflect.TypeFor[dirapi.MixNodePresence](),
	"GatewayAnnouncement":     reflect.TypeFor[dirapi.GatewayPresence](),
	"MixProviderAnnouncement": reflect.TypeFor[dirapi.MixProviderPresence](),
	"CocoAnnouncement":        reflect.TypeFor[dirapi.CocoPresence](),
	"RegisteredClient":        reflect.TypeFor[dirapi.RegisteredClient](),
	"Topology":                reflect.TypeFor[dirapi.Topology](),
	"MixMetric":               reflect.TypeFor[dirapi.MixMetric](),
	"PersistedMixMetric":      reflect.TypeFor[dirapi.PersistedMixMetric](),
	"OK":                      reflect.TypeFor[dirapi.OK](),
	"Error":                   reflect.TypeFor[dirapi.Error](),
	"ReliabilityReport":       reflect.TypeFor[dirapi.ReliabilityReport](),
	"NodeReliability":         reflect.TypeFor[dirapi.NodeReliability](),
	"NodeStatus":              reflect.TypeFor[dirapi.NodeStatus](),
}

// jsonFields returns the JSON names of t's fields (embedded structs
// flattened, as encoding/json does) and whether each has omitempty.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			maps.Copy(out, jsonFields(f.Type))
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = strings.Contains(","+opts+",", ",omitempty,")
	}
	return out
}

// TestSchemasMatchDirapi compares each schema's properties with the JSON
// names of its dirapi type, so a field added to (or renamed in) dirapi
// without the document fails here. For response schemas the required list
// must be exactly the fields Go always writes (no omitempty).
func TestSchemasMatchDirapi(t *testing.T) {
	v := newValidator(t)
	if len(jsonFields(reflect.TypeFor[dirapi.MixNodePresence]())) != 10 {
		t.Fatalf("jsonFields(MixNodePresence) = %v", jsonFields(reflect.TypeFor[dirapi.MixNodePresence]()))
	}
	for name, typ := range schemaTypes {
		ref := v.doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		s := ref.Value
		fields := jsonFields(typ)
		if got, want := slices.Sorted(maps.Keys(s.Properties)), slices.Sorted(maps.Keys(fields)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; dirapi.%s has %v", name, got, typ.Name(), want)
		}
		response := !strings.HasSuffix(name, "Announcement") && name != "MixMetric" && name != "RegisteredClient" &&
			name != "ReliabilityReport" && name != "NodeReliability"
		if !response {
			continue
		}
		var always []string
		for f, omitempty := range fields {
			if !omitempty {
				always = append(always, f)
			}
		}
		if got, want := slices.Sorted(slices.Values(s.Required)), slices.Sorted(slices.Values(always)); !slices.Equal(got, want) {
			t.Errorf("schema %s requires %v; dirapi.%s always writes %v", name, got, typ.Name(), want)
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("response schema %s allows additional properties", name)
		}
	}
}

// TestExamples checks the request examples against the code that will
// read them: each decodes into its dirapi type, every key is base58 of 32
// bytes, and every signed example verifies with dirapi.Verify (unsigned
// ones are unsigned).
func TestExamples(t *testing.T) {
	v := newValidator(t)
	kinds := map[string]func() dirapi.Signable{
		"/api/presence/mixnodes":     func() dirapi.Signable { return new(dirapi.MixNodePresence) },
		"/api/presence/mixproviders": func() dirapi.Signable { return new(dirapi.MixProviderPresence) },
		"/api/presence/coconodes":    func() dirapi.Signable { return new(dirapi.CocoPresence) },
		"/api/presence/gateways":     func() dirapi.Signable { return new(dirapi.GatewayPresence) },
	}
	keyRE := regexp.MustCompile(`"(pubKey|identityKey)":"([^"]*)"`)
	for path, newP := range kinds {
		mt := v.doc.Paths.Value(path).Post.RequestBody.Value.Content["application/json"]
		if len(mt.Examples) != 2 {
			t.Errorf("%s: %d examples, want unsigned and signed", path, len(mt.Examples))
		}
		for name, ex := range mt.Examples {
			raw, err := json.Marshal(ex.Value.Value)
			if err != nil {
				t.Fatal(err)
			}
			p := newP()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(p); err != nil {
				t.Errorf("%s %s: %v", path, name, err)
				continue
			}
			for _, m := range keyRE.FindAllSubmatch(raw, -1) {
				if _, err := base58.DecodeFixed(string(m[2]), 32); err != nil {
					t.Errorf("%s %s: %s %q: %v", path, name, m[1], m[2], err)
				}
			}
			id, err := dirapi.Verify(p)
			switch name {
			case "signed":
				if err != nil || len(id) != ed25519.PublicKeySize {
					t.Errorf("%s signed example: %v", path, err)
				}
			case "unsigned":
				if err == nil {
					t.Errorf("%s unsigned example verifies", path)
				}
			default:
				t.Errorf("%s: unexpected example %q", path, name)
			}
		}
	}
	// The topology example's signed mix node is the signed announcement.
	ex := v.doc.Paths.Value("/api/presence/topology").Get.Responses.Status(200).Value.Content["application/json"].Example
	raw, _ := json.Marshal(ex)
	var topo dirapi.Topology
	if err := json.Unmarshal(raw, &topo); err != nil {
		t.Fatal(err)
	}
	if len(topo.MixNodes) != 1 {
		t.Fatalf("topology example has %d mix nodes", len(topo.MixNodes))
	}
	if _, err := dirapi.Verify(&topo.MixNodes[0]); err != nil {
		t.Errorf("topology example mix node: %v", err)
	}
}
