// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nym-go/nym/internal/nativeclient"
)

// FuzzLoadConfig feeds arbitrary config files to Load in strict mode: no
// panic, and a file it accepts encodes to one it accepts again with no
// unknown keys.
func FuzzLoadConfig(f *testing.F) {
	c := &nativeclient.Config{ID: "x"}
	b, err := c.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("id = \"x\"\n[traffic]\nhop_delay = \"0s\"\n"))
	f.Add([]byte("[traffic]\nhop_delay = \"-1s\"\nunknown_key = 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, unknown, err := nativeclient.Load(p, true)
		if err != nil {
			return
		}
		if len(unknown) != 0 {
			t.Fatalf("strict Load accepted unknown keys %v", unknown)
		}
		again, err := cfg.Encode()
		if err != nil {
			t.Fatalf("accepted config does not encode: %v", err)
		}
		if err := os.WriteFile(p, again, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, unknown, err := nativeclient.Load(p, true); err != nil || len(unknown) != 0 {
			t.Fatalf("re-encoded config refused: %v %v\n%s", err, unknown, again)
		}
	})
}
