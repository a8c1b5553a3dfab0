// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package address

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/base58"
)

func testAddress() Address {
	var a Address
	for i := range KeySize {
		a.Identity[i] = byte(i + 1)
		a.Encryption[i] = byte(100 + i)
		a.Gateway[i] = byte(200 + i)
	}
	return a
}

func TestRoundTrip(t *testing.T) {
	for _, a := range []Address{testAddress(), {}, {Identity: [KeySize]byte{0: 0xff}}} {
		s := a.String()
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if got != a {
			t.Fatalf("Parse(String()) = %v, want %v", got, a)
		}
	}
}

func TestFormat(t *testing.T) {
	a := testAddress()
	want := base58.Encode(a.Identity[:]) + "." + base58.Encode(a.Encryption[:]) + "@" + base58.Encode(a.Gateway[:])
	if a.String() != want {
		t.Fatalf("String() = %q, want %q", a.String(), want)
	}
}

func TestParseErrors(t *testing.T) {
	a := testAddress()
	id, enc, gw := base58.Encode(a.Identity[:]), base58.Encode(a.Encryption[:]), base58.Encode(a.Gateway[:])
	short := base58.Encode(make([]byte, 31))
	long := base58.Encode(append([]byte{1}, make([]byte, 32)...))
	for _, tc := range []struct {
		in, want string
	}{
		{"", "missing '@'"},
		{id + "." + enc, "missing '@'"},
		{id + enc + "@" + gw, "missing '.'"},
		{"a.b@c@d", "more than one '@'"},
		{"a.b.c@d", "more than one '.'"},
		{"." + enc + "@" + gw, "identity key: empty"},
		{id + ".@" + gw, "encryption key: empty"},
		{id + "." + enc + "@", "gateway identity: empty"},
		{short + "." + enc + "@" + gw, "identity key: 31 bytes"},
		{id + "." + long + "@" + gw, "encryption key: 33 bytes"},
		{id + "." + enc + "@" + gw + "0", "gateway identity"},
		{id + "." + enc + "@" + gw + " ", "gateway identity"},
		{strings.Repeat("1", 200), "characters"},
	} {
		_, err := Parse(tc.in)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an ErrInvalid mentioning %q", tc.in, err, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	type wrap struct{ To Address }
	in := wrap{testAddress()}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), in.To.String()) {
		t.Fatalf("JSON %s lacks the text form", b)
	}
	var out wrap
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("got %v, want %v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"To":"nope"}`), &out); err == nil {
		t.Fatal("UnmarshalText accepted garbage")
	}
}
