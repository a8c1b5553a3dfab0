// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
)

const (
	validMix     = `{"host":"1.2.3.4:1789","pubKey":"abc","version":"0.5.0","location":"Earth","layer":1,"lastSeen":0}`
	validGateway = `{"clientListener":"ws://1.2.3.4:9000","mixnetListener":"1.2.3.4:1789","pubKey":"g","version":"0.7.0","registeredClients":[]}`
)

// mixWith returns validMix with key set to raw JSON (or removed if raw is
// "").
func mixWith(key, raw string) string {
	return with(validMix, key, raw)
}

func with(obj, key, raw string) string {
	m := map[string]string{}
	// validMix/validGateway are flat: split them by hand to keep raw values.
	inner := strings.TrimSuffix(strings.TrimPrefix(obj, "{"), "}")
	var order []string
	depth, start := 0, 0
	for i := 0; i <= len(inner); i++ {
		if i < len(inner) {
			switch inner[i] {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
			if inner[i] != ',' || depth != 0 {
				continue
			}
		}
		k, v, _ := strings.Cut(inner[start:i], ":")
		m[k] = v
		order = append(order, k)
		start = i + 1
	}
	qk := `"` + key + `"`
	if _, ok := m[qk]; !ok {
		order = append(order, qk)
	}
	m[qk] = raw
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range order {
		if m[k] == "" {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(k + ":" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

func TestBadInput(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	sig := signed(mix(1, 1), 1, epoch)
	idKey, signature := `"`+sig.IdentityKey+`"`, `"`+sig.Signature+`"`
	mixPath, gwPath := dirapi.PathPresenceMixNodes, dirapi.PathPresenceGateways
	provPath, cocoPath, metPath := dirapi.PathPresenceMixProviders, dirapi.PathPresenceCocoNodes, dirapi.PathMetricsMixes
	tests := []struct {
		path, body, prefix string
	}{
		{mixPath, ``, "body: malformed JSON"},
		{mixPath, `{`, "body: malformed JSON"},
		{mixPath, `null`, "body: must be a JSON object"},
		{mixPath, `[]`, "body: must be a JSON object"},
		{mixPath, `"x"`, "body: must be a JSON object"},
		{mixPath, validMix + `{}`, "body: malformed JSON"},
		{mixPath, validMix + ` x`, "body: malformed JSON"},
		{mixPath, "{\"host\":\"\xff\"}", "body: not valid UTF-8"},

		{mixPath, mixWith("host", ""), "host: required"},
		{mixPath, mixWith("host", `null`), "host: required"},
		{mixPath, mixWith("host", `""`), "host: required"},
		{mixPath, mixWith("host", `5`), "host: must be a string"},
		{mixPath, mixWith("host", `"1.2.3.4"`), "host: must be host:port"},
		{mixPath, mixWith("host", `":1789"`), "host: must be host:port"},
		{mixPath, mixWith("host", `"1.2.3.4:0"`), "host: port must be"},
		{mixPath, mixWith("host", `"1.2.3.4:65536"`), "host: port must be"},
		{mixPath, mixWith("host", `"1.2.3.4:+80"`), "host: port must be"},
		{mixPath, mixWith("host", `"1.2.3.4:http"`), "host: port must be"},
		{mixPath, mixWith("host", `"a b:80"`), "host: host must be an IP address or a DNS name"},
		{mixPath, mixWith("host", `"<script>:80"`), "host: host must be an IP address or a DNS name"},
		{mixPath, mixWith("host", `"999.1.1.1:80"`), "host: host must be an IP address or a DNS name"},
		{mixPath, mixWith("host", `"-a.example:80"`), "host: host must be an IP address or a DNS name"},
		{mixPath, mixWith("host", `"[1.2.3.4]:80"`), "host: must be host:port, with an IPv6 host in brackets"},
		{mixPath, mixWith("host", `"[fe80::1%eth0]:80"`), "host: must not have an IPv6 zone"},
		{mixPath, mixWith("host", `"::1:80"`), "host: must be host:port"},
		{mixPath, mixWith("host", long(301)), "host: longer than 300 bytes"},
		{mixPath, mixWith("pubKey", ""), "pubKey: required"},
		{mixPath, mixWith("pubKey", `["abc"]`), "pubKey: must be a string"},
		{mixPath, mixWith("pubKey", long(129)), "pubKey: longer than 128 bytes"},
		{mixPath, mixWith("pubKey", `"a\u0000b"`), "pubKey: must not contain control characters"},
		{mixPath, mixWith("version", ""), "version: required"},
		{mixPath, mixWith("version", `0.5`), "version: must be a string"},
		{mixPath, mixWith("version", long(65)), "version: longer than 64 bytes"},
		{mixPath, mixWith("location", `1`), "location: must be a string"},
		{mixPath, mixWith("location", long(257)), "location: longer than 256 bytes"},
		{mixPath, mixWith("location", `"a\nb"`), "location: must not contain control characters"},
		{mixPath, mixWith("layer", ""), "layer: required"},
		{mixPath, mixWith("layer", `null`), "layer: required"},
		{mixPath, mixWith("layer", `"1"`), "layer: must be a non-negative integer"},
		{mixPath, mixWith("layer", `-1`), "layer: must be a non-negative integer"},
		{mixPath, mixWith("layer", `1.5`), "layer: must be a non-negative integer"},
		{mixPath, mixWith("layer", `1e400`), "layer: must be a non-negative integer"},
		{mixPath, mixWith("layer", `0`), "layer: must be from 1 to 3"},
		{mixPath, mixWith("layer", `4`), "layer: must be from 1 to 3"},

		{mixPath, mixWith("identityKey", idKey), "signature: required in a signed announcement"},
		{mixPath, mixWith("signature", signature), "identityKey: required in a signed announcement"},
		{mixPath, mixWith("timestamp", `5`), "identityKey: required in a signed announcement"},
		{mixPath, with(mixWith("identityKey", idKey), "signature", signature), "timestamp: required in a signed announcement"},
		{mixPath, with(with(mixWith("identityKey", idKey), "signature", signature), "timestamp", `"5"`), "timestamp: must be an integer"},
		{mixPath, with(with(mixWith("identityKey", idKey), "signature", signature), "timestamp", `null`), "timestamp: required in a signed announcement"},
		{mixPath, with(with(mixWith("identityKey", `"0OIl"`), "signature", signature), "timestamp", `5`), "identityKey: must be base58 of a 32-byte"},
		{mixPath, with(with(mixWith("identityKey", `"abc"`), "signature", signature), "timestamp", `5`), "identityKey: must be base58 of a 32-byte"},
		{mixPath, with(with(mixWith("identityKey", idKey), "signature", `"abc"`), "timestamp", `5`), "signature: must be base58 of a 64-byte"},
		{mixPath, with(with(mixWith("identityKey", idKey), "signature", signature), "timestamp", `5`), "pubKey: must be base58 of a 32-byte key"},

		{gwPath, with(validGateway, "clientListener", ""), "clientListener: required"},
		{gwPath, with(validGateway, "clientListener", `"http://1.2.3.4:80"`), "clientListener: must be host:port"},
		{gwPath, with(validGateway, "clientListener", `"ws://1.2.3.4"`), "clientListener: must be host:port"},
		{gwPath, with(validGateway, "mixnetListener", `"ws://1.2.3.4:1789"`), "mixnetListener: must be host:port"},
		{gwPath, with(validGateway, "mixnetListener", ""), "mixnetListener: required"},
		{gwPath, with(validGateway, "registeredClients", ""), "registeredClients: required"},
		{gwPath, with(validGateway, "registeredClients", `null`), "registeredClients: required"},
		{gwPath, with(validGateway, "registeredClients", `{}`), "registeredClients: must be an array"},
		{gwPath, with(validGateway, "registeredClients", `[1]`), "registeredClients[0]: must be an object"},
		{gwPath, with(validGateway, "registeredClients", `[null]`), "registeredClients[0]: must be an object"},
		{gwPath, with(validGateway, "registeredClients", `[{"pubKey":null}]`), "registeredClients[0].pubKey: required"},
		{gwPath, with(validGateway, "registeredClientCount", `"1"`), "registeredClientCount: must be a non-negative integer"},
		{gwPath, with(validGateway, "registeredClients", `[{"pubKey":"a"},{}]`), "registeredClients[1].pubKey: required"},
		{gwPath, with(validGateway, "registeredClients", `[{"pubKey":5}]`), "registeredClients[0].pubKey: must be a string"},
		{gwPath, with(validGateway, "version", ""), "version: required"},

		{provPath, with(validGateway, "clientListener", `"ws://1.2.3.4:9000"`), "clientListener: must be host:port"},
		{provPath, with(validGateway, "clientListener", `"gw.example:9000"`), "clientListener: host must be an IP address (v0.5.0"},
		{provPath, with(with(validGateway, "clientListener", `"1.2.3.4:9000"`), "mixnetListener", `"gw.example:1789"`), "mixnetListener: host must be an IP address"},

		{cocoPath, `{"host":"1.2.3.4:4000","pubKey":"c","version":"0.5.0"}`, "type: required"},
		{cocoPath, `{"pubKey":"c","version":"0.5.0","type":"validator"}`, "host: required"},
		{cocoPath, `{"host":"1.2.3.4","pubKey":"c","version":"0.5.0","type":"validator"}`, "host: must be host:port"},

		{metPath, `{"sent":{},"received":1}`, "pubKey: required"},
		{metPath, `{"pubKey":"m","received":1}`, "sent: required"},
		{metPath, `{"pubKey":"m","sent":null,"received":1}`, "sent: required"},
		{metPath, `{"pubKey":"m","sent":[],"received":1}`, "sent: must be an object"},
		{metPath, `{"pubKey":"m","sent":{"a":-1},"received":1}`, `sent["a"]: must be a non-negative integer`},
		{metPath, `{"pubKey":"m","sent":{"a":1.5},"received":1}`, `sent["a"]: must be a non-negative integer`},
		{metPath, `{"pubKey":"m","sent":{"x":null},"received":1}`, `sent["x"]: must be a non-negative integer, not null`},
		{metPath, `{"pubKey":"m","sent":{"x":"1"},"received":1}`, `sent["x"]: must be a non-negative integer`},
		{metPath, `{"pubKey":"m","sent":{"x" : null },"received":1}`, `sent["x"]: must be a non-negative integer, not null`},
		{metPath, `{"pubKey":"m","sent":{"":1},"received":1}`, `sent[""]: key required`},
		{metPath, `{"pubKey":"m","sent":{}}`, "received: required"},
		{metPath, `{"pubKey":"m","sent":{},"received":null}`, "received: required"},
		{metPath, `{"pubKey":"m","sent":{},"received":-1}`, "received: must be a non-negative integer"},
		{metPath, `{"pubKey":"m","sent":{},"received":"5"}`, "received: must be a non-negative integer"},
		{metPath, `{"pubKey":"m","sent":{},"received":1} 2`, "body: malformed JSON"},
		{metPath, fmt.Sprintf(`{"pubKey":"m","sent":{%s"x":1},"received":1}`, manySent(1000)), "sent: more than 1000 destinations"},
	}
	e := newEnv(t, Config{AllowUnsigned: true})
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			wantError(t, e.post(tt.path, tt.body), http.StatusBadRequest, tt.prefix)
		})
	}
	wantNothingStored(t, e)
}

func manySent(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"10.0.%d.%d:1789":1,`, i/256, i%256)
	}
	return b.String()
}

func wantNothingStored(t *testing.T, e *env) {
	t.Helper()
	top := e.topology()
	if n := len(top.MixNodes) + len(top.GatewayNodes) + len(top.MixProviderNodes) + len(top.CocoNodes); n != 0 {
		t.Errorf("refused requests stored %d nodes: %+v", n, top)
	}
	if b := gauge(t, e.srv, "nym_directory_bindings"); b != 0 {
		t.Errorf("refused requests made %v bindings", b)
	}
	e.clock.Advance(DefaultMetricsWindow)
	if rec := e.do(http.MethodGet, dirapi.PathMetricsMixes, nil); rec.Body.String() != "[]" {
		t.Errorf("refused metrics stored: %s", rec.Body)
	}
}

// Valid edge cases the bad-input table must not catch.
func TestGoodInputEdges(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, MaxLayers: 5})
	for _, b := range []string{
		mixWith("layer", `5`),
		mixWith("host", `"[2001:db8::1]:1789"`),
		mixWith("host", `"mix-1.example.org:65535"`),
		mixWith("location", ""),
		mixWith("location", `null`),
		mixWith("unknownField", `{"nested":[1,2]}`),
		"  " + validMix + "\n\t",
	} {
		if rec := e.post(dirapi.PathPresenceMixNodes, b); rec.Code != http.StatusCreated {
			t.Errorf("%s: %d %s", b, rec.Code, rec.Body)
		}
	}
	for _, b := range []string{
		with(validGateway, "clientListener", `"wss://gw.example:443"`),
		with(validGateway, "clientListener", `"1.2.3.4:9000"`),
	} {
		if rec := e.post(dirapi.PathPresenceGateways, b); rec.Code != http.StatusCreated {
			t.Errorf("%s: %d %s", b, rec.Code, rec.Body)
		}
	}
	if rec := e.post(dirapi.PathMetricsMixes, `{"pubKey":"m","sent":{},"received":0}`); rec.Code != http.StatusCreated {
		t.Errorf("metric with received 0: %d %s", rec.Code, rec.Body)
	}
}

// Fields are stored exactly as sent: nothing is HTML-sanitised (JSON
// encoding escapes what a browser would care about).
func TestStoredVerbatim(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	p := mix(1, 1)
	p.PubKey = "<b>k</b>&'\""
	p.Location = "<script>alert(1)</script> Zürich"
	p.Version = "0.5.0-<i>"
	e.mustPost(dirapi.PathPresenceMixNodes, p)
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil)
	if bytes.Contains(rec.Body.Bytes(), []byte("<script>")) {
		t.Error("topology JSON contains a raw <script> tag")
	}
	got := decodeTopology(t, rec.Body.Bytes()).MixNodes[0]
	if got.PubKey != p.PubKey || got.Location != p.Location || got.Version != p.Version {
		t.Errorf("stored %+v, sent %+v", got, *p)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	pad := func(n int) []byte { // a valid body of exactly n bytes
		return []byte(validMix[:len(validMix)-1] + `,"pad":"` + strings.Repeat("x", n-len(validMix)-9) + `"}`)
	}
	if rec := e.post(dirapi.PathPresenceMixNodes, pad(MaxBodyBytes)); rec.Code != http.StatusCreated {
		t.Fatalf("body of exactly %d bytes: %d %s", MaxBodyBytes, rec.Code, rec.Body)
	}
	e = newEnv(t, Config{AllowUnsigned: true})
	for _, path := range []string{dirapi.PathPresenceMixNodes, dirapi.PathPresenceGateways, dirapi.PathMetricsMixes} {
		wantError(t, e.post(path, pad(MaxBodyBytes+1)), http.StatusRequestEntityTooLarge, "body: larger than 65536 bytes")
		// Without a Content-Length (chunked), the limit applies while reading.
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(pad(MaxBodyBytes+1)))
		req.ContentLength = -1
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		wantError(t, rec, http.StatusRequestEntityTooLarge, "body: larger than")
	}
	wantNothingStored(t, e)
}

// The client-list cap is below what 64 KiB can carry, so it is tested on
// the decoder.
func TestRegisteredClientsCap(t *testing.T) {
	clients := strings.Repeat(`{"pubKey":"a"},`, maxClients) + `{"pubKey":"a"}`
	_, err := decodeGateway([]byte(with(validGateway, "registeredClients", "["+clients+"]")), 3)
	if err == nil || !strings.HasPrefix(err.Error(), "registeredClients: more than 10000 entries") {
		t.Fatalf("error = %v", err)
	}
}
