// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

var sizeTypes = []sphinx.SizeType{sphinx.Regular, sphinx.Ack, sphinx.Extended}

// packet returns a deterministic pseudo-random packet of st's length.
func packet(st sphinx.SizeType, seed uint64) []byte {
	p := make([]byte, st.PacketSize())
	rand.NewChaCha8([32]byte{byte(seed), byte(st)}).Read(p)
	return p
}

func TestFrameLayout(t *testing.T) {
	// The sizes are the protocol's (docs/protocol/wire.md); a change in
	// sphinx must show up here.
	for st, size := range map[sphinx.SizeType]int{sphinx.Regular: 2413, sphinx.Ack: 386, sphinx.Extended: 33133} {
		if st.PacketSize() != size {
			t.Errorf("%v.PacketSize() = %d, want %d", st, st.PacketSize(), size)
		}
		pkt := packet(st, 1)
		frame, err := wire.AppendFrame([]byte("prefix"), st, pkt)
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]byte("prefix"), wire.Version, byte(st)), pkt...)
		if !bytes.Equal(frame, want) {
			t.Errorf("%v: AppendFrame does not produce prefix ‖ 0x01 ‖ type ‖ packet", st)
		}
		if len(frame) != len("prefix")+2+size {
			t.Errorf("%v: frame of %d bytes", st, len(frame))
		}
	}
}

func TestRoundTrip(t *testing.T) {
	var stream bytes.Buffer
	w := wire.NewWriter(&stream)
	var sent []wire.Frame
	for i := range 12 {
		st := sizeTypes[i%len(sizeTypes)]
		pkt := packet(st, uint64(i))
		if err := w.WriteFrame(st, pkt); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, wire.Frame{Size: st, Packet: pkt})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Buffered() != 0 {
		t.Fatalf("Buffered = %d after Flush", w.Buffered())
	}

	// Read it back one byte per Read call, the worst case for buffering.
	r := wire.NewReader(iotest.OneByteReader(&stream))
	buf := make([]byte, sphinx.Extended.PacketSize())
	for i, want := range sent {
		st, err := r.NextSize()
		if err != nil || st != want.Size {
			t.Fatalf("frame %d: NextSize = %v, %v; want %v", i, st, err, want.Size)
		}
		got, err := r.ReadFrame(buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.Size != want.Size || !bytes.Equal(got.Packet, want.Packet) {
			t.Fatalf("frame %d: got %v (%d bytes), want %v", i, got.Size, len(got.Packet), want.Size)
		}
		if &got.Packet[0] != &buf[0] {
			t.Fatalf("frame %d: packet not read into the caller's buffer", i)
		}
	}
	if _, err := r.ReadFrame(buf); err != io.EOF {
		t.Fatalf("after the last frame: err = %v, want io.EOF unwrapped", err)
	}
}

func TestReadFrameAllocatesWhenBufferTooSmall(t *testing.T) {
	frame, _ := wire.AppendFrame(nil, sphinx.Regular, packet(sphinx.Regular, 2))
	small := make([]byte, 100)
	got, err := wire.NewReader(bytes.NewReader(frame)).ReadFrame(small)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Packet) != sphinx.Regular.PacketSize() || &got.Packet[0] == &small[0] {
		t.Fatal("short buffer was not replaced by a packet-sized one")
	}
	if !bytes.Equal(got.Packet, frame[2:]) {
		t.Fatal("packet content differs")
	}
}

func TestReadFrameErrors(t *testing.T) {
	regular := packet(sphinx.Regular, 3)
	good, _ := wire.AppendFrame(nil, sphinx.Regular, regular)
	for _, tt := range []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty stream", nil, io.EOF},
		{"version 0", []byte{0, 1}, wire.ErrUnknownVersion},
		{"version 2", append([]byte{2}, good[1:]...), wire.ErrUnknownVersion},
		{"Nym's version 7", []byte{7, 1, 0, 0}, wire.ErrUnknownVersion},
		{"bad version, cut short", []byte{9}, wire.ErrUnknownVersion},
		{"size type 0", []byte{1, 0}, wire.ErrUnknownSizeType},
		{"size type 4", append([]byte{1, 4}, regular...), wire.ErrUnknownSizeType},
		{"size type 255", []byte{1, 255}, wire.ErrUnknownSizeType},
		{"only the version", good[:1], io.ErrUnexpectedEOF},
		{"header only", good[:2], io.ErrUnexpectedEOF},
		{"one byte short", good[:len(good)-1], io.ErrUnexpectedEOF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.NewReader(bytes.NewReader(tt.input)).ReadFrame(nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == io.EOF && err != io.EOF {
				t.Fatalf("clean end of stream must be io.EOF itself, got %#v", err)
			}
		})
	}

	// Every proper prefix of a frame is a short read, never a clean EOF
	// (except the empty one) and never a panic.
	for cut := 1; cut < len(good); cut++ {
		_, err := wire.NewReader(bytes.NewReader(good[:cut])).ReadFrame(nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("frame cut at %d: err = %v", cut, err)
		}
	}

	// An I/O error comes back wrapped.
	boom := errors.New("boom")
	_, err := wire.NewReader(io.MultiReader(bytes.NewReader(good[:10]), iotest.ErrReader(boom))).ReadFrame(nil)
	if !errors.Is(err, boom) {
		t.Fatalf("I/O error: err = %v, want it to wrap %v", err, boom)
	}
}

func TestWriteFrameRejectsMismatch(t *testing.T) {
	var out bytes.Buffer
	w := wire.NewWriter(&out)
	for _, tt := range []struct {
		st   sphinx.SizeType
		n    int
		want error
	}{
		{0, 10, wire.ErrUnknownSizeType},
		{9, 10, wire.ErrUnknownSizeType},
		{sphinx.Regular, sphinx.Ack.PacketSize(), wire.ErrPacketSize},
		{sphinx.Ack, sphinx.Ack.PacketSize() + 1, wire.ErrPacketSize},
		{sphinx.Extended, 0, wire.ErrPacketSize},
	} {
		if err := w.WriteFrame(tt.st, make([]byte, tt.n)); !errors.Is(err, tt.want) {
			t.Errorf("WriteFrame(%v, %d bytes) = %v, want %v", tt.st, tt.n, err, tt.want)
		}
		if _, err := wire.AppendFrame(nil, tt.st, make([]byte, tt.n)); !errors.Is(err, tt.want) {
			t.Errorf("AppendFrame(%v, %d bytes) = %v, want %v", tt.st, tt.n, err, tt.want)
		}
	}
	w.Flush()
	if w.Buffered() != 0 || out.Len() != 0 {
		t.Fatal("a rejected frame left bytes behind")
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteErrorsPropagate(t *testing.T) {
	boom := errors.New("boom")
	w := wire.NewWriter(failWriter{boom})
	// Two extended frames overflow the buffer, so the second hits the stream.
	ext := packet(sphinx.Extended, 4)
	if err := w.WriteFrame(sphinx.Extended, ext); err != nil {
		t.Fatalf("buffered WriteFrame failed early: %v", err)
	}
	if err := w.WriteFrame(sphinx.Extended, ext); !errors.Is(err, boom) {
		t.Fatalf("WriteFrame err = %v, want it to wrap %v", err, boom)
	}
	w = wire.NewWriter(failWriter{boom})
	if err := w.WriteFrame(sphinx.Ack, packet(sphinx.Ack, 4)); err != nil {
		t.Fatalf("buffered WriteFrame failed early: %v", err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush err = %v, want it to wrap %v", err, boom)
	}
}

// loopReader returns data over and over without allocating.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var stream []byte
	for _, st := range sizeTypes {
		stream, _ = wire.AppendFrame(stream, st, packet(st, 5))
	}
	r := wire.NewReader(&loopReader{data: stream})
	buf := make([]byte, sphinx.Extended.PacketSize())
	if allocs := testing.AllocsPerRun(300, func() {
		if _, err := r.ReadFrame(buf); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("ReadFrame: %v allocations per frame, want 0", allocs)
	}

	w := wire.NewWriter(io.Discard)
	pkt := packet(sphinx.Regular, 6)
	if allocs := testing.AllocsPerRun(300, func() {
		if err := w.WriteFrame(sphinx.Regular, pkt); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("WriteFrame: %v allocations per frame, want 0", allocs)
	}
}

func BenchmarkReadFrame(b *testing.B) {
	for _, st := range sizeTypes {
		b.Run(st.String(), func(b *testing.B) {
			var stream []byte
			for range 64 {
				stream, _ = wire.AppendFrame(stream, st, packet(st, 7))
			}
			r := wire.NewReader(&loopReader{data: stream})
			buf := make([]byte, st.PacketSize())
			b.SetBytes(int64(wire.HeaderSize + st.PacketSize()))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := r.ReadFrame(buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

func BenchmarkWriteFrame(b *testing.B) {
	for _, st := range sizeTypes {
		b.Run(st.String(), func(b *testing.B) {
			w := wire.NewWriter(io.Discard)
			pkt := packet(st, 8)
			b.SetBytes(int64(wire.HeaderSize + st.PacketSize()))
			b.ReportAllocs()
			for range b.N {
				if err := w.WriteFrame(st, pkt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
