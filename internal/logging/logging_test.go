// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       bool
		debugShown    bool
	}{
		{"debug", "text", false, true},
		{"INFO", "json", false, false},
		{"warn", "TEXT", false, false},
		{"info-4", "text", false, true},
		{"loud", "text", true, false},
		{"info", "xml", true, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := New(&buf, tt.level, tt.format)
		if (err != nil) != tt.wantErr {
			t.Errorf("New(%q, %q) error = %v, want error %v", tt.level, tt.format, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		log.Debug("d")
		if got := strings.Contains(buf.String(), "d"); got != tt.debugShown {
			t.Errorf("New(%q, %q): debug shown = %v, want %v", tt.level, tt.format, got, tt.debugShown)
		}
	}
}

func TestJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hello", "component", "x")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["msg"] != "hello" || m["component"] != "x" {
		t.Fatalf("json line %q: %v %v", buf.String(), m, err)
	}
}
