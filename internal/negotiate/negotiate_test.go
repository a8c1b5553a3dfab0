// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package negotiate

import "testing"

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"deflate, br"}, false},
		{[]string{"br", "gzip;q=0.5"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"identity, *;q=0.1"}, true},
		{[]string{"gzip;q=bogus"}, false},
	} {
		if got := AcceptsGzip(tt.in); got != tt.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestETagMatch(t *testing.T) {
	etags := []string{`W/"abc"`, `"abc-gzip"`}
	for _, tt := range []struct {
		in   []string
		want bool
	}{
		{nil, false},
		{[]string{`"abc"`}, true},
		{[]string{`W/"abc"`}, true},
		{[]string{`"x", W/"abc"`}, true},
		{[]string{`"x"`, `"abc"`}, true},
		{[]string{`W/"abc-gzip"`}, true},
		{[]string{`*`}, true},
		{[]string{`"ab"`}, false},
		{[]string{`abc`}, false},
	} {
		if got := ETagMatch(tt.in, etags...); got != tt.want {
			t.Errorf("ETagMatch(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	ae := []string{"br, gzip;q=0.8"}
	inm := []string{`"x", W/"abc"`}
	if n := testing.AllocsPerRun(100, func() {
		AcceptsGzip(ae)
		ETagMatch(inm, `"abc"`, `"abc-gzip"`)
	}); n != 0 {
		t.Fatalf("%v allocations per call, want 0", n)
	}
}
