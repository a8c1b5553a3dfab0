// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package address

import "testing"

func FuzzParse(f *testing.F) {
	f.Add(testAddress().String())
	f.Add(Address{}.String())
	f.Add("a.b@c")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		// An address has one text form.
		if a.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, a.String())
		}
	})
}
