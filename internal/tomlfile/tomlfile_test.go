// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package tomlfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/tomlfile"
)

type config struct {
	ID      string `toml:"id"`
	Traffic struct {
		Delay time.Duration `toml:"delay"`
		Count int           `toml:"count"`
	} `toml:"traffic"`
}

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecode(t *testing.T) {
	p := write(t, "id = \"n1\"\nbogus = 1\n[traffic]\ndelay = \"0s\"\nmisspelt = true\n")
	for _, strict := range []bool{false, true} {
		var c config
		f, err := tomlfile.Decode(p, &c, strict)
		want := []string{"bogus", "traffic.misspelt"}
		if !slices.Equal(f.Unknown, want) {
			t.Errorf("strict=%v: Unknown = %q, want %q", strict, f.Unknown, want)
		}
		if c.ID != "n1" {
			t.Errorf("strict=%v: decoded %+v", strict, c)
		}
		switch {
		case !strict && err != nil:
			t.Errorf("lenient Decode: %v", err)
		case strict && (err == nil || err.Error() != "config "+p+": unknown keys: bogus, traffic.misspelt"):
			t.Errorf("strict Decode: %v", err)
		}
		if !f.IsDefined("traffic", "delay") || f.IsDefined("traffic", "count") || !f.IsDefined("id") {
			t.Errorf("IsDefined: delay %v count %v id %v", f.IsDefined("traffic", "delay"),
				f.IsDefined("traffic", "count"), f.IsDefined("id"))
		}
	}
}

func TestDecodeClean(t *testing.T) {
	p := write(t, "id = \"n2\"\n[traffic]\ncount = 3\n")
	var c config
	f, err := tomlfile.Decode(p, &c, true)
	if err != nil || len(f.Unknown) != 0 || c.ID != "n2" || c.Traffic.Count != 3 {
		t.Fatalf("Decode = %+v, %v; config %+v", f, err, c)
	}
}

func TestDecodeErrors(t *testing.T) {
	var c config
	missing := filepath.Join(t.TempDir(), "absent.toml")
	if _, err := tomlfile.Decode(missing, &c, false); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: open "+missing+": ") {
		t.Errorf("missing file: %v", err)
	}
	for name, text := range map[string]string{
		"syntax": "id = \n",
		"type":   "[traffic]\ncount = \"three\"\n",
	} {
		p := write(t, text)
		f, err := tomlfile.Decode(p, &c, false)
		if err == nil || !strings.HasPrefix(err.Error(), "config "+p+": ") || f.Unknown != nil {
			t.Errorf("%s error: %v, %+v", name, err, f)
		}
	}
}
