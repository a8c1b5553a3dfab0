// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Bounds on request fields, in bytes (strings) or entries (lists).
const (
	maxKeyLen      = 128
	maxVersionLen  = 64
	maxLocationLen = 256
	maxHostLen     = 300
	maxTypeLen     = 64
	maxClients     = 10_000
	maxSentKeys    = 1_000
	maxSentKeyLen  = maxHostLen
)

// fieldError refuses a request because of one field. It becomes a 400
// whose error text starts with the field's name.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// object is a JSON object being decoded field by field. The first problem
// is kept in err; later calls do nothing useful but are harmless, so a
// decoder reads every field and checks err once.
type object struct {
	m   map[string]json.RawMessage
	err *fieldError
}

// parseObject parses body as one JSON object. Trailing data after the
// object, invalid UTF-8 and anything but an object are refused. Unknown
// keys are kept and ignored; with duplicate keys the last one wins.
func parseObject(body []byte) (*object, error) {
	if !utf8.Valid(body) {
		return nil, &fieldError{"body", "not valid UTF-8"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return nil, &fieldError{"body", "must be a JSON object"}
		}
		return nil, &fieldError{"body", "malformed JSON: " + err.Error()}
	}
	if m == nil {
		return nil, &fieldError{"body", "must be a JSON object, not null"}
	}
	return &object{m: m}, nil
}

// fail records the first problem.
func (o *object) fail(field, format string, args ...any) {
	if o.err == nil {
		o.err = &fieldError{field, fmt.Sprintf(format, args...)}
	}
}

// raw returns the field's JSON text; a JSON null counts as absent.
func (o *object) raw(name string) (json.RawMessage, bool) {
	r, ok := o.m[name]
	if !ok || string(r) == "null" {
		return nil, false
	}
	return r, true
}

// str decodes a string field of at most max bytes without control
// characters. A required field must be present and non-empty.
func (o *object) str(name string, required bool, max int) string {
	r, ok := o.raw(name)
	if !ok {
		if required {
			o.fail(name, "required")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		o.fail(name, "must be a string")
		return ""
	}
	if msg := checkText(s, required, max); msg != "" {
		o.fail(name, "%s", msg)
	}
	return s
}

// checkText returns what is wrong with s as a field value, or "".
func checkText(s string, required bool, max int) string {
	switch {
	case required && s == "":
		return "required (must not be empty)"
	case len(s) > max:
		return fmt.Sprintf("longer than %d bytes", max)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "must not contain control characters"
	}
	return ""
}

// uint decodes a non-negative integer field.
func (o *object) uint(name string, required bool) uint64 {
	r, ok := o.raw(name)
	if !ok {
		if required {
			o.fail(name, "required")
		}
		return 0
	}
	var v uint64
	if err := json.Unmarshal(r, &v); err != nil {
		o.fail(name, "must be a non-negative integer")
	}
	return v
}

// int decodes an integer field; absent is 0.
func (o *object) int(name string) int64 {
	r, ok := o.raw(name)
	if !ok {
		return 0
	}
	var v int64
	if err := json.Unmarshal(r, &v); err != nil {
		o.fail(name, "must be an integer")
	}
	return v
}

// hostPort decodes a required host:port field (see checkHostPort).
func (o *object) hostPort(name string, ipOnly bool) string {
	s := o.str(name, true, maxHostLen)
	if o.err == nil {
		if msg := checkHostPort(s, ipOnly); msg != "" {
			o.fail(name, "%s", msg)
		}
	}
	return s
}

// checkHostPort returns what is wrong with s as host:port, or "". The
// host is an IP address (IPv6 in brackets, no zone) or, unless ipOnly, a
// DNS name; the port is decimal 1..65535.
func checkHostPort(s string, ipOnly bool) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return "must be host:port"
	}
	if !validPort(port) {
		return "port must be a number from 1 to 65535"
	}
	bracketed := strings.HasPrefix(s, "[")
	if ip, err := netip.ParseAddr(host); err == nil {
		switch {
		case ip.Zone() != "":
			return "must not have an IPv6 zone"
		case ip.Is6() != bracketed:
			return "must be host:port, with an IPv6 host in brackets"
		}
		return ""
	}
	if ipOnly {
		return "host must be an IP address (v0.5.0 clients parse it as one)"
	}
	if bracketed || !validHostname(host) {
		return "host must be an IP address or a DNS name"
	}
	return ""
}

func validPort(p string) bool {
	if len(p) == 0 || len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range []byte(p) {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}

// validHostname reports whether h is a DNS name: dot-separated labels of
// letters, digits and inner hyphens, 1..63 bytes each, 253 in all, and a
// last label that is not all digits (so "1.2.3.999" is not a name).
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.ContainsFunc(last, func(r rune) bool { return r < '0' || r > '9' })
}
