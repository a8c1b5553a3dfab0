// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestFrameRoundTrip(t *testing.T) {
	id := [16]byte{9, 8, 7}
	frames := []Frame{
		{Kind: KindOpen, Stream: 1, Seq: 0, Body: []byte("example.com:443")},
		{Kind: KindOpenResult, Stream: 1, Seq: 0, Body: []byte{StatusRefused, 'n', 'o'}},
		{Kind: KindData, Stream: 1, Seq: 1, Body: []byte("payload")},
		{Kind: KindFin, Stream: 1, Seq: 2, Body: []byte{}},
		{Kind: KindClose, Stream: 1, Seq: 3, Body: []byte{}},
		{Kind: KindReset, Stream: 7, Body: []byte("why")},
		{Kind: KindAck, Stream: 7, Seq: 5, Body: appendU64(nil, 1234)},
		{Kind: KindWant, Stream: 0, Seq: 100, Body: []byte{}},
		{Kind: KindPing, Stream: 0, Seq: 7, Body: []byte{}},
		{Kind: KindPong, Stream: 0, Seq: 7, Body: []byte{}},
	}
	msg := AppendHeader(nil, id)
	for _, f := range frames {
		msg = AppendFrame(msg, f)
	}
	gotID, got, err := Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if gotID != id || len(got) != len(frames) {
		t.Fatalf("decoded id %x and %d frames", gotID, len(got))
	}
	for i := range frames {
		if got[i].Kind != frames[i].Kind || got[i].Stream != frames[i].Stream || got[i].Seq != frames[i].Seq || !bytes.Equal(got[i].Body, frames[i].Body) {
			t.Errorf("frame %d = %+v, want %+v", i, got[i], frames[i])
		}
	}
	// The header documented in socks5.md: version, session id, then
	// kind u8 ‖ stream u32 ‖ seq u64 ‖ len u32 ‖ body.
	one := AppendFrame(AppendHeader(nil, id), Frame{Kind: KindData, Stream: 0x01020304, Seq: 5, Body: []byte{0xaa}})
	want := append(append([]byte{1}, id[:]...), 3, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0xaa)
	if !bytes.Equal(one, want) {
		t.Errorf("encoding\n got %x\nwant %x", one, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	id := [16]byte{1}
	hdr := AppendHeader(nil, id)
	frame := func(f Frame) []byte { return AppendFrame(AppendHeader(nil, id), f) }
	for name, msg := range map[string][]byte{
		"empty":          nil,
		"short header":   hdr[:10],
		"bad version":    append([]byte{2}, hdr[1:]...),
		"short frame":    append(append([]byte{}, hdr...), 3, 0, 0),
		"body too long":  frame(Frame{Kind: KindData, Stream: 1, Seq: 1, Body: []byte("x")})[:HeaderLen+FrameHeaderLen],
		"unknown kind":   frame(Frame{Kind: 99, Stream: 1}),
		"stream 0":       frame(Frame{Kind: KindData, Stream: 0, Seq: 1, Body: []byte("x")}),
		"open seq 1":     frame(Frame{Kind: KindOpen, Stream: 1, Seq: 1, Body: []byte("a:1")}),
		"open no target": frame(Frame{Kind: KindOpen, Stream: 1}),
		"bad status":     frame(Frame{Kind: KindOpenResult, Stream: 1, Body: []byte{7}}),
		"data seq 0":     frame(Frame{Kind: KindData, Stream: 1, Body: []byte("x")}),
		"empty data":     frame(Frame{Kind: KindData, Stream: 1, Seq: 1}),
		"fin body":       frame(Frame{Kind: KindFin, Stream: 1, Seq: 1, Body: []byte("x")}),
		"ack short":      frame(Frame{Kind: KindAck, Stream: 1, Body: []byte{1}}),
		"ack long":       frame(Frame{Kind: KindAck, Stream: 1, Body: make([]byte, 8+MaxSACK+1)}),
		"want zero":      frame(Frame{Kind: KindWant}),
		"want too many":  frame(Frame{Kind: KindWant, Seq: MaxWant + 1}),
		"want stream":    frame(Frame{Kind: KindWant, Stream: 1, Seq: 1}),
		"ping stream":    frame(Frame{Kind: KindPing, Stream: 1}),
		"pong body":      frame(Frame{Kind: KindPong, Body: []byte("x")}),
	} {
		if _, _, err := Decode(msg); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Decode = %v, want ErrMalformed", name, err)
		}
	}
	if _, f, err := Decode(hdr); err != nil || len(f) != 0 {
		t.Errorf("a header alone (a SURB carrier) = %d frames, %v", len(f), err)
	}
}

func FuzzDecode(f *testing.F) {
	id := [16]byte{1}
	f.Add(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindOpen, Stream: 1, Body: []byte("a:1")}))
	f.Add(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindData, Stream: 1, Seq: 1, Body: []byte("x")}))
	f.Add(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindAck, Stream: 1, Seq: 1, Body: appendU64(nil, 1)}))
	f.Add(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindWant, Seq: 3}))
	f.Add(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindPing, Seq: 3}))
	exit, err := New(Config{Role: Exit, SessionID: id, MaxMessage: 1600}, Deps{
		Send:   func(context.Context, []byte, int) error { return nil },
		Accept: func(st *Stream, _ string) { st.Accept() },
	})
	if err != nil {
		f.Fatal(err)
	}
	client, err := New(Config{Role: Client, SessionID: id}, Deps{Send: func(context.Context, []byte, int) error { return nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		gotID, frames, err := Decode(msg)
		if err == nil {
			// Re-encoding gives the same bytes.
			again := AppendHeader(nil, gotID)
			for _, fr := range frames {
				again = AppendFrame(again, fr)
			}
			if !bytes.Equal(again, msg) {
				t.Fatalf("re-encoded %x, decoded from %x", again, msg)
			}
		}
		// Neither side panics on anything.
		exit.Handle(msg)
		client.Handle(msg)
		exit.step(time.Now())
		client.step(time.Now())
	})
}

func TestMalformedCounted(t *testing.T) {
	id := [16]byte{1}
	s, err := New(Config{Role: Client, SessionID: id}, Deps{Send: func(context.Context, []byte, int) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Handle([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Handle(garbage) = %v", err)
	}
	if err := s.Handle(AppendHeader(nil, [16]byte{2})); err == nil {
		t.Error("Handle accepted another session's message")
	}
	// An exit frame for a stream the client never opened is dropped.
	if err := s.Handle(AppendFrame(AppendHeader(nil, id), Frame{Kind: KindData, Stream: 5, Seq: 1, Body: []byte("x")})); err != nil {
		t.Error(err)
	}
	if st := s.Stats(); st.Malformed != 2 || st.DroppedFrames != 1 || st.StreamsActive != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestConfigErrors(t *testing.T) {
	send := func(context.Context, []byte, int) error { return nil }
	for name, tc := range map[string]struct {
		cfg  Config
		deps Deps
	}{
		"no session id":       {Config{Role: Client}, Deps{Send: send}},
		"no send":             {Config{Role: Client, SessionID: [16]byte{1}}, Deps{}},
		"exit without max":    {Config{Role: Exit, SessionID: [16]byte{1}}, Deps{Send: send, Accept: func(*Stream, string) {}}},
		"exit without accept": {Config{Role: Exit, SessionID: [16]byte{1}, MaxMessage: 2000}, Deps{Send: send}},
		"tiny window":         {Config{Role: Client, SessionID: [16]byte{1}, Window: 10}, Deps{Send: send}},
		"bad role":            {Config{Role: 7, SessionID: [16]byte{1}}, Deps{Send: send}},
	} {
		if _, err := New(tc.cfg, tc.deps); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

// TestIdleTimeout runs both sessions on a fake clock: a stream nobody uses
// is closed on both sides once IdleTimeout passes, and not before.
//
// It runs in a synctest bubble so that every goroutine has settled before
// the fake clock moves: without that, Advance could run while the client's
// acknowledgement of the OpenResult was still on its way, the exit then
// resent the OpenResult at the advanced time, and that late traffic
// legitimately pushed both idle deadlines past the test's second Advance
// (the flake seen under load).
func TestIdleTimeout(t *testing.T) {
	leaktest.Check(t)
	synctest.Test(t, testIdleTimeout)
}

func testIdleTimeout(t *testing.T) {
	fake := clocktest.NewFake(time.Unix(1000, 0))
	id := [16]byte{4}
	var client, exit *Session
	exitStream := make(chan *Stream, 1)
	var err error
	client, err = New(Config{Role: Client, SessionID: id, Coalesce: -1, AckDelay: -1, IdleTimeout: time.Minute, ProbeSURBs: -1},
		Deps{Clock: fake, Send: func(_ context.Context, msg []byte, n int) error {
			exit.AddCredits(n)
			return exit.Handle(msg)
		}})
	if err != nil {
		t.Fatal(err)
	}
	exit, err = New(Config{Role: Exit, SessionID: id, MaxMessage: 1600, Coalesce: -1, IdleTimeout: time.Minute},
		Deps{Clock: fake, Send: func(_ context.Context, msg []byte, _ int) error { return client.Handle(msg) },
			Accept: func(st *Stream, _ string) { st.Accept(); exitStream <- st }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { client.Run(ctx); done <- struct{}{} }()
	go func() { exit.Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	st, err := client.Open(ctx, "idle:1")
	if err != nil {
		t.Fatal(err)
	}
	es := <-exitStream
	readErr := make(chan error, 2)
	go func() { _, err := st.Read(make([]byte, 1)); readErr <- err }()
	go func() { _, err := es.Read(make([]byte, 1)); readErr <- err }()

	synctest.Wait() // the open is acknowledged, both Runs wait on their timers
	if s := exit.Stats(); s.Retransmits != 0 {
		t.Fatalf("exit resent %d frames before the clock moved", s.Retransmits)
	}
	// A second at a time, so the client's pings of the silent exit and its
	// pongs go through (a live exit is not declared unreachable).
	advance := func(d time.Duration) {
		for range d / time.Second {
			fake.Advance(time.Second)
			synctest.Wait()
		}
	}
	advance(59 * time.Second)
	select {
	case err := <-readErr:
		t.Fatalf("a Read ended before the idle timeout: %v", err)
	default:
	}
	advance(2 * time.Second)
	for range 2 {
		select {
		case err := <-readErr:
			var re *ResetError
			if !errors.Is(err, ErrIdle) && !errors.As(err, &re) {
				t.Errorf("Read = %v, want the idle timeout", err)
			}
		default:
			t.Fatal("the idle stream was not closed")
		}
	}
	// Both sides time out at the same instant; whichever notices first
	// closes its end and resets the other.
	cst, est := client.Stats(), exit.Stats()
	if cst.StreamsIdleClosed+est.StreamsIdleClosed == 0 || cst.StreamsActive != 0 || est.StreamsActive != 0 {
		t.Errorf("client stats %+v\nexit stats %+v", cst, est)
	}
	if cst.Pongs == 0 || cst.ExitUnreachable != 0 {
		t.Errorf("client: %d pongs, exit declared unreachable %d times; want pongs and 0", cst.Pongs, cst.ExitUnreachable)
	}
}
