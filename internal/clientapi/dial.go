// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/address"
)

// InboxSize is how many received messages and unsolicited errors a Conn
// buffers for Receive; DialOptions.InboxBytes bounds their bytes. When
// either is reached the Conn stops reading from the server until Receive
// makes room; a request waiting for its response meanwhile waits too (until
// its context ends), and the server eventually closes the connection as too
// slow.
const InboxSize = 1024

// DefaultInboxBytes is the default of DialOptions.InboxBytes.
const DefaultInboxBytes = 64 << 20

// DialOptions tune a Conn. Zero fields take the defaults.
type DialOptions struct {
	// MaxMessage is the largest message the Conn accepts from the server
	// (default DefaultMaxMessage, 16 MiB): a frame over MaxMessage +
	// FrameOverhead ends the connection. Match the client's
	// traffic.max_message.
	MaxMessage int
	// InboxBytes bounds the bytes of the messages buffered for Receive
	// (default DefaultInboxBytes, 64 MiB); a message larger than that is
	// still taken when the buffer is empty.
	InboxBytes int
	// SendOnly opens the connection with "?receive=false" (ReceiveParam):
	// the server delivers it no received messages, which stay for the
	// client's other connections (or in the client while there is none).
	// Use it for connections that only send, such as nym-client send or a
	// readiness check.
	SendOnly bool
}

// WriteTimeout bounds writing one request frame from a Conn; a write that
// takes longer closes the connection.
const WriteTimeout = 30 * time.Second

// ErrClosed is returned by a Conn's methods after Close.
var ErrClosed = errors.New("client api: connection closed")

// Received is a message delivered to the application.
type Received struct {
	// Message is the message.
	Message []byte
	// ReplySURB is the marshalled reply SURB that came with the message (pass
	// it to Reply), or nil if none.
	ReplySURB []byte
}

// Conn is a Go client of the API. It is safe for one goroutine calling
// Receive and any number calling the other methods.
//
// Requests are serialized (reqMu): each writes its frames followed by a
// binary selfAddress request, and then reads responses up to the
// selfAddress response, which marks the end of its answer because the
// server handles a connection's requests in order. The reader goroutine
// sends responses to resp and received messages (and failure reports, code
// CodeMessageFailed) to inbox.
type Conn struct {
	ws *websocket.Conn

	reqMu sync.Mutex
	// owed counts selfAddress responses still due to requests whose caller
	// gave up (context ended); the next request discards them first.
	// Guarded by reqMu.
	owed int

	resp  chan response // responses to requests; reader → holder of reqMu
	inbox chan response // received messages and unsolicited errors

	// inboxBytes counts the bytes in inbox: the reader adds before
	// queueing, Receive subtracts after taking, then signals room (one
	// buffered slot, so a wake-up is never lost).
	inboxBytes atomic.Int64
	inboxMax   int64
	room       chan struct{}

	cancel   context.CancelFunc
	readDone chan struct{} // closed when the reader goroutine returns
	readErr  error         // why the reader stopped; read after readDone
	closeMu  sync.Once
}

// Dial connects to the API at url (like "ws://127.0.0.1:1977") with the
// default DialOptions; see DialWith.
func Dial(ctx context.Context, url string) (*Conn, error) {
	return DialWith(ctx, url, DialOptions{})
}

// DialWith connects to the API at rawURL (like "ws://127.0.0.1:1977") and
// checks it with a binary selfAddress request, so that the server sends
// this connection everything in binary form.
func DialWith(ctx context.Context, rawURL string, opts DialOptions) (*Conn, error) {
	if opts.MaxMessage < 0 || opts.InboxBytes < 0 {
		return nil, fmt.Errorf("client api: dial: negative MaxMessage (%d) or InboxBytes (%d)", opts.MaxMessage, opts.InboxBytes)
	}
	if opts.MaxMessage == 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	if opts.InboxBytes == 0 {
		opts.InboxBytes = DefaultInboxBytes
	}
	if opts.SendOnly {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("client api: dial %s: %w", rawURL, err)
		}
		q := u.Query()
		q.Set(ReceiveParam, "false")
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	ws, _, err := websocket.Dial(ctx, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("client api: dial %s: %w", rawURL, err)
	}
	ws.SetReadLimit(int64(opts.MaxMessage) + FrameOverhead)
	rctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		ws:       ws,
		resp:     make(chan response, 4),
		inbox:    make(chan response, InboxSize),
		inboxMax: int64(opts.InboxBytes),
		room:     make(chan struct{}, 1),
		cancel:   cancel,
		readDone: make(chan struct{}),
	}
	go c.readLoop(rctx)
	if _, err := c.SelfAddress(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// readLoop reads frames until the connection ends.
func (c *Conn) readLoop(ctx context.Context) {
	defer close(c.readDone)
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			c.readErr = fmt.Errorf("client api: connection ended: %w", err)
			return
		}
		var r response
		if typ == websocket.MessageBinary {
			r, err = decodeBinaryResponse(data)
		} else {
			r, err = decodeJSONResponse(data)
		}
		if err != nil {
			c.readErr = err
			c.ws.Close(websocket.StatusProtocolError, "malformed response")
			return
		}
		dst := c.resp
		if r.kind == TagReceived || (r.kind == TagError && r.err.Code == CodeMessageFailed) {
			dst = c.inbox
			n := r.size()
			for q := c.inboxBytes.Load(); q > 0 && q+n > c.inboxMax; q = c.inboxBytes.Load() {
				select { // over budget: wait until Receive takes something
				case <-c.room:
				case <-ctx.Done():
					return
				}
			}
			c.inboxBytes.Add(n)
		}
		select {
		case dst <- r:
		case <-ctx.Done():
			return
		}
	}
}

// err returns why the connection is unusable.
func (c *Conn) err() error {
	if c.readErr != nil {
		return c.readErr
	}
	return ErrClosed
}

// roundTrip writes frames then a binary selfAddress request and collects
// the responses up to its answer. It returns the address and the first
// error response.
func (c *Conn) roundTrip(ctx context.Context, frames ...[]byte) (string, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	for c.owed > 0 {
		r, err := c.next(ctx)
		if err != nil {
			return "", err
		}
		if r.kind == TagSelfAddrRes {
			c.owed--
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// Writes ignore ctx's cancellation (but not its deadline, nor
	// WriteTimeout): the library closes the connection when a write's
	// context ends, which would break it for every other caller. The
	// selfAddress barrier is always written after the request, so that the
	// answers to what was written can be told apart from the next request's.
	frames = append(frames, []byte{TagSelfAddress})
	for _, f := range frames {
		if err := c.write(ctx, f); err != nil {
			return "", err
		}
	}
	var first *ServerError
	for {
		r, err := c.next(ctx)
		if err != nil {
			c.owed++
			return "", err
		}
		switch r.kind {
		case TagError:
			if first == nil {
				first = r.err
			}
		case TagSelfAddrRes:
			if first != nil {
				return r.address, first
			}
			return r.address, nil
		}
	}
}

// write writes one binary frame within WriteTimeout (or ctx's deadline if
// earlier), whether or not ctx is cancelled meanwhile.
func (c *Conn) write(ctx context.Context, f []byte) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), WriteTimeout)
	defer cancel()
	if dl, ok := ctx.Deadline(); ok {
		wctx, cancel = context.WithDeadline(wctx, dl)
		defer cancel()
	}
	if err := c.ws.Write(wctx, websocket.MessageBinary, f); err != nil {
		return fmt.Errorf("client api: write: %w", err)
	}
	return nil
}

// next returns the next response to a request.
func (c *Conn) next(ctx context.Context) (response, error) {
	select {
	case r := <-c.resp:
		return r, nil
	case <-ctx.Done():
		return response{}, ctx.Err()
	case <-c.readDone:
		select {
		case r := <-c.resp:
			return r, nil
		default:
			return response{}, c.err()
		}
	}
}

// SelfAddress returns the client's address in text form.
func (c *Conn) SelfAddress(ctx context.Context) (string, error) {
	return c.roundTrip(ctx)
}

// Send queues msg for recipient (text address). It uses the binary form and
// then does a selfAddress round trip so that an error response the server
// sends for this request is returned here (requests on one connection are
// handled in order). A nil error means the client queued the message; a
// later failure arrives through Receive as a *ServerError with code
// CodeMessageFailed.
func (c *Conn) Send(ctx context.Context, recipient string, msg []byte, withReplySURB bool) error {
	to, err := address.Parse(recipient)
	if err != nil {
		return err
	}
	_, err = c.roundTrip(ctx, encodeSendRequest(to, msg, withReplySURB))
	return err
}

// Reply sends msg anonymously through replySURB (a Received.ReplySURB),
// returning the server's error response, if any.
func (c *Conn) Reply(ctx context.Context, replySURB []byte, msg []byte) error {
	_, err := c.roundTrip(ctx, encodeReplyRequest(replySURB, msg))
	return err
}

// Receive returns the next received message; a server error response not
// tied to a request (a message that failed after all retransmissions) is
// returned as *ServerError. It returns an error once the connection has
// ended and everything buffered has been returned.
func (c *Conn) Receive(ctx context.Context) (Received, error) {
	var r response
	select {
	case r = <-c.inbox:
	case <-ctx.Done():
		return Received{}, ctx.Err()
	case <-c.readDone:
		select {
		case r = <-c.inbox:
		default:
			return Received{}, c.err()
		}
	}
	c.inboxBytes.Add(-r.size())
	select {
	case c.room <- struct{}{}:
	default:
	}
	if r.kind == TagError {
		return Received{}, r.err
	}
	return Received{Message: r.message, ReplySURB: r.surb}, nil
}

// Close closes the connection and stops its reader goroutine.
func (c *Conn) Close() error {
	var err error
	c.closeMu.Do(func() {
		select {
		case <-c.readDone: // the connection had already ended
		default:
			err = c.ws.Close(websocket.StatusNormalClosure, "")
		}
		c.cancel()
		c.ws.CloseNow()
		<-c.readDone
	})
	return err
}

// size is what r counts against DialOptions.InboxBytes.
func (r *response) size() int64 {
	n := len(r.message) + len(r.surb)
	if r.err != nil {
		n += len(r.err.Message)
	}
	return int64(n)
}
