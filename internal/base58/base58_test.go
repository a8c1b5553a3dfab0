// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package base58

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// Vectors from the Bitcoin base58 test suite's well-known examples.
var vectors = []struct {
	hex  []byte
	text string
}{
	{[]byte{}, ""},
	{[]byte{0x61}, "2g"},
	{[]byte{0x62, 0x62, 0x62}, "a3gV"},
	{[]byte{0x63, 0x63, 0x63}, "aPEr"},
	{[]byte("simply a long string"), "2cFupjhnEsSn59qHXstmK2ffpLv2"},
	{[]byte{0x00, 0xeb, 0x15, 0x23, 0x1d, 0xfc, 0xeb, 0x60, 0x92, 0x58, 0x86, 0xb6, 0x7d, 0x06, 0x52, 0x99, 0x92, 0x59, 0x15, 0xae, 0xb1, 0x72, 0xc0, 0x66, 0x47}, "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
	{[]byte{0x51, 0x6b, 0x6f, 0xcd, 0x0f}, "ABnLTmg"},
	{[]byte{0xbf, 0x4f, 0x89, 0x00, 0x1e, 0x67, 0x02, 0x74, 0xdd}, "3SEo3LWLoPntC"},
	{[]byte{0x57, 0x2e, 0x47, 0x94}, "3EFU7m"},
	{[]byte{0xec, 0xac, 0x89, 0xca, 0xd9, 0x39, 0x23, 0xc0, 0x23, 0x21}, "EJDM8drfXA6uyA"},
	{[]byte{0x10, 0xc8, 0x51, 0x1e}, "Rt5zm"},
	{[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "1111111111"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		if got := Encode(v.hex); got != v.text {
			t.Errorf("Encode(%x) = %q, want %q", v.hex, got, v.text)
		}
		got, err := Decode(v.text)
		if err != nil {
			t.Errorf("Decode(%q): %v", v.text, err)
			continue
		}
		if !bytes.Equal(got, v.hex) {
			t.Errorf("Decode(%q) = %x, want %x", v.text, got, v.hex)
		}
	}
}

// naiveEncode is the textbook big-integer algorithm, to check the fast one.
func naiveEncode(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c != 0 {
			break
		}
		sb.WriteByte('1')
	}
	n := new(big.Int).SetBytes(b)
	var digits []byte
	mod := new(big.Int)
	base := big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		digits = append(digits, Alphabet[mod.Int64()])
	}
	for i := len(digits) - 1; i >= 0; i-- {
		sb.WriteByte(digits[i])
	}
	return sb.String()
}

func TestMatchesBigInt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(80))
		for j := range b {
			if r.IntN(4) != 0 {
				b[j] = byte(r.Uint32())
			}
		}
		enc := Encode(b)
		if want := naiveEncode(b); enc != want {
			t.Fatalf("Encode(%x) = %q, want %q", b, enc, want)
		}
		dec, err := Decode(enc)
		if err != nil || !bytes.Equal(dec, b) {
			t.Fatalf("Decode(Encode(%x)) = %x, %v", b, dec, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, s := range []string{"0", "O", "I", "l", "abc!", "abc def", "\x00", "é"} {
		if _, err := Decode(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q) error = %v, want ErrInvalid", s, err)
		}
	}
	if _, err := Decode(strings.Repeat("z", 5000)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Decode(long) error = %v, want ErrInvalid", err)
	}
	key := Encode(bytes.Repeat([]byte{7}, 32))
	if _, err := DecodeFixed(key, 32); err != nil {
		t.Errorf("DecodeFixed(32-byte key): %v", err)
	}
	if _, err := DecodeFixed(key, 33); !errors.Is(err, ErrInvalid) {
		t.Errorf("DecodeFixed(wrong length) error = %v, want ErrInvalid", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.text)
	}
	f.Add("1111zzzz")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		if got := Encode(b); got != s {
			t.Fatalf("Encode(Decode(%q)) = %q", s, got)
		}
	})
}
