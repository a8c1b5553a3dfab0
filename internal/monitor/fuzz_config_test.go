// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoadConfig feeds arbitrary config files to LoadConfig (unknown keys
// are an error): no panic, and a config it accepts encodes to one that
// loads to the same value.
func FuzzLoadConfig(f *testing.F) {
	c, err := Config{DirectoryURL: "http://127.0.0.1:8080", HistoryFile: "/tmp/h.json"}.WithDefaults()
	if err != nil {
		f.Fatal(err)
	}
	b, err := c.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("[monitor]\ninterval = \"-1s\"\nnope = 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(p)
		if err != nil {
			return
		}
		c.WithDefaults() // must not panic on anything LoadConfig returns
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("accepted config does not encode: %v", err)
		}
		if err := os.WriteFile(p, again, 0o600); err != nil {
			t.Fatal(err)
		}
		c2, err := LoadConfig(p)
		if err != nil {
			t.Fatalf("re-encoded config refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, c2)
		}
	})
}
