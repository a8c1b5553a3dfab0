// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// FuzzReadFrame feeds arbitrary streams to a Reader. It must not panic,
// every frame it accepts must re-encode to exactly the bytes it consumed,
// and it must stop with io.EOF only at a frame boundary.
func FuzzReadFrame(f *testing.F) {
	for _, st := range sizeTypes {
		frame, _ := wire.AppendFrame(nil, st, packet(st, 9))
		f.Add(frame)
		f.Add(frame[:len(frame)-1])
		two, _ := wire.AppendFrame(frame, sphinx.Ack, packet(sphinx.Ack, 10))
		f.Add(two)
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 4})
	f.Add([]byte{0, 1})
	f.Add([]byte{7, 1, 0, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		r := wire.NewReader(bytes.NewReader(data))
		buf := make([]byte, sphinx.Extended.PacketSize())
		off := 0
		for range len(data)/wire.HeaderSize + 1 { // each frame consumes at least a header
			fr, err := r.ReadFrame(buf)
			if err != nil {
				if err == io.EOF && off != len(data) {
					t.Fatalf("io.EOF at offset %d of %d", off, len(data))
				}
				if err != io.EOF && !errors.Is(err, wire.ErrUnknownVersion) &&
					!errors.Is(err, wire.ErrUnknownSizeType) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			enc, err := wire.AppendFrame(nil, fr.Size, fr.Packet)
			if err != nil {
				t.Fatalf("accepted frame does not re-encode: %v", err)
			}
			if !bytes.Equal(enc, data[off:off+len(enc)]) {
				t.Fatalf("frame at offset %d re-encodes differently", off)
			}
			off += len(enc)
		}
		t.Fatal("reader did not stop")
	})
}
