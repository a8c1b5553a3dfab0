// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
)

// AllowList is a parsed allow-list file: domains (each admitting itself and
// its subdomains), IP addresses and CIDR ranges. The zero AllowList admits
// nothing. It is immutable once parsed.
type AllowList struct {
	domains  map[string]bool
	prefixes []netip.Prefix // single addresses as /32 or /128
}

// ParseAllowList reads one rule per line; '#' starts a comment, blank lines
// are skipped. A rule is an IP address ("10.0.0.1", "::1"), a CIDR range
// ("127.0.0.0/8") or a domain ("example.com", matched case-insensitively,
// a trailing dot ignored). A line that is none of these is an error naming
// it.
func ParseAllowList(r io.Reader) (*AllowList, error) {
	a := &AllowList{domains: make(map[string]bool)}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := a.add(line); err != nil {
			return nil, fmt.Errorf("netreq: allow list line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("netreq: reading allow list: %w", err)
	}
	return a, nil
}

func (a *AllowList) add(rule string) error {
	if strings.Contains(rule, "/") {
		p, err := netip.ParsePrefix(rule)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR range: %w", rule, err)
		}
		a.prefixes = append(a.prefixes, netip.PrefixFrom(p.Addr().Unmap(), unmapBits(p)).Masked())
		return nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(rule, "[]")); err == nil {
		ip = ip.Unmap().WithZone("")
		a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
		return nil
	}
	d, ok := normDomain(rule)
	if !ok {
		return fmt.Errorf("%q is not a domain, IP address or CIDR range", rule)
	}
	a.domains[d] = true
	return nil
}

// unmapBits keeps a ::ffff:a.b.c.d/n prefix meaningful after Unmap.
func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

// normDomain lowercases d, drops one trailing dot and checks it is a
// hostname: labels of letters, digits, '-' and '_', 1 to 63 bytes, 253 in
// all.
func normDomain(d string) (string, bool) {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if d == "" || len(d) > 253 {
		return "", false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 {
			return "", false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
	}
	return d, true
}

// Rules returns the number of rules.
func (a *AllowList) Rules() int {
	if a == nil {
		return 0
	}
	return len(a.domains) + len(a.prefixes)
}

// Allows reports whether host (a domain or an IP literal, IPv6 with or
// without brackets) is admitted by a rule. An IP is checked against the IP
// and CIDR rules only (an IPv6 literal with a zone, "fe80::1%eth0", is
// never admitted); a domain against the domain rules only, where a rule
// admits the domain itself and every subdomain ("example.com" admits
// "a.example.com", not "badexample.com"). The Requester then checks the
// addresses a domain resolves to against the local ranges (see
// docs/protocol/exit.md); Allows does not resolve anything.
func (a *AllowList) Allows(host string) bool {
	if a == nil {
		return false
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if ip.Zone() != "" {
			return false
		}
		ip = ip.Unmap()
		for _, p := range a.prefixes {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	d, ok := normDomain(host)
	if !ok {
		return false
	}
	for {
		if a.domains[d] {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
}

// splitTarget splits "host:port" and checks both parts. A host with a
// zone ("[fe80::1%eth0]:80") is refused: the zone would pick the exit's
// interface.
func splitTarget(target string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(target)
	if err != nil {
		return "", "", fmt.Errorf("bad target %q: %w", target, err)
	}
	if host == "" || port == "" || port == "0" {
		return "", "", fmt.Errorf("bad target %q", target)
	}
	if strings.IndexByte(host, '%') >= 0 {
		return "", "", fmt.Errorf("bad target %q: IPv6 zones are not allowed", target)
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return "", "", fmt.Errorf("bad port in %q", target)
		}
	}
	if len(port) > 5 || (len(port) == 5 && bytes.Compare([]byte(port), []byte("65535")) > 0) {
		return "", "", fmt.Errorf("port out of range in %q", target)
	}
	return host, port, nil
}
