// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package socks5test helps test the SOCKS5 proxy (internal/socks5client)
// without a network: Exit is a proxy Backend whose provider is an exit
// streams.Session in the same process, connecting streams to real TCP
// targets.
package socks5test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/socks5"
	"github.com/nym-go/nym/internal/streams"
)

// ExitMaxMessage is the exit session's streams.Config.MaxMessage.
const ExitMaxMessage = 1600

// ExitConfig configures an Exit.
type ExitConfig struct {
	// Refuse, if set, is asked about every stream: a non-empty reason
	// refuses it, "" connects it to its target.
	Refuse func(target string) string
	// HandleError, if set, gets the errors the exit session returns for a
	// message (other than streams.ErrSessionClosed), and SendWithSURBs
	// succeeds; if nil, SendWithSURBs returns them.
	HandleError func(error)
}

// Exit is a socks5client.Backend whose provider runs in this process: the
// first message starts an exit streams.Session with the message's session
// id (MaxMessage ExitMaxMessage), whose replies Receive delivers. Its
// goroutines run until the ctx given to NewExit ends; Wait waits for them.
type Exit struct {
	ctx  context.Context
	cfg  ExitConfig
	recv chan client.Received
	wg   sync.WaitGroup

	mu   sync.Mutex
	exit *streams.Session // created by the next message when nil

	ids  atomic.Uint64 // message ids handed out
	down atomic.Bool
}

// NewExit returns an Exit whose session and streams run until ctx ends.
// Receive's channel holds 64 replies; the session waits while it is full.
func NewExit(ctx context.Context, cfg ExitConfig) *Exit {
	return &Exit{ctx: ctx, cfg: cfg, recv: make(chan client.Received, 64)}
}

// Receive returns the channel of the exit's replies.
func (e *Exit) Receive() <-chan client.Received { return e.recv }

// SendWithSURBs hands msg to the exit session with n reply credits and
// returns a fresh message id (see LastID). A message that is not a
// streams message is an error.
func (e *Exit) SendWithSURBs(_ context.Context, _ address.Address, msg []byte, n int) (client.MessageID, error) {
	msg = bytes.Clone(msg)
	id, err := streams.SessionIDOf(msg)
	if err != nil {
		return 0, err
	}
	mid := client.MessageID(e.ids.Add(1))
	if e.down.Load() {
		return mid, nil
	}
	e.mu.Lock()
	if e.exit == nil {
		e.exit, err = streams.New(streams.Config{Role: streams.Exit, SessionID: id, MaxMessage: ExitMaxMessage},
			streams.Deps{Send: e.reply, Accept: e.accept})
		if err != nil {
			e.mu.Unlock()
			return 0, err
		}
		exit := e.exit
		e.wg.Go(func() { exit.Run(e.ctx) })
	}
	exit := e.exit
	e.mu.Unlock()
	exit.AddCredits(n)
	if err := exit.Handle(msg); err != nil && !errors.Is(err, streams.ErrSessionClosed) {
		if e.cfg.HandleError == nil {
			return 0, err
		}
		e.cfg.HandleError(err)
	}
	return mid, nil
}

// SetDown makes the exit unreachable (true) or reachable again: while it
// is down, messages either way are lost.
func (e *Exit) SetDown(down bool) { e.down.Store(down) }

// Restart makes the next message start a fresh exit session, as an exit
// that restarted would (the old one runs on, unreachable, until ctx ends).
func (e *Exit) Restart() {
	e.mu.Lock()
	e.exit = nil
	e.mu.Unlock()
}

// LastID returns the id SendWithSURBs handed out last (0 before any).
func (e *Exit) LastID() client.MessageID { return client.MessageID(e.ids.Load()) }

// Wait waits for the exit's goroutines, which end with the ctx given to
// NewExit.
func (e *Exit) Wait() { e.wg.Wait() }

func (e *Exit) reply(ctx context.Context, msg []byte, _ int) error {
	if e.down.Load() {
		return nil
	}
	select {
	case e.recv <- client.Received{Message: bytes.Clone(msg), IsReply: true}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Exit) accept(st *streams.Stream, target string) {
	if e.cfg.Refuse != nil {
		if reason := e.cfg.Refuse(target); reason != "" {
			st.Refuse(reason)
			return
		}
	}
	e.wg.Go(func() {
		var d net.Dialer
		c, err := d.DialContext(e.ctx, "tcp", target)
		if err != nil {
			st.Refuse(err.Error())
			return
		}
		st.Accept()
		socks5.Relay(c, st)
		st.Close()
	})
}
