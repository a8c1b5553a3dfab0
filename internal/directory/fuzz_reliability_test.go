// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecodeReport feeds arbitrary POST /api/status/reliability bodies to
// the report decoder (fuzzDecoder's properties).
func FuzzDecodeReport(f *testing.F) {
	fuzzDecoder(f, []string{
		string(mustJSON(signedReport(monitorKey(), epoch, 1, 2, 3))),
		string(mustJSON(report(epoch))),
		`{"nodes":[{"pubKey":"x","lastRun":1e999}]}`,
		`{"identityKey":"1","signature":"1","timestamp":1,"runTimestamp":1,"nodes":[{"pubKey":"a"},{"pubKey":"a"}]}`,
	}, func(b []byte) (any, error) { return decodeReport(b) })
}

// FuzzReadState feeds arbitrary state files: no panic, and a file that is
// accepted is written back to one that reads the same.
func FuzzReadState(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := writeState(good, []stateBinding{{PubKey: sphinxKey(1), IdentityKey: sphinxKey(2), LastSigned: 5, LastTimestamp: 6}}); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"version":1,"bindings":[]}`))
	f.Add([]byte(`{"version":1,"bindings":[{"pubKey":"1"}]} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "state.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readState(p)
		if err != nil {
			return
		}
		if err := writeState(p, got); err != nil {
			t.Fatalf("writeState of accepted bindings: %v", err)
		}
		again, err := readState(p)
		if err != nil {
			t.Fatalf("rewritten state refused: %v", err)
		}
		if len(got) != len(again) || (len(got) > 0 && !reflect.DeepEqual(got, again)) {
			t.Fatalf("round trip changed the bindings:\n%+v\n%+v", got, again)
		}
	})
}
