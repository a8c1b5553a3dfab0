// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"strings"
	"testing"
)

func TestAllowList(t *testing.T) {
	a, err := ParseAllowList(strings.NewReader(`# exit policy
example.com
Sub.Example.ORG.   # trailing dot, any case
localhost
10.1.2.3
::1
127.0.0.0/8
192.168.0.0/16
2001:db8::/32
`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rules() != 8 {
		t.Fatalf("%d rules, want 8", a.Rules())
	}
	for host, want := range map[string]bool{
		"example.com":        true,
		"a.example.com":      true,
		"a.b.EXAMPLE.com.":   true,
		"badexample.com":     false,
		"example.com.evil":   false,
		"com":                false,
		"sub.example.org":    true,
		"x.sub.example.org":  true,
		"example.org":        false,
		"localhost":          true,
		"10.1.2.3":           true,
		"10.1.2.4":           false,
		"127.9.9.9":          true,
		"::ffff:127.0.0.1":   true, // IPv4-mapped
		"[::1]":              true,
		"::2":                false,
		"192.168.200.1":      true,
		"2001:db8::5":        true,
		"2001:db9::5":        false,
		"":                   false,
		"bad host!":          false,
		"127.0.0.1.nip.io":   false, // a domain, not the IP
		"10.1.2.3.example":   false,
		"fe80::1%eth0":       false,
		"8.8.8.8":            false,
		"a.example.com\nx.y": false,
	} {
		if got := a.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}
	zoned, err := ParseAllowList(strings.NewReader("fe80::/10\n"))
	if err != nil || !zoned.Allows("fe80::1") || zoned.Allows("fe80::1%eth0") || zoned.Allows("[fe80::1%25eth0]") {
		t.Fatalf("a zoned literal must not match its address's rule (%v)", err)
	}
	var none *AllowList
	if none.Allows("example.com") || none.Rules() != 0 {
		t.Fatal("nil list allows")
	}
	empty, err := ParseAllowList(strings.NewReader("# nothing\n\n"))
	if err != nil || empty.Allows("127.0.0.1") || empty.Allows("localhost") {
		t.Fatalf("empty list allows (%v)", err)
	}
	for _, bad := range []string{"10.0.0.0/33", "exa mple.com", "a..b", "1.2.3.4/x", strings.Repeat("a", 64) + ".com"} {
		if _, err := ParseAllowList(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("rule %q: err = %v, want an error naming line 1", bad, err)
		}
	}
}

func TestSplitTarget(t *testing.T) {
	for target, ok := range map[string]bool{
		"example.com:80": true, "[::1]:443": true, "1.2.3.4:65535": true,
		"example.com": false, ":80": false, "a:0": false, "a:65536": false, "a:-1": false, "a:8o": false,
		"[fe80::1%eth0]:80": false, "[fe80::1%25eth0]:80": false,
	} {
		if _, _, err := splitTarget(target); (err == nil) != ok {
			t.Errorf("splitTarget(%q): err = %v", target, err)
		}
	}
}

func FuzzParseAllowList(f *testing.F) {
	f.Add("example.com\n10.0.0.0/8\n::1 # x\n", "a.example.com")
	f.Fuzz(func(t *testing.T, list, host string) {
		a, err := ParseAllowList(strings.NewReader(list))
		if err != nil {
			return
		}
		_ = a.Allows(host)
	})
}
