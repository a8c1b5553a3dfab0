// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package tomlfile reads the TOML config files of the network's
// components and reports the keys a file has that its Go type does not
// know: a daemon warns about them, and a strict check (--check-config)
// makes them an error, so that a misspelt key is never silently ignored.
package tomlfile

import (
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// File is what Decode learned about a file's keys.
type File struct {
	// Unknown lists the keys of the file that the decoded value has no
	// field for, in the file's order, dotted ("gateway.bogus").
	Unknown []string

	md toml.MetaData
}

// IsDefined reports whether the file sets key, given as its table names
// and its own name: IsDefined("traffic", "hop_delay"). It tells a value
// written explicitly (even a zero) from one left out.
func (f File) IsDefined(key ...string) bool { return f.md.IsDefined(key...) }

// Decode reads the TOML config file at path into v, which must be a
// pointer. Its errors start with "config": a read error is
// "config: <os error>" (which names the file), a syntax or type error
// "config <path>: <error>", and with strict set, keys that v has no field
// for are the error "config <path>: unknown keys: a, b" (File.Unknown
// still lists them, and v holds the values decoded).
func Decode(path string, v any, strict bool) (File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("config: %w", err)
	}
	md, err := toml.Decode(string(raw), v)
	if err != nil {
		return File{}, fmt.Errorf("config %s: %w", path, err)
	}
	f := File{md: md}
	for _, k := range md.Undecoded() {
		f.Unknown = append(f.Unknown, k.String())
	}
	if strict && len(f.Unknown) > 0 {
		return f, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(f.Unknown, ", "))
	}
	return f, nil
}
