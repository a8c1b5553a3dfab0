// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// fuzzDecoder checks a POST body decoder on arbitrary bytes: it never
// panics, refuses with an error naming a field, and what it accepts
// re-encodes to a body it accepts again with the same value.
func fuzzDecoder(f *testing.F, seeds []string, decode func([]byte) (any, error)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			var fe *fieldError
			if !errors.As(err, &fe) || fe.field == "" || fe.msg == "" {
				t.Fatalf("error %v (%T) does not name a field", err, err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted value does not encode: %v", err)
		}
		v2, err := decode(again)
		if err != nil {
			t.Fatalf("re-encoded %s refused: %v (from %q)", again, err, b)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("re-encoding changed the value:\n%#v\n%#v", v, v2)
		}
	})
}

func presenceDecoder(k kind) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		a, err := kinds[k].decode(b, DefaultMaxLayers)
		if err != nil {
			return nil, err
		}
		if a.size != len(b) || a.kind != k || a.pubKey == "" {
			return nil, errors.New("announcement bookkeeping wrong")
		}
		return a.p, nil
	}
}

func FuzzDecodeMixNode(f *testing.F) {
	fuzzDecoder(f, []string{
		validMix,
		string(mustJSON(signed(mix(1, 2), 1, epoch))),
		mixWith("host", `"[2001:db8::1]:1789"`),
		mixWith("layer", `4`),
		mixWith("identityKey", `"x"`),
		`{"host":"a:1","pubKey":"k","version":"v","layer":1,"location":"\u003cb\u003e"}`,
		`[]`, `null`, ``, `{"layer":-1}`,
	}, presenceDecoder(kindMixNode))
}

func FuzzDecodeGateway(f *testing.F) {
	fuzzDecoder(f, []string{
		validGateway,
		string(mustJSON(signed(gateway(1), 1, epoch))),
		with(validGateway, "registeredClients", `[{"pubKey":"a"},{"pubKey":"b"}]`),
		with(validGateway, "clientListener", `"wss://gw.example:443"`),
		with(validGateway, "registeredClients", `[{}]`),
		`{"registeredClients":null}`,
	}, presenceDecoder(kindGateway))
}

func FuzzDecodeMixProvider(f *testing.F) {
	fuzzDecoder(f, []string{
		string(mustJSON(provider(1))),
		string(mustJSON(signed(provider(2), 2, epoch))),
		with(validGateway, "clientListener", `"1.2.3.4:9000"`),
		with(validGateway, "mixnetListener", `"[::1]:1789"`),
	}, presenceDecoder(kindMixProvider))
}

func FuzzDecodeCocoNode(f *testing.F) {
	fuzzDecoder(f, []string{
		string(mustJSON(coco(1))),
		string(mustJSON(signed(coco(2), 2, epoch))),
		`{"host":"1.2.3.4:4000","pubKey":"c","version":"0.5.0","location":"Earth","type":"validator"}`,
		`{"host":"1.2.3.4:4000","pubKey":"c","version":"0.5.0"}`,
	}, presenceDecoder(kindCocoNode))
}

func FuzzDecodeMetric(f *testing.F) {
	fuzzDecoder(f, []string{
		`{"pubKey":"m","sent":{"1.2.3.4:1789":3,"5.6.7.8:1789":2},"received":5}`,
		`{"pubKey":"m","sent":{},"received":0}`,
		`{"pubKey":"m","sent":{"a":-1},"received":0}`,
		`{"pubKey":"m","sent":{"a":1,"a":2},"received":18446744073709551615}`,
		`{"pubKey":"m","sent":null,"received":0}`,
	}, func(b []byte) (any, error) {
		m, err := decodeMetric(b)
		if err != nil {
			return nil, err
		}
		return m, nil
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test values always encode
	}
	return b
}
