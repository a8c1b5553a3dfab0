// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"io"
	"net"
	"os"
	"time"
)

type sentFrame struct {
	f      Frame
	sentAt time.Time
	tries  int
}

// Stream is one TCP-like stream of a Session. It behaves like a net.Conn:
// Read and Write may be called concurrently with each other; CloseWrite
// half-closes (the peer reads EOF after the data), Close ends the stream.
type Stream struct {
	s  *Session
	id uint32

	// Everything below is guarded by s.mu.
	notify       chan struct{} // nil, or made by a waiter and closed by the next change of this stream
	target       string
	result       chan struct{} // closed once the open is settled or the stream ends
	resultDone   bool
	opening      bool   // client: no answer yet; exit: neither Accept nor Refuse yet
	refused      string // the refusal's reason
	err          error  // why the stream died (reset, idle, session end)
	removed      bool
	lastActivity time.Time

	// sending
	nextSeq      uint64
	unsent       []byte // written, not yet framed (at most Window bytes)
	flushAt      time.Time
	finPending   bool // CloseWrite or Close: frame a Fin after unsent
	finFramed    bool
	closePending bool // Close: frame a Close after the Fin
	closeFramed  bool
	ready        []Frame      // framed, not yet sent, in sequence order
	readySent    int          // frames of ready marked kindSent in the current step
	unacked      []*sentFrame // exit: sent, not yet acknowledged
	acked        uint64       // the peer's next expected seq
	sentBytes    uint64       // data bytes framed
	peerRead     uint64       // data bytes the peer's application has read

	// receiving
	recvNext     uint64
	reorder      map[uint64]Frame
	reorderBytes int
	readBuf      []byte
	readBytes    uint64 // data bytes read by the application
	advertised   uint64 // readBytes last sent in an ack
	ackNeeded    bool
	ackAt        time.Time
	peerFin      bool
	peerClosed   bool
	localClosed  bool
	writeClosed  bool

	readDeadline, writeDeadline time.Time
}

// ID returns the stream's number within its session.
func (st *Stream) ID() uint32 { return st.id }

// Target returns the "host:port" the stream was opened to.
func (st *Stream) Target() string {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	return st.target
}

func (st *Stream) finishResultLocked() {
	if !st.resultDone {
		st.resultDone = true
		close(st.result)
	}
}

// wait blocks until st changes (signalLocked), the deadline passes or the
// session stops; it is called with s.mu held and returns with it held. It
// returns os.ErrDeadlineExceeded when the deadline has passed.
func (st *Stream) wait(deadline time.Time) error {
	s := st.s
	if s.closed {
		return ErrSessionClosed
	}
	if st.notify == nil {
		st.notify = make(chan struct{})
	}
	ch := st.notify
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := deadline.Sub(s.clock.Now())
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := s.clock.NewTimer(d)
		defer t.Stop()
		timeout = t.C()
	}
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-s.done:
		return nil
	case <-timeout:
		return os.ErrDeadlineExceeded
	}
}

// Read reads data the peer wrote; io.EOF after the peer's CloseWrite (or
// Close) once everything before it has been read.
func (st *Stream) Read(p []byte) (int, error) {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case st.localClosed:
			return 0, net.ErrClosed
		case len(st.readBuf) > 0:
			if len(p) == 0 {
				return 0, nil
			}
			n := copy(p, st.readBuf)
			st.readBuf = st.readBuf[n:]
			if len(st.readBuf) == 0 {
				st.readBuf = nil
			}
			st.readBytes += uint64(n)
			s.stats.DataBytesRead += uint64(n)
			now := s.clock.Now()
			st.lastActivity = now
			if !st.removed && st.readBytes-st.advertised >= uint64(s.cfg.Window/4) {
				st.ackNeeded = true
				st.ackAt = now
				s.poke()
			}
			return n, nil
		case st.peerFin:
			return 0, io.EOF
		case st.peerClosed:
			return 0, io.EOF
		case st.err != nil:
			return 0, st.err
		case st.refused != "":
			return 0, &RefusedError{Reason: st.refused}
		}
		if err := st.wait(st.readDeadline); err != nil {
			return 0, err
		}
	}
}

// Write queues p to be sent; it blocks while Window bytes wait to be sent.
// On the client it may be called once Open returned; on the exit once
// Accept was called.
func (st *Stream) Write(p []byte) (int, error) {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	written := 0
	for written < len(p) {
		switch {
		case st.localClosed:
			return written, net.ErrClosed
		case st.writeClosed:
			return written, ErrWriteClosed
		case st.err != nil:
			return written, st.err
		case st.refused != "":
			return written, &RefusedError{Reason: st.refused}
		case st.peerClosed:
			return written, ErrPeerClosed
		case st.removed:
			return written, ErrSessionClosed
		}
		if room := s.cfg.Window - len(st.unsent); !st.opening && room > 0 {
			n := min(room, len(p)-written)
			st.unsent = append(st.unsent, p[written:written+n]...)
			written += n
			now := s.clock.Now()
			st.lastActivity = now
			if st.flushAt.IsZero() {
				st.flushAt = now.Add(s.cfg.Coalesce)
			}
			s.poke()
			continue
		}
		if err := st.wait(st.writeDeadline); err != nil {
			return written, err
		}
	}
	return written, nil
}

// CloseWrite half-closes the stream: the peer reads EOF after the data
// written so far. Reading goes on.
func (st *Stream) CloseWrite() error {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.localClosed {
		return net.ErrClosed
	}
	if st.writeClosed {
		return nil
	}
	st.writeClosed = true
	if st.removed || st.refused != "" {
		return nil
	}
	st.finPending = true
	s.poke()
	return nil
}

// Close ends the stream: data written so far is still delivered, then the
// peer reads EOF and its writes fail; anything more it sends is discarded.
func (st *Stream) Close() error {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.localClosed {
		return nil
	}
	st.localClosed = true
	st.readBuf = nil
	if !st.removed && st.refused == "" && !(s.cfg.Role == Exit && st.opening) {
		if !st.writeClosed {
			st.writeClosed = true
			st.finPending = true
		}
		st.closePending = true
	} else if !st.removed && s.cfg.Role == Exit && st.opening {
		// Closed before answering: refuse.
		st.refuseLocked("closed by the exit")
	}
	st.signalLocked()
	s.poke()
	return nil
}

// Accept tells the client that the exit connected to the target (exit
// role). Data written before is sent after the answer.
func (st *Stream) Accept() {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Role != Exit || !st.opening || st.removed || st.localClosed {
		return
	}
	st.opening = false
	st.ready = append(st.ready, Frame{Kind: KindOpenResult, Stream: st.id, Seq: 0, Body: []byte{StatusOK}})
	st.nextSeq = 1
	st.signalLocked()
	s.poke()
}

// Refuse tells the client the exit will not connect (exit role); the reason
// reaches the client's Open as a *RefusedError.
func (st *Stream) Refuse(reason string) {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Role != Exit || !st.opening || st.removed {
		return
	}
	st.refuseLocked(reason)
	st.signalLocked()
	s.poke()
}

func (st *Stream) refuseLocked(reason string) {
	if reason == "" {
		reason = "refused"
	}
	reason = truncate(reason, MaxReasonLen)
	st.opening = false
	st.refused = reason
	st.localClosed = true
	st.readBuf = nil
	st.s.stats.StreamsRefused++
	st.ready = append(st.ready, Frame{Kind: KindOpenResult, Stream: st.id, Seq: 0, Body: append([]byte{StatusRefused}, reason...)})
	st.nextSeq = 1
}

// SetDeadline sets the read and write deadlines (on the session's clock).
func (st *Stream) SetDeadline(t time.Time) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.readDeadline, st.writeDeadline = t, t
	st.signalLocked()
	return nil
}

// SetReadDeadline sets the read deadline.
func (st *Stream) SetReadDeadline(t time.Time) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.readDeadline = t
	st.signalLocked()
	return nil
}

// SetWriteDeadline sets the write deadline.
func (st *Stream) SetWriteDeadline(t time.Time) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.writeDeadline = t
	st.signalLocked()
	return nil
}

// Addr is a stream's address: the target.
type Addr string

// Network returns "nym-stream".
func (Addr) Network() string { return "nym-stream" }

func (a Addr) String() string { return string(a) }

// LocalAddr returns the stream's id as an Addr.
func (st *Stream) LocalAddr() net.Addr { return Addr("stream-" + itoa(st.id)) }

// RemoteAddr returns the target as an Addr.
func (st *Stream) RemoteAddr() net.Addr { return Addr(st.Target()) }

func itoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

var _ net.Conn = (*Stream)(nil)
