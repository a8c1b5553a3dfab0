// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/nym-go/nym/internal/relay"
)

var errDeadline = context.DeadlineExceeded

// Conn is what a Dialer returns: a stream that can be half-closed.
type Conn interface {
	io.ReadWriteCloser
	CloseWrite() error
}

// Dialer connects to target ("host:port"). Its error's reply code comes from
// Code (wrap it in an *Error to choose one).
type Dialer func(ctx context.Context, target string) (Conn, error)

// Serve runs one SOCKS connection: the handshake (bounded by handshake
// timeout), the dial (bounded by dialTimeout; a timeout replies "host
// unreachable"), the reply, and the relay until both directions end or ctx
// ends. It closes c and returns why the connection ended early, if it did.
func Serve(ctx context.Context, c net.Conn, dial Dialer, handshakeTimeout, dialTimeout time.Duration) error {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	c.SetDeadline(time.Now().Add(handshakeTimeout))
	methods, err := ReadGreeting(c)
	if err != nil {
		return err
	}
	m := ChooseMethod(methods)
	if err := WriteMethod(c, m); err != nil {
		return err
	}
	if m == MethodNoAcceptable {
		return ErrNoAcceptableMethod
	}
	req, err := ReadRequest(c)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			WriteReply(c, e.Code)
		}
		return err
	}
	c.SetDeadline(time.Time{})

	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	remote, err := dial(dctx, req.Target())
	cancel()
	if err != nil {
		WriteReply(c, Code(err))
		return fmt.Errorf("socks5: connect %s: %w", req.Target(), err)
	}
	defer remote.Close()
	if err := WriteReply(c, ReplySucceeded); err != nil {
		return err
	}
	Relay(c, remote)
	return nil
}

// Relay copies both ways between a local TCP connection and a remote
// stream, propagating half-closes, until both directions end. An error in
// either direction (a reset, not an EOF) closes both. It is relay.Copy.
func Relay(local net.Conn, remote Conn) {
	relay.Copy(local, remote, nil, nil)
}
