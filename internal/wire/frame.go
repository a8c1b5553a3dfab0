// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/nym-go/nym/internal/sphinx"
)

// Version is the only frame version this package reads and writes.
const Version = 1

// HeaderSize is the size of a frame header: version and size type.
const HeaderSize = 2

// ReadBufferSize is the size of the buffer NewReader puts in front of a
// connection, enough for a few dozen regular packets per read system call.
const ReadBufferSize = 64 << 10

// WriteBufferSize is the size of the buffer NewWriter puts in front of a
// connection.
const WriteBufferSize = 64 << 10

// Errors that describe a malformed frame. Reader and Writer wrap them; test
// with errors.Is. After a Reader returns one, close the connection.
var (
	// ErrUnknownVersion means the frame's first byte is not Version.
	ErrUnknownVersion = errors.New("wire: unknown frame version")
	// ErrUnknownSizeType means the frame's second byte is not a valid
	// sphinx.SizeType.
	ErrUnknownSizeType = errors.New("wire: unknown packet size type")
	// ErrPacketSize means a packet to be written does not have its size
	// type's length.
	ErrPacketSize = errors.New("wire: packet length does not match its size type")
)

// Frame is a decoded frame.
type Frame struct {
	// Size is the packet's size type.
	Size sphinx.SizeType
	// Packet is the Sphinx packet, Size.PacketSize() bytes long.
	Packet []byte
}

// AppendFrame appends the frame for packet to dst and returns the extended
// slice. It fails if st is not valid or packet is not st.PacketSize() long.
func AppendFrame(dst []byte, st sphinx.SizeType, packet []byte) ([]byte, error) {
	if err := check(st, packet); err != nil {
		return dst, err
	}
	dst = append(dst, Version, byte(st))
	return append(dst, packet...), nil
}

func check(st sphinx.SizeType, packet []byte) error {
	if !st.Valid() {
		return fmt.Errorf("wire: size type %d: %w", st, ErrUnknownSizeType)
	}
	if len(packet) != st.PacketSize() {
		return fmt.Errorf("wire: %v packet of %d bytes, want %d: %w", st, len(packet), st.PacketSize(), ErrPacketSize)
	}
	return nil
}

// Reader decodes frames from a stream. It is not safe for concurrent use;
// a connection has one reading goroutine.
type Reader struct {
	br *bufio.Reader
}

// NewReader returns a Reader that reads from r through a buffer of
// ReadBufferSize bytes (or r itself, if r is a large enough *bufio.Reader).
func NewReader(r io.Reader) *Reader {
	return NewReaderSize(r, ReadBufferSize)
}

// NewReaderSize returns a Reader that reads from r through a buffer of at
// least size bytes (bufio's minimum is 16). A server with many mostly idle
// connections uses a smaller buffer than ReadBufferSize to bound memory.
func NewReaderSize(r io.Reader, size int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, size)}
}

// Buffered returns the number of bytes that can be read without reading
// from the stream. A caller that sets read deadlines can skip that when the
// next frame is already buffered.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// NextSize returns the size type of the next frame without consuming
// anything, so that the caller can pick a buffer of the right size for
// ReadFrame. Its errors are ReadFrame's.
func (r *Reader) NextSize() (sphinx.SizeType, error) {
	b, err := r.br.Peek(HeaderSize)
	if len(b) >= 1 && b[0] != Version {
		return 0, fmt.Errorf("wire: frame version %d: %w", b[0], ErrUnknownVersion)
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF) && len(b) == 0:
		return 0, io.EOF
	case errors.Is(err, io.EOF):
		return 0, fmt.Errorf("wire: frame header: %w", io.ErrUnexpectedEOF)
	default:
		return 0, fmt.Errorf("wire: read frame header: %w", err)
	}
	st := sphinx.SizeType(b[1])
	if !st.Valid() {
		return 0, fmt.Errorf("wire: size type %d: %w", b[1], ErrUnknownSizeType)
	}
	return st, nil
}

// ReadFrame reads the next frame. The packet is read into dst[:n] (n =
// the packet's length) when cap(dst) >= n, so a caller that passes a
// buffer of sphinx.Extended.PacketSize() bytes, or one sized with
// NextSize, never allocates; otherwise ReadFrame allocates exactly n bytes.
// The returned Packet aliases that memory.
//
// ReadFrame returns io.EOF, unwrapped, when the stream ends cleanly
// between frames. Every other error is wrapped: ErrUnknownVersion,
// ErrUnknownSizeType, io.ErrUnexpectedEOF when the stream ends inside a
// frame, or the underlying read error. After any error the stream is
// unusable and the connection should be closed.
func (r *Reader) ReadFrame(dst []byte) (Frame, error) {
	st, err := r.NextSize()
	if err != nil {
		return Frame{}, err
	}
	if _, err := r.br.Discard(HeaderSize); err != nil {
		return Frame{}, fmt.Errorf("wire: read frame header: %w", err) // unreachable: Peek buffered it
	}
	n := st.PacketSize()
	var pkt []byte
	if cap(dst) >= n {
		pkt = dst[:n]
	} else {
		pkt = make([]byte, n)
	}
	if _, err := io.ReadFull(r.br, pkt); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the header was there, so the frame is cut short
		}
		return Frame{}, fmt.Errorf("wire: read %v packet: %w", st, err)
	}
	return Frame{Size: st, Packet: pkt}, nil
}

// Writer encodes frames onto a stream through a buffer. Frames reach the
// stream when the buffer fills or on Flush; a forwarder writes the frames
// it has queued and flushes when its queue is empty. Writer is not safe
// for concurrent use; a connection has one writing goroutine.
type Writer struct {
	bw *bufio.Writer
}

// NewWriter returns a Writer that writes to w through a buffer of
// WriteBufferSize bytes (or w itself, if w is a large enough
// *bufio.Writer).
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, WriteBufferSize)}
}

// WriteFrame buffers the frame for packet. It fails with
// ErrUnknownSizeType or ErrPacketSize (writing nothing) if packet does not
// match st, or with the underlying write error. It does not allocate.
func (w *Writer) WriteFrame(st sphinx.SizeType, packet []byte) error {
	if err := check(st, packet); err != nil {
		return err
	}
	w.bw.WriteByte(Version) // errors are sticky: the Write below reports them
	w.bw.WriteByte(byte(st))
	if _, err := w.bw.Write(packet); err != nil {
		return fmt.Errorf("wire: write frame: %w", err)
	}
	return nil
}

// Flush writes buffered frames to the stream.
func (w *Writer) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("wire: flush: %w", err)
	}
	return nil
}

// Buffered returns the number of bytes waiting for Flush.
func (w *Writer) Buffered() int { return w.bw.Buffered() }
