// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadConfig feeds arbitrary config files to Load in strict mode: no
// panic, and a file it accepts encodes to one it accepts again with no
// unknown keys.
func FuzzLoadConfig(f *testing.F) {
	for _, c := range []*Config{mixConfig(), gatewayModeConfig()} {
		if err := c.Validate(); err != nil {
			f.Fatal(err)
		}
		b, err := c.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("id = \"x\"\nmode = \"mixnode\"\n[mixnode]\nlayer = 99\n"))
	f.Add([]byte("[gateway]\nunknown_key = 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, unknown, err := Load(p, true)
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
		if _, unknown, err := Load(p, true); err != nil || len(unknown) != 0 {
			t.Fatalf("re-encoded config refused: %v %v\n%s", err, unknown, again)
		}
	})
}
