// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"testing"
)

func FuzzOpen(f *testing.F) {
	r := testRand(9)
	priv, pub, _ := GenerateKey(r)
	good, _ := Seal(r, pub, []byte("fragment"))
	f.Add(good)
	f.Add([]byte{})
	f.Add(make([]byte, SealOverhead))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Open(priv, b)
		if err != nil {
			return
		}
		// Only the genuine ciphertext opens.
		if !bytes.Equal(b, good) || string(got) != "fragment" {
			t.Fatalf("Open accepted %x as %q", b, got)
		}
	})
}

func FuzzSplitBody(f *testing.F) {
	f.Add([]byte{BodyPlain, 'x'})
	f.Add(append([]byte{BodyWithSURB}, make([]byte, 400)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = SplitBody(b)
	})
}
