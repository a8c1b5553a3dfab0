// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wiretest

import (
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// ring is one direction of a connection: a bounded byte buffer written by
// one endpoint and read by the other.
type ring struct {
	mu           sync.Mutex
	buf          []byte // fixed capacity
	start, n     int    // readable bytes are buf[start:start+n], wrapping
	readerClosed bool   // the reading endpoint is closed: writes fail
	writerClosed bool   // the writing endpoint is closed: reads drain, then EOF

	// Wake-ups, each with a buffer of one so a signal sent while nobody
	// waits is not lost. Each has at most one waiter, because an endpoint
	// serializes its reads and its writes.
	readable chan struct{} // data arrived, or an endpoint closed
	writable chan struct{} // space freed, or an endpoint closed
}

func newRing(size int) *ring {
	return &ring{buf: make([]byte, size), readable: make(chan struct{}, 1), writable: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// read copies buffered bytes into p. It returns io.EOF once the writer has
// closed and the buffer is empty, and ok=false (with no error) when the
// caller must wait.
func (r *ring) read(p []byte) (n int, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		if r.writerClosed {
			return 0, true, io.EOF
		}
		return 0, false, nil
	}
	for n < len(p) && r.n > 0 {
		end := min(r.start+r.n, len(r.buf))
		k := copy(p[n:], r.buf[r.start:end])
		n += k
		r.start = (r.start + k) % len(r.buf)
		r.n -= k
	}
	signal(r.writable)
	if r.n > 0 {
		signal(r.readable)
	}
	return n, true, nil
}

// write copies as much of p as fits. It fails once the reader has closed,
// and returns ok=false (with no error) when nothing fits and the caller
// must wait.
func (r *ring) write(p []byte) (n int, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readerClosed {
		return 0, true, io.ErrClosedPipe
	}
	for n < len(p) && r.n < len(r.buf) {
		at := (r.start + r.n) % len(r.buf)
		end := len(r.buf)
		if at < r.start {
			end = r.start
		}
		k := copy(r.buf[at:end], p[n:])
		n += k
		r.n += k
	}
	if n == 0 {
		return 0, false, nil
	}
	signal(r.readable)
	return n, true, nil
}

// closeReader is called when the reading endpoint closes: buffered bytes
// are discarded and the writer's next write fails.
func (r *ring) closeReader() {
	r.mu.Lock()
	r.readerClosed = true
	r.n = 0
	r.mu.Unlock()
	signal(r.writable)
}

// closeWriter is called when the writing endpoint closes: the reader gets
// what is buffered, then io.EOF.
func (r *ring) closeWriter() {
	r.mu.Lock()
	r.writerClosed = true
	r.mu.Unlock()
	signal(r.readable)
}

// deadline is a read or write deadline on the network's clock. Its channel
// is closed while the deadline has passed (as net.Pipe does it).
type deadline struct {
	clk    clock.Clock
	mu     sync.Mutex
	timer  clock.Timer
	cancel chan struct{}
}

func newDeadline(clk clock.Clock) *deadline {
	return &deadline{clk: clk, cancel: make(chan struct{})}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// set moves the deadline to t; the zero t means none. Waiters blocked on
// the current channel see the change: extending keeps the channel and
// moves its timer, passing closes it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait until its function has closed cancel
	}
	d.timer = nil
	closed := isClosed(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := t.Sub(d.clk.Now()); dur > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		c := d.cancel
		d.timer = d.clk.AfterFunc(dur, func() { close(c) })
		return
	}
	if !closed {
		close(d.cancel)
	}
}

// wait returns a channel that is closed when the deadline passes.
func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

// stop releases the deadline's timer.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// conn is one endpoint of an in-memory connection.
type conn struct {
	net           *Network
	local, remote addr
	rx, tx        *ring // rx is read here and written by the peer; tx the reverse
	rdl, wdl      *deadline

	rmu, wmu sync.Mutex // serialize Reads and Writes, as net.Conn requires

	closeOnce sync.Once
	closed    chan struct{}
}

var _ net.Conn = (*conn)(nil)

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: network, Source: c.local, Addr: c.remote, Err: err}
}

// Read reads buffered bytes, waiting for some if there are none. It
// returns io.EOF after the peer closed and the buffer drained.
func (c *conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		switch {
		case isClosed(c.closed), isClosed(c.net.down):
			return 0, c.opError("read", net.ErrClosed)
		case isClosed(c.rdl.wait()):
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		case len(p) == 0:
			return 0, nil
		}
		if n, ok, err := c.rx.read(p); ok {
			return n, err
		}
		c.net.blocking(1)
		select {
		case <-c.rx.readable:
		case <-c.closed:
		case <-c.net.down:
		case <-c.rdl.wait():
		}
		c.net.blocking(-1)
	}
}

// Write writes all of p, waiting for buffer space as needed. It fails if
// either endpoint is closed or the write deadline passes, returning the
// number of bytes buffered before that.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	total := 0
	for {
		switch {
		case isClosed(c.closed), isClosed(c.net.down):
			return total, c.opError("write", net.ErrClosed)
		case isClosed(c.wdl.wait()):
			return total, c.opError("write", os.ErrDeadlineExceeded)
		case len(p) == 0:
			return total, nil
		}
		n, ok, err := c.tx.write(p)
		if err != nil {
			return total, c.opError("write", err)
		}
		if ok {
			total += n
			p = p[n:]
			continue
		}
		c.net.blocking(1)
		select {
		case <-c.tx.writable:
		case <-c.closed:
		case <-c.net.down:
		case <-c.wdl.wait():
		}
		c.net.blocking(-1)
	}
}

// Close closes the endpoint: its own blocked and later calls fail with
// net.ErrClosed, the peer reads what was already written and then io.EOF,
// and the peer's writes fail.
func (c *conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.closed)
		c.rx.closeReader()
		c.tx.closeWriter()
		c.rdl.stop()
		c.wdl.stop()
		c.net.forget(c)
	})
	if !first {
		return c.opError("close", net.ErrClosed)
	}
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.wdl.set(t)
	return nil
}
