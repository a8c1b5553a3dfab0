// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

func hexAddr(s string) sphinx.NodeAddress {
	var a sphinx.NodeAddress
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	copy(a[:], b)
	return a
}

func TestNodeAddressEncoding(t *testing.T) {
	tests := []struct {
		in      string
		encoded string // hex without the zero padding
		out     string // decoded form, if different from in
	}{
		{"192.0.2.1:1789", "04 06fd c0000201", ""},
		{"0.0.0.0:0", "04 0000 00000000", ""},
		{"255.255.255.255:65535", "04 ffff ffffffff", ""},
		{"[2001:db8::1]:443", "06 01bb 20010db8000000000000000000000001", ""},
		{"[::ffff:192.0.2.1]:1789", "04 06fd c0000201", "192.0.2.1:1789"},
		{"[::]:1", "06 0001 00000000000000000000000000000000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := hexAddr(tt.encoded); a != want {
				t.Fatalf("encoded %x, want %x", a, want)
			}
			ap, err := a.AddrPort()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if ap.String() != want || a.String() != want {
				t.Fatalf("decoded %v (String %q), want %v", ap, a.String(), want)
			}
		})
	}
}

func TestNodeAddressEncodeErrors(t *testing.T) {
	for _, ap := range []netip.AddrPort{
		{},
		netip.AddrPortFrom(netip.MustParseAddr("fe80::1%eth0"), 1789),
	} {
		if a, err := sphinx.NodeAddressFromAddrPort(ap); !errors.Is(err, sphinx.ErrBadAddress) {
			t.Errorf("NodeAddressFromAddrPort(%v) = %x, %v; want ErrBadAddress", ap, a, err)
		}
	}
}

func TestNodeAddressDecodeErrors(t *testing.T) {
	tests := map[string]sphinx.NodeAddress{
		"zero":                  {},
		"version 5":             hexAddr("05 06fd c0000201"),
		"version 0x46":          hexAddr("46 06fd c0000201"),
		"v4 padding":            hexAddr("04 06fd c0000201 01"),
		"v4 last byte":          func() sphinx.NodeAddress { a := hexAddr("04 06fd c0000201"); a[31] = 1; return a }(),
		"v6 padding":            hexAddr("06 01bb 20010db8000000000000000000000001 80"),
		"v4-mapped v6 encoding": hexAddr("06 06fd 00000000000000000000ffffc0000201"),
	}
	for name, a := range tests {
		t.Run(name, func(t *testing.T) {
			if ap, err := a.AddrPort(); !errors.Is(err, sphinx.ErrBadAddress) {
				t.Fatalf("AddrPort() = %v, %v; want ErrBadAddress", ap, err)
			}
			if s := a.String(); !strings.HasPrefix(s, "invalid(") {
				t.Fatalf("String() = %q", s)
			}
		})
	}
}
