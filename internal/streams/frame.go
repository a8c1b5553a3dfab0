// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the first byte of every message of the stream protocol.
const Version = 1

// Sizes of the encoding (docs/protocol/socks5.md).
const (
	// HeaderLen is the message header: version u8 ‖ session id [16].
	HeaderLen = 1 + 16
	// FrameHeaderLen is a frame's header: kind u8 ‖ stream u32 ‖ seq u64 ‖ len u32.
	FrameHeaderLen = 1 + 4 + 8 + 4
	// MaxTargetLen bounds an Open frame's "host:port".
	MaxTargetLen = 300
	// MaxReasonLen bounds the reason of a refusal or a reset.
	MaxReasonLen = 255
	// MaxSACK bounds an Ack's selective-acknowledgement bitmap: it covers
	// the 8·MaxSACK sequence numbers after the cumulative one.
	MaxSACK = 128
	// MaxWant bounds a Want frame's count (client.MaxSURBsPerMessage).
	MaxWant = 1000
)

// Kind is a frame's type.
type Kind uint8

// Frame kinds. Open, OpenResult, Data, Fin and Close are ordered: they take
// the next sequence number of their stream and direction and are delivered in
// that order. Reset, Ack and Want take effect when they arrive.
const (
	KindOpen       Kind = 1  // client→exit, seq 0: body = target "host:port"
	KindOpenResult Kind = 2  // exit→client, seq 0: body = status u8 (0 ok, 1 refused) ‖ reason
	KindData       Kind = 3  // body = payload (at least 1 byte)
	KindFin        Kind = 4  // half-close: the sender writes no more; empty body
	KindClose      Kind = 5  // the sender is done with the stream; empty body
	KindReset      Kind = 6  // unordered abort; body = reason
	KindAck        Kind = 7  // unordered; seq = next expected seq; body = bytes read u64 ‖ sack bitmap (0..MaxSACK bytes)
	KindWant       Kind = 8  // exit→client, stream 0; seq = SURBs wanted; empty body
	KindPing       Kind = 9  // client→exit, stream 0; seq = ping number; empty body: answer with a Pong
	KindPong       Kind = 10 // exit→client, stream 0; seq = the ping's number; empty body
)

// Open result statuses.
const (
	StatusOK      = 0
	StatusRefused = 1
)

func (k Kind) String() string {
	switch k {
	case KindOpen:
		return "open"
	case KindOpenResult:
		return "open-result"
	case KindData:
		return "data"
	case KindFin:
		return "fin"
	case KindClose:
		return "close"
	case KindReset:
		return "reset"
	case KindAck:
		return "ack"
	case KindWant:
		return "want"
	case KindPing:
		return "ping"
	case KindPong:
		return "pong"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) ordered() bool { return k >= KindOpen && k <= KindClose }

// Frame is one decoded frame. Body aliases the message it was decoded from.
type Frame struct {
	Kind   Kind
	Stream uint32
	Seq    uint64
	Body   []byte
}

// Size is the encoded size of f.
func (f Frame) Size() int { return FrameHeaderLen + len(f.Body) }

// ErrMalformed wraps every decoding error.
var ErrMalformed = errors.New("streams: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// AppendHeader appends a message header for session id to dst.
func AppendHeader(dst []byte, id [16]byte) []byte {
	dst = append(dst, Version)
	return append(dst, id[:]...)
}

// AppendFrame appends f's encoding to dst.
func AppendFrame(dst []byte, f Frame) []byte {
	dst = append(dst, byte(f.Kind))
	dst = binary.BigEndian.AppendUint32(dst, f.Stream)
	dst = binary.BigEndian.AppendUint64(dst, f.Seq)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(f.Body)))
	return append(dst, f.Body...)
}

// SessionIDOf returns the session id of a message (the exit uses it to pick
// the session of a client→exit message).
func SessionIDOf(msg []byte) ([16]byte, error) {
	var id [16]byte
	if len(msg) < HeaderLen {
		return id, malformed("%d bytes, shorter than the %d-byte header", len(msg), HeaderLen)
	}
	if msg[0] != Version {
		return id, malformed("version %d, want %d", msg[0], Version)
	}
	copy(id[:], msg[1:HeaderLen])
	return id, nil
}

// Decode parses a message into its session id and frames, checking every
// field (docs/protocol/socks5.md). The frames' bodies alias msg.
func Decode(msg []byte) ([16]byte, []Frame, error) {
	id, err := SessionIDOf(msg)
	if err != nil {
		return id, nil, err
	}
	var frames []Frame
	rest := msg[HeaderLen:]
	for len(rest) > 0 {
		if len(rest) < FrameHeaderLen {
			return id, nil, malformed("frame %d: %d bytes left, shorter than a frame header", len(frames), len(rest))
		}
		f := Frame{
			Kind:   Kind(rest[0]),
			Stream: binary.BigEndian.Uint32(rest[1:5]),
			Seq:    binary.BigEndian.Uint64(rest[5:13]),
		}
		n := binary.BigEndian.Uint32(rest[13:17])
		rest = rest[FrameHeaderLen:]
		if uint64(n) > uint64(len(rest)) {
			return id, nil, malformed("frame %d: body of %d bytes, %d left", len(frames), n, len(rest))
		}
		f.Body = rest[:n:n]
		rest = rest[n:]
		if err := check(f); err != nil {
			return id, nil, malformed("frame %d (%s): %v", len(frames), f.Kind, err)
		}
		frames = append(frames, f)
	}
	return id, frames, nil
}

func check(f Frame) error {
	if f.Kind == KindWant {
		if f.Stream != 0 || len(f.Body) != 0 || f.Seq == 0 || f.Seq > MaxWant {
			return errors.New("want: stream must be 0, body empty, count 1..1000")
		}
		return nil
	}
	if f.Kind == KindPing || f.Kind == KindPong {
		if f.Stream != 0 || len(f.Body) != 0 {
			return errors.New("ping/pong: stream must be 0, body empty")
		}
		return nil
	}
	if f.Stream == 0 {
		return errors.New("stream 0 is reserved")
	}
	switch f.Kind {
	case KindOpen:
		if f.Seq != 0 || len(f.Body) == 0 || len(f.Body) > MaxTargetLen {
			return fmt.Errorf("seq must be 0 and target 1..%d bytes", MaxTargetLen)
		}
	case KindOpenResult:
		if f.Seq != 0 || len(f.Body) == 0 || len(f.Body) > 1+MaxReasonLen {
			return errors.New("seq must be 0 and body a status and a reason")
		}
		if f.Body[0] != StatusOK && f.Body[0] != StatusRefused {
			return fmt.Errorf("status %d", f.Body[0])
		}
	case KindData:
		if f.Seq == 0 || len(f.Body) == 0 {
			return errors.New("seq 0 or empty payload")
		}
	case KindFin, KindClose:
		if f.Seq == 0 || len(f.Body) != 0 {
			return errors.New("seq 0 or non-empty body")
		}
	case KindReset:
		if len(f.Body) > MaxReasonLen {
			return errors.New("reason too long")
		}
	case KindAck:
		if len(f.Body) < 8 || len(f.Body) > 8+MaxSACK {
			return fmt.Errorf("body must be 8 to %d bytes", 8+MaxSACK)
		}
	default:
		return errors.New("unknown kind")
	}
	return nil
}

func appendU64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }
