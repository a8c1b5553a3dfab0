// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

type frameType = websocket.MessageType

const (
	frameText   = websocket.MessageText
	frameBinary = websocket.MessageBinary

	statusGoingAway = websocket.StatusGoingAway
	statusTooSlow   = websocket.StatusPolicyViolation
)

// frame is one message waiting in a connection's write queue.
type frame struct {
	typ  frameType
	data []byte
}

// ReceiveParam is the query parameter of the API's URL that makes a
// connection send-only: with "?receive=false" (or 0) it gets no received
// messages, only the answers to its requests and the failure reports of the
// messages it sent. "true", "1" or no parameter receive.
const ReceiveParam = "receive"

// conn is one application connection. Its handler goroutine reads and
// handles requests in order; its writer goroutine owns every write. Both
// the handler and the dispatcher queue frames on out; a full queue (in
// frames or bytes) kills the connection (statusTooSlow) instead of
// blocking.
type conn struct {
	s   *Server
	ws  *websocket.Conn
	out chan frame
	// queued is the bytes of the frames in out and of the one being
	// written; enqueue adds, the writer subtracts.
	queued atomic.Int64
	// receive is false for a send-only connection (ReceiveParam).
	receive bool
	// binary is set once the application sends a binary frame; from then on
	// received messages and failures reach it in binary form.
	binary atomic.Bool

	// ctx bounds the writes; it ends when the connection does or when the
	// server's shutdown grace is over.
	ctx    context.Context
	cancel context.CancelFunc
	// raw is the hijacked TCP connection under ws; abort closes it to end
	// a stuck write or close handshake at once.
	raw net.Conn

	killOnce sync.Once
	done     chan struct{} // closed by kill
	status   websocket.StatusCode
	reason   string
}

// serveWS runs one connection: admission, upgrade, then the request loop
// until the connection ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	// A web page must not drive the local client (send as it, read its
	// mail): refuse names other than loopback ones (DNS rebinding gives a
	// page on attacker.example an equal Origin and Host) and any Origin
	// not allowed.
	if !s.hostAllowed(r.Host) {
		s.refused.Add(1)
		s.log.Warn("refused a request for a host name that is not loopback", "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, "host not allowed: connect to 127.0.0.1, [::1] or localhost", http.StatusForbidden)
		return
	}
	if o, ok := r.Header["Origin"]; ok && !s.originAllowed(o) {
		s.refused.Add(1)
		s.log.Warn("refused a request from a web page", "origin", strings.Join(o, ","), "remote", r.RemoteAddr)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	receive := true
	switch v := r.URL.Query().Get(ReceiveParam); strings.ToLower(v) {
	case "", "true", "1":
	case "false", "0":
		receive = false
	default:
		s.badRequests.Add(1)
		http.Error(w, fmt.Sprintf("bad %s=%q: want true or false", ReceiveParam, v), http.StatusBadRequest)
		return
	}
	ok, why := s.admit()
	if !ok {
		s.refused.Add(1)
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	defer s.release()
	hw := &hijackWatcher{ResponseWriter: w}
	// The host and origin were checked above.
	ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return // Accept has written the HTTP error
	}
	ws.SetReadLimit(int64(s.cfg.MaxMessage) + FrameOverhead)
	c := &conn{s: s, ws: ws, out: make(chan frame, s.cfg.WriteQueue), receive: receive, raw: hw.conn, done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(s.connCtx)
	defer c.cancel()
	if !s.addConn(c) {
		// Shutdown has begun; its grace would not cover this one.
		ws.CloseNow()
		return
	}
	s.log.Debug("application connected", "remote", r.RemoteAddr, "receive", receive)
	written := make(chan struct{})
	go func() {
		defer close(written)
		c.writeLoop()
	}()
	err = c.readLoop()
	c.kill(websocket.StatusNormalClosure, "")
	<-written
	s.removeConn(c)
	ws.CloseNow()
	s.log.Debug("application disconnected", "remote", r.RemoteAddr, "reason", err)
}

// kill ends the connection: the writer stops taking frames and closes the
// websocket with status and reason once the write in progress, if any, has
// finished (within WriteTimeout; if it times out the connection is dropped
// without a status). Only the first call counts.
func (c *conn) kill(status websocket.StatusCode, reason string) {
	c.killOnce.Do(func() {
		c.status, c.reason = status, reason
		close(c.done)
	})
}

// alive reports whether c has not been killed.
func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// abort drops the connection at once: a write or close handshake in
// progress fails, and so does the handler's read.
func (c *conn) abort() {
	c.cancel()
	if c.raw != nil {
		c.raw.Close()
	}
}

// enqueue queues a frame without blocking and reports whether it did. If
// the queue is full, in frames or in bytes (WriteQueueBytes; a frame larger
// than that is taken when the queue is empty), the connection is killed as
// too slow.
func (c *conn) enqueue(typ frameType, data []byte) bool {
	if !c.alive() {
		return false
	}
	n := int64(len(data))
	if q := c.queued.Add(n); q > int64(c.s.cfg.WriteQueueBytes) && q != n {
		c.queued.Add(-n)
		c.tooSlow(fmt.Sprintf("%d bytes queued", q-n))
		return false
	}
	select {
	case c.out <- frame{typ, data}:
		return true
	default:
		c.queued.Add(-n)
		c.tooSlow(fmt.Sprintf("%d frames queued", cap(c.out)))
		return false
	}
}

func (c *conn) tooSlow(queue string) {
	c.s.slowDrops.Add(1)
	c.s.log.Warn("application reads too slowly; closing its connection", "queue", queue)
	c.kill(statusTooSlow, "write queue full: reading too slowly")
}

// sendError queues e in binary or JSON form (binary if the JSON form
// fails to encode) and reports whether it did.
func (c *conn) sendError(e *ServerError, binaryForm bool) bool {
	if !binaryForm {
		b, err := encodeErrorJSON(e)
		if err == nil {
			return c.enqueue(frameText, b)
		}
		c.s.encodeFailed(err)
	}
	return c.enqueue(frameBinary, encodeErrorBinary(e))
}

// writeLoop writes queued frames until the connection is killed, then
// closes the websocket with the kill's status. A frame that cannot be
// written within WriteTimeout, or before the shutdown grace ends, ends the
// connection.
func (c *conn) writeLoop() {
	for {
		select { // a killed connection takes no more frames
		case <-c.done:
			_ = c.ws.Close(c.status, c.reason)
			return
		default:
		}
		select {
		case <-c.done:
			_ = c.ws.Close(c.status, c.reason)
			return
		case f := <-c.out:
			ctx, cancel := context.WithTimeout(c.ctx, c.s.cfg.WriteTimeout)
			err := c.ws.Write(ctx, f.typ, f.data)
			cancel()
			c.queued.Add(-int64(len(f.data)))
			if err != nil {
				c.s.writeFailures.Add(1)
				c.s.log.Debug("write to application failed; closing its connection", "error", err)
				c.kill(websocket.StatusInternalError, "write failed")
				c.ws.CloseNow()
				return
			}
		}
	}
}

// readLoop reads and handles requests, in order, until the connection
// fails or closes.
func (c *conn) readLoop() error {
	for {
		// Not c's context: cancelling a read would drop the connection
		// without the close status kill sends. Close (by the writer) and
		// CloseNow (by serveWS) end the read instead.
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return err
		}
		select {
		case <-c.done:
			return errors.New("connection closed by the server")
		default:
		}
		isBinary := typ == websocket.MessageBinary
		if isBinary {
			c.binary.Store(true)
		}
		c.handle(data, isBinary)
	}
}

// handle answers one request frame.
func (c *conn) handle(data []byte, isBinary bool) {
	var req request
	var rerr *ServerError
	if isBinary {
		req, rerr = decodeBinaryRequest(data)
	} else {
		req, rerr = decodeJSONRequest(data)
	}
	if rerr != nil {
		c.s.badRequests.Add(1)
		c.sendError(rerr, isBinary)
		return
	}
	s := c.s
	switch req.kind {
	case TagSelfAddress:
		if !isBinary {
			b, err := encodeSelfAddressJSON(s.self)
			if err == nil {
				c.enqueue(frameText, b)
				return
			}
			s.encodeFailed(err)
		}
		c.enqueue(frameBinary, encodeSelfAddressBinary(s.self))
	case TagSend:
		if len(req.message) > s.cfg.MaxMessage {
			c.sendError(&ServerError{Code: CodeOther, Message: fmt.Sprintf("message of %d bytes exceeds the limit of %d", len(req.message), s.cfg.MaxMessage)}, isBinary)
			return
		}
		id, err := s.b.Send(s.ctx, req.recipient, req.message, req.withSURB)
		if err != nil {
			c.sendError(&ServerError{Code: CodeOther, Message: "send: " + err.Error()}, isBinary)
			return
		}
		s.track(id, c)
	case TagReply:
		if len(req.message) > s.cfg.MaxMessage {
			c.sendError(&ServerError{Code: CodeOther, Message: fmt.Sprintf("message of %d bytes exceeds the limit of %d", len(req.message), s.cfg.MaxMessage)}, isBinary)
			return
		}
		if err := s.b.Reply(s.ctx, req.surb, req.message); err != nil {
			c.sendError(&ServerError{Code: CodeOther, Message: "reply: " + err.Error()}, isBinary)
		}
	}
}

// hostAllowed reports whether a request's Host may reach the API: a
// loopback IP literal, "localhost" or one of Config.AllowedHosts, with any
// port.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || s.hosts[host] || s.hosts["*"] {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// originAllowed reports whether every Origin header value is in
// Config.AllowedOrigins.
func (s *Server) originAllowed(values []string) bool {
	for _, o := range values {
		if !s.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] {
			return false
		}
	}
	return len(values) > 0
}

// hijackWatcher keeps the connection websocket.Accept hijacks, so that
// shutdown can close it under a stuck close handshake.
type hijackWatcher struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackWatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("client api: the response writer cannot be hijacked")
	}
	c, brw, err := hj.Hijack()
	h.conn = c
	return c, brw, err
}
