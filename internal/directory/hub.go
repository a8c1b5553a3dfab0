// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// hub fans metric lines out to /ws subscribers.
//
// Flow: a metrics POST calls broadcast, which puts the line on every
// subscriber's queue without blocking. Each subscriber's handler goroutine
// (serveWS) drains its queue into websocket frames. A subscriber whose
// queue is full is too slow: the hub drops it (cancels its context, which
// aborts a write in progress), and its handler closes the connection with
// status 1013 if it still can; the connection is reset (SO_LINGER 0), so
// the kernel does not keep sending the backlog of a dropped subscriber. So
// a slow subscriber costs a POST one failed channel send, never a wait.
type hub struct {
	queueLen int
	dropped  func() // counts dropped subscribers
	log      *slog.Logger

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	// wg counts running subscriber handlers; Add happens under mu while
	// !closed, so shutdown's Wait sees every Add.
	wg sync.WaitGroup
}

// subscriber is one /ws connection's queue. The hub owns lines (it sends;
// nobody closes it) and cancels ctx, after setting code and reason, when it
// drops the subscriber or shuts down.
type subscriber struct {
	lines  chan []byte
	raw    net.Conn // the connection, if known (Serve records it)
	ctx    context.Context
	cancel context.CancelFunc
	code   websocket.StatusCode
	reason string
}

func newHub(queueLen int, dropped func(), log *slog.Logger) *hub {
	return &hub{queueLen: queueLen, dropped: dropped, log: log, subs: make(map[*subscriber]struct{})}
}

// join adds a subscriber on connection raw (nil if unknown), or returns
// nil if the hub has shut down. The caller must call leave when its
// handler is done.
func (h *hub) join(raw net.Conn) *subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscriber{lines: make(chan []byte, h.queueLen), raw: raw, ctx: ctx, cancel: cancel}
	h.subs[s] = struct{}{}
	h.wg.Add(1)
	return s
}

// leave removes a subscriber whose handler is done.
func (h *hub) leave(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.cancel()
	h.wg.Done()
}

// len returns the number of subscribers.
func (h *hub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// broadcast queues line for every subscriber and drops those whose queue
// is full. It never blocks. line must not be modified afterwards.
func (h *hub) broadcast(line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.lines <- line:
		default:
			// Its socket is backed up, so a close frame would sit behind
			// megabytes of unread data: reset the connection instead (no
			// linger), which frees the server's buffers at once.
			if tcp, ok := s.raw.(*net.TCPConn); ok {
				tcp.SetLinger(0)
			}
			h.dropLocked(s, websocket.StatusTryAgainLater, "subscriber too slow")
			h.dropped()
			h.log.Info("dropped a slow websocket subscriber", "queue", h.queueLen)
		}
	}
}

func (h *hub) dropLocked(s *subscriber, code websocket.StatusCode, reason string) {
	delete(h.subs, s)
	s.code, s.reason = code, reason
	s.cancel()
}

// shutdown drops every subscriber, refuses new ones, and waits for their
// handlers to return.
func (h *hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	for s := range h.subs {
		h.dropLocked(s, websocket.StatusGoingAway, "directory shutting down")
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// rawConnKey is the request context key under which Serve stores the
// connection's net.Conn, so that a websocket whose peer stops reading can
// be closed within wsCloseGrace.
type rawConnKey struct{}

// serveWS streams metric lines to one subscriber. Anything the client
// sends is read and discarded (a message over maxWSReadBytes closes the
// connection): unlike v0.5.0, client text is never re-broadcast. Any
// Origin is accepted; the data is public and dashboards are cross-origin.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	// The handshake checks the websocket library makes, answered in JSON.
	switch key := r.Header.Get("Sec-WebSocket-Key"); {
	case !hasToken(r.Header, "Connection", "upgrade") || !hasToken(r.Header, "Upgrade", "websocket"):
		w.Header().Set("Upgrade", "websocket")
		writeError(w, http.StatusUpgradeRequired, "this is a websocket endpoint: connect with a websocket client")
		return
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		w.Header().Set("Sec-WebSocket-Version", "13")
		writeError(w, http.StatusBadRequest, "Sec-WebSocket-Version: must be 13")
		return
	case len(r.Header.Values("Sec-WebSocket-Key")) != 1 || !validWSKey(key):
		writeError(w, http.StatusBadRequest, "Sec-WebSocket-Key: must be one base64 16-byte nonce")
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // accept any Origin
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return // Accept has written the error response
	}
	raw, _ := r.Context().Value(rawConnKey{}).(net.Conn)
	sub := s.hub.join(raw)
	if sub == nil {
		closeWS(c, raw, websocket.StatusGoingAway, "directory shutting down")
		return
	}
	defer s.hub.leave(sub)
	c.SetReadLimit(maxWSReadBytes)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			_, rd, err := c.Reader(context.Background())
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
		}
	}()
	code, reason := s.writeWS(c, sub, readDone)
	closeWS(c, raw, code, reason)
	<-readDone
}

// hasToken reports whether a comma-separated header has token (in any
// case).
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func validWSKey(k string) bool {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
	return err == nil && len(b) == 16
}

// writeWS sends queued lines, joined by '\n' into frames of up to
// maxWSFrameBytes, and pings every WSPingInterval, until the subscriber is
// dropped, the client goes away or a write fails. It returns the close
// status to send.
func (s *Server) writeWS(c *websocket.Conn, sub *subscriber, readDone <-chan struct{}) (websocket.StatusCode, string) {
	ping := time.NewTicker(s.cfg.WSPingInterval)
	defer ping.Stop()
	var frame []byte
	for {
		select {
		case <-sub.ctx.Done():
			return sub.code, sub.reason
		case <-readDone:
			return websocket.StatusNormalClosure, ""
		case <-ping.C:
			ctx, cancel := context.WithTimeout(sub.ctx, wsWriteTimeout)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				return websocket.StatusGoingAway, "ping failed"
			}
		case line := <-sub.lines:
			frame = append(frame[:0], line...)
		more:
			for len(frame) < maxWSFrameBytes {
				select {
				case l := <-sub.lines:
					frame = append(append(frame, '\n'), l...)
				default:
					break more
				}
			}
			ctx, cancel := context.WithTimeout(sub.ctx, wsWriteTimeout)
			err := c.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				if sub.ctx.Err() != nil {
					return sub.code, sub.reason
				}
				return websocket.StatusGoingAway, "write failed"
			}
		}
	}
}

// closeWS closes c with a close handshake, but closes the underlying
// connection (if known) after wsCloseGrace, so that a peer that does not
// read cannot hold the handler for the library's 5+5 s close timeouts.
func closeWS(c *websocket.Conn, raw net.Conn, code websocket.StatusCode, reason string) {
	if raw != nil {
		t := time.AfterFunc(wsCloseGrace, func() { raw.Close() })
		defer t.Stop()
	}
	c.Close(code, reason)
}
