// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5e2e

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/nym-go/nym/internal/socks5"
)

// ReplyError is a SOCKS5 reply other than "succeeded".
type ReplyError struct {
	// Code is the reply field (RFC 1928 §6), e.g. 0x02 for "connection
	// not allowed by ruleset".
	Code byte
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("socks5: reply 0x%02x (%s)", e.Code, socks5.ReplyText(e.Code))
}

// Dial connects to target ("host:port"; an IP literal is sent as an IPv4
// or IPv6 address, anything else as a domain name for the proxy to
// resolve) through the SOCKS5 proxy at proxy, with no authentication. ctx
// bounds the whole handshake, including the wait for the proxy's reply. A
// refusal is a *ReplyError.
func Dial(ctx context.Context, proxy, target string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(target)
	if err != nil {
		return nil, fmt.Errorf("socks5: target %q: %w", target, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("socks5: target %q: bad port", target)
	}
	req := []byte{socks5.Version, socks5.CmdConnect, 0}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() {
			req = append(req, socks5.AddrIPv4)
		} else {
			req = append(req, socks5.AddrIPv6)
		}
		req = append(req, ip.AsSlice()...)
	} else {
		if len(host) == 0 || len(host) > 255 {
			return nil, fmt.Errorf("socks5: host %q: length outside 1..255", host)
		}
		req = append(req, socks5.AddrDomain, byte(len(host)))
		req = append(req, host...)
	}
	req = binary.BigEndian.AppendUint16(req, uint16(port))

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", proxy)
	if err != nil {
		return nil, err
	}
	// The handshake is bounded by ctx: its deadline, and its cancellation
	// (which closes the connection).
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = handshake(conn, req)
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// handshake sends the greeting and the request and reads the replies.
func handshake(conn net.Conn, req []byte) error {
	if _, err := conn.Write([]byte{socks5.Version, 1, socks5.MethodNoAuth}); err != nil {
		return fmt.Errorf("socks5: greeting: %w", err)
	}
	var method [2]byte
	if _, err := io.ReadFull(conn, method[:]); err != nil {
		return fmt.Errorf("socks5: method: %w", err)
	}
	if method[0] != socks5.Version || method[1] != socks5.MethodNoAuth {
		return fmt.Errorf("socks5: proxy chose method 0x%02x (version 0x%02x)", method[1], method[0])
	}
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("socks5: request: %w", err)
	}
	var head [4]byte // version, reply, reserved, address type
	if _, err := io.ReadFull(conn, head[:]); err != nil {
		return fmt.Errorf("socks5: reply: %w", err)
	}
	if head[0] != socks5.Version {
		return fmt.Errorf("socks5: reply version 0x%02x", head[0])
	}
	if head[1] != socks5.ReplySucceeded {
		return &ReplyError{Code: head[1]}
	}
	var n int
	switch head[3] {
	case socks5.AddrIPv4:
		n = 4
	case socks5.AddrIPv6:
		n = 16
	case socks5.AddrDomain:
		var l [1]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return fmt.Errorf("socks5: reply: %w", err)
		}
		n = int(l[0])
	default:
		return fmt.Errorf("socks5: reply address type 0x%02x", head[3])
	}
	if _, err := io.ReadFull(conn, make([]byte, n+2)); err != nil { // bound address and port
		return fmt.Errorf("socks5: reply: %w", err)
	}
	return nil
}

// HTTPClient returns an HTTP client whose connections go through the SOCKS5
// proxy at proxy (host names are resolved by the proxy's exit). Every
// request gets its own connection (no keep-alive), so concurrent requests
// are concurrent streams.
func HTTPClient(proxy string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return Dial(ctx, proxy, addr)
		},
		DisableKeepAlives:  true,
		DisableCompression: true,
	}}
}
