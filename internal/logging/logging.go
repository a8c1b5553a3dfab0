// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package logging builds the *slog.Logger a daemon logs with from its
// --log-level and --log-format flags, so every binary reads them the same
// way.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Formats accepted by New.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// New returns a logger writing to w at the given level ("debug", "info",
// "warn", "error", optionally with an offset such as "info+2"; case does
// not matter) in the given format ("text" or "json").
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("logging: level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case FormatText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case FormatJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("logging: format %q: want %s or %s", format, FormatText, FormatJSON)
}
