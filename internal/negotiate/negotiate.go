// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package negotiate answers the two HTTP content-negotiation questions the
// directory's cached responses ask: may this response be gzipped
// (Accept-Encoding), and does the client already have it (If-None-Match).
// Both take a header's values as r.Header.Values returns them, and neither
// allocates, so they can sit on a hot path.
package negotiate

import (
	"strconv"
	"strings"
)

// AcceptsGzip reports whether Accept-Encoding values allow gzip: "gzip" (or
// "x-gzip") with a non-zero q, or, when gzip is not named, "*" with a
// non-zero q (RFC 9110 §12.5.3). A q that does not parse counts as 0.
func AcceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil {
						f = 0
					}
					q = f
				}
			}
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				gzipQ = max(gzipQ, q)
			case coding == "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// ETagMatch reports whether If-None-Match values match any of etags by the
// weak comparison of RFC 9110 §13.1.2 ("W/" prefixes are ignored), or are
// "*".
func ETagMatch(values []string, etags ...string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" {
				return true
			}
			for _, e := range etags {
				if t == strings.TrimPrefix(e, "W/") {
					return true
				}
			}
		}
	}
	return false
}
