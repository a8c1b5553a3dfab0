// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package socks5 is the server side of SOCKS version 5 (RFC 1928) as
// nym-socks5-client speaks it: the no-authentication method only, and the
// CONNECT command to IPv4, IPv6 and domain-name destinations. BIND and UDP
// ASSOCIATE are answered with "command not supported".
//
// The request and reply functions are pure encoders and decoders over an
// io.Reader or io.Writer; Serve is the handler that runs them on one
// connection, dials the destination and relays both ways with half-close.
package socks5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// Protocol constants (RFC 1928).
const (
	Version = 0x05

	MethodNoAuth       = 0x00
	MethodNoAcceptable = 0xFF

	CmdConnect      = 0x01
	CmdBind         = 0x02
	CmdUDPAssociate = 0x03

	AddrIPv4   = 0x01
	AddrDomain = 0x03
	AddrIPv6   = 0x04
)

// Reply codes.
const (
	ReplySucceeded           = 0x00
	ReplyGeneralFailure      = 0x01
	ReplyNotAllowed          = 0x02
	ReplyNetworkUnreachable  = 0x03
	ReplyHostUnreachable     = 0x04
	ReplyConnectionRefused   = 0x05
	ReplyTTLExpired          = 0x06
	ReplyCommandNotSupported = 0x07
	ReplyAddressNotSupported = 0x08
)

// Error is an error with the reply code that reports it to the SOCKS client.
type Error struct {
	Code byte
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("socks5: %s: %v", ReplyText(e.Code), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ReplyText names a reply code.
func ReplyText(code byte) string {
	switch code {
	case ReplySucceeded:
		return "succeeded"
	case ReplyGeneralFailure:
		return "general failure"
	case ReplyNotAllowed:
		return "connection not allowed by ruleset"
	case ReplyNetworkUnreachable:
		return "network unreachable"
	case ReplyHostUnreachable:
		return "host unreachable"
	case ReplyConnectionRefused:
		return "connection refused"
	case ReplyTTLExpired:
		return "TTL expired"
	case ReplyCommandNotSupported:
		return "command not supported"
	case ReplyAddressNotSupported:
		return "address type not supported"
	}
	return fmt.Sprintf("reply 0x%02x", code)
}

// ErrNoAcceptableMethod: the client offered no method this server accepts
// (it has been told 0xFF).
var ErrNoAcceptableMethod = errors.New("socks5: no acceptable authentication method")

// ReadGreeting reads the client's version/methods message and returns the
// methods offered.
func ReadGreeting(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("socks5: greeting: %w", err)
	}
	if hdr[0] != Version {
		return nil, fmt.Errorf("socks5: greeting: version %d, want 5", hdr[0])
	}
	if hdr[1] == 0 {
		return nil, errors.New("socks5: greeting: no methods")
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(r, methods); err != nil {
		return nil, fmt.Errorf("socks5: greeting: %w", err)
	}
	return methods, nil
}

// ChooseMethod returns MethodNoAuth if offered, else MethodNoAcceptable.
func ChooseMethod(methods []byte) byte {
	for _, m := range methods {
		if m == MethodNoAuth {
			return MethodNoAuth
		}
	}
	return MethodNoAcceptable
}

// WriteMethod writes the method selection message.
func WriteMethod(w io.Writer, method byte) error {
	_, err := w.Write([]byte{Version, method})
	return err
}

// Request is a client's request.
type Request struct {
	Command  byte
	AddrType byte
	Host     string // an IP address in text form, or a domain name
	Port     uint16
}

// Target returns "host:port" ("[v6]:port" for IPv6).
func (r Request) Target() string {
	return net.JoinHostPort(r.Host, strconv.Itoa(int(r.Port)))
}

// ReadRequest reads a request. A well-formed request with an unsupported
// command or address type is returned together with an *Error carrying the
// reply code to send; other errors mean the connection is unusable.
func ReadRequest(r io.Reader) (Request, error) {
	var req Request
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return req, fmt.Errorf("socks5: request: %w", err)
	}
	if hdr[0] != Version {
		return req, fmt.Errorf("socks5: request: version %d, want 5", hdr[0])
	}
	req.Command, req.AddrType = hdr[1], hdr[3]
	switch req.AddrType {
	case AddrIPv4, AddrIPv6:
		b := make([]byte, 4)
		if req.AddrType == AddrIPv6 {
			b = make([]byte, 16)
		}
		if _, err := io.ReadFull(r, b); err != nil {
			return req, fmt.Errorf("socks5: request: %w", err)
		}
		ip, _ := netip.AddrFromSlice(b)
		req.Host = ip.String()
	case AddrDomain:
		var n [1]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return req, fmt.Errorf("socks5: request: %w", err)
		}
		b := make([]byte, n[0])
		if _, err := io.ReadFull(r, b); err != nil {
			return req, fmt.Errorf("socks5: request: %w", err)
		}
		if !validDomain(b) {
			return req, &Error{Code: ReplyGeneralFailure, Err: fmt.Errorf("invalid domain name %q", b)}
		}
		req.Host = string(b)
	default:
		// The address's length is unknown: the rest cannot be read.
		return req, &Error{Code: ReplyAddressNotSupported, Err: fmt.Errorf("address type %d", req.AddrType)}
	}
	var port [2]byte
	if _, err := io.ReadFull(r, port[:]); err != nil {
		return req, fmt.Errorf("socks5: request: %w", err)
	}
	req.Port = binary.BigEndian.Uint16(port[:])
	if req.Command != CmdConnect {
		return req, &Error{Code: ReplyCommandNotSupported, Err: fmt.Errorf("command %d", req.Command)}
	}
	return req, nil
}

// WriteReply writes a reply with the given code; the bound address is
// 0.0.0.0:0 (nothing is bound on this side of the mixnet).
func WriteReply(w io.Writer, code byte) error {
	_, err := w.Write([]byte{Version, code, 0, AddrIPv4, 0, 0, 0, 0, 0, 0})
	return err
}

// Code returns the reply code for err: the code of an *Error in its chain,
// ReplyHostUnreachable for a timeout, else ReplyGeneralFailure.
func Code(err error) byte {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ReplyHostUnreachable
	}
	if errors.Is(err, errDeadline) {
		return ReplyHostUnreachable
	}
	return ReplyGeneralFailure
}

// validDomain accepts the letters, digits, '-', '_' and '.' of host names.
func validDomain(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
