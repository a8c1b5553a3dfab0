// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"
)

func (l *link) setDown(down bool) {
	l.mu.Lock()
	l.down = down
	l.mu.Unlock()
}

// restartExit replaces the exit session with a fresh one of the same
// session id, as an exit gateway that restarted (and lost its state)
// would run.
func (p *pair) restartExit(t *testing.T) {
	t.Helper()
	e, err := New(Config{Role: Exit, SessionID: p.exit.ID(), MaxMessage: 1600}, Deps{Send: p.link.exitSend, Accept: server(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	p.link.mu.Lock()
	p.link.exit = e
	p.link.mu.Unlock()
}

// readUntilError reads st until it fails and returns the bytes read and
// the error.
func readUntilError(st *Stream) (int, error) {
	n, err := io.Copy(io.Discard, st)
	if err == nil {
		err = io.EOF
	}
	return int(n), err
}

// TestExitGoneMidDownload: the exit stops answering in the middle of a
// download; every stream (the download and an idle one) fails with
// ErrExitUnreachable within ExitTimeout plus a ping interval, once; a new
// stream works when the exit is back.
func TestExitGoneMidDownload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{maxDelay: 20 * time.Millisecond}
		p := newPair(t, 21, Config{}, Config{}, l)
		const n = 8 << 20
		st, err := p.client.Open(context.Background(), fmt.Sprintf("gen:%d:1", n))
		if err != nil {
			t.Fatal(err)
		}
		idle, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		idleErr := make(chan error, 1)
		go func() { _, err := readUntilError(idle); idleErr <- err }()
		if _, err := io.ReadFull(st, make([]byte, 300_000)); err != nil {
			t.Fatal(err)
		}
		l.setDown(true)
		p.stopExit()
		cut := time.Now()
		got, err := readUntilError(st)
		took := time.Since(cut)
		if !errors.Is(err, ErrExitUnreachable) {
			t.Fatalf("Read after the exit left = %v (after %d more bytes), want ErrExitUnreachable", err, got)
		}
		t.Logf("the download failed %v after the exit left: %v", took, err)
		// Replies already on their way arrive up to maxDelay after the cut.
		if lo, hi := DefaultExitTimeout, DefaultExitTimeout+DefaultProbeInterval; took < lo || took > hi {
			t.Errorf("failed %v after the exit left, want between %v and %v", took, lo, hi)
		}
		if err := <-idleErr; !errors.Is(err, ErrExitUnreachable) {
			t.Errorf("idle stream's Read = %v, want ErrExitUnreachable", err)
		}
		cs := p.client.Stats()
		if cs.ExitUnreachable != 1 || cs.StreamsExitFailed != 2 || cs.StreamsActive != 0 {
			t.Errorf("client stats: %d exit failures, %d streams failed, %d active; want 1, 2, 0",
				cs.ExitUnreachable, cs.StreamsExitFailed, cs.StreamsActive)
		}
		if cs.Pings == 0 {
			t.Error("the client never pinged the silent exit")
		}
		// Nothing expects the exit any more: no more failures, no pings.
		time.Sleep(2 * DefaultExitTimeout)
		if s := p.client.Stats(); s.ExitUnreachable != 1 || s.Pings != cs.Pings {
			t.Errorf("with no streams: %d exit failures, %d pings (was %d)", s.ExitUnreachable, s.Pings, cs.Pings)
		}

		p.restartExit(t)
		l.setDown(false)
		if got := fetch(t, p.client, "gen:5000:2"); sum(got) != sum(pattern("gen:5000:2", 5000)) {
			t.Error("download after the exit came back corrupted")
		}
	})
}

// TestOpenToGoneExit: an Open to an exit that is gone fails with
// ErrExitUnreachable after ExitTimeout, counted from the Open even when the
// exit was last heard long before.
func TestOpenToGoneExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{}
		p := newPair(t, 22, Config{ExitTimeout: 10 * time.Second}, Config{}, l)
		fetch(t, p.client, "gen:10:1")
		time.Sleep(time.Hour)
		l.setDown(true)
		start := time.Now()
		_, err := p.client.Open(context.Background(), "echo:1")
		if took := time.Since(start); !errors.Is(err, ErrExitUnreachable) || took != 10*time.Second {
			t.Errorf("Open = %v after %v, want ErrExitUnreachable after 10s", err, took)
		}
	})
}

// TestSlowLiveExit: an exit that answers every 20 s (it drips a byte and
// its pongs are lost) is not declared dead with a 30 s timeout; one that
// answers every 40 s is.
func TestSlowLiveExit(t *testing.T) {
	for _, tc := range []struct {
		every int
		dead  bool
	}{{20, false}, {40, true}} {
		t.Run(fmt.Sprint(tc.every, "s"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := &link{maxDelay: 100 * time.Millisecond, noPongs: true}
				p := newPair(t, 23, Config{}, Config{}, l)
				st, err := p.client.Open(context.Background(), fmt.Sprintf("drip:6:%d", tc.every))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				got, err := readUntilError(st)
				if tc.dead {
					if !errors.Is(err, ErrExitUnreachable) || got != 0 {
						t.Errorf("read %d bytes, %v; want ErrExitUnreachable before the first byte", got, err)
					}
					time.Sleep(time.Duration(6*tc.every) * time.Second) // the dripping exit ends
					return
				}
				if err != io.EOF || got != 6 {
					t.Errorf("read %d bytes, %v; want 6 then EOF", got, err)
				}
				if s := p.client.Stats(); s.ExitUnreachable != 0 || s.Pings == 0 {
					t.Errorf("%d exit failures, %d pings; want 0 and some", s.ExitUnreachable, s.Pings)
				}
			})
		})
	}
}

// TestIdleLiveExit: a stream with nothing to carry for minutes is not
// failed while the exit answers pings.
func TestIdleLiveExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{maxDelay: 2 * time.Second}
		p := newPair(t, 24, Config{}, Config{}, l)
		st, err := p.client.Open(context.Background(), "echo:1")
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { _, err := readUntilError(st); errc <- err }()
		time.Sleep(4 * time.Minute)
		select {
		case err := <-errc:
			t.Fatalf("idle stream ended: %v", err)
		default:
		}
		s := p.client.Stats()
		if s.ExitUnreachable != 0 || s.Pongs == 0 {
			t.Errorf("%d exit failures, %d pongs; want 0 and some", s.ExitUnreachable, s.Pongs)
		}
		// About one ping per ping interval, each with one SURB: the probes'
		// SURB batches back off as before.
		if max := uint64(4*time.Minute/DefaultProbeInterval) + 1; s.Pings > max {
			t.Errorf("%d pings in 4 minutes, want at most %d", s.Pings, max)
		}
		t.Logf("4 idle minutes: %d pings, %d pongs, %d SURBs sent", s.Pings, s.Pongs, s.SURBsSent)
		st.Close()
		<-errc
	})
}

// TestFailExit: a failed message to the exit fails the streams unless the
// exit was heard from after it was sent; new streams work afterwards.
func TestFailExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 25, Config{}, Config{}, &link{})
		st, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		cause := errors.New("not acknowledged after 10 tries")
		if n := p.client.FailExit(time.Now().Add(-time.Minute), cause); n != 0 {
			t.Errorf("FailExit of a message older than the last reply failed %d streams", n)
		}
		time.Sleep(time.Second)
		if n := p.client.FailExit(time.Now(), cause); n != 1 {
			t.Errorf("FailExit failed %d streams, want 1", n)
		}
		if _, err := st.Read(make([]byte, 1)); !errors.Is(err, ErrExitUnreachable) || !contains(err.Error(), cause.Error()) {
			t.Errorf("Read = %v, want ErrExitUnreachable with the cause", err)
		}
		if got := fetch(t, p.client, "gen:100:1"); len(got) != 100 {
			t.Errorf("fetch after FailExit: %d bytes", len(got))
		}
		if s := p.client.Stats(); s.ExitUnreachable != 1 {
			t.Errorf("ExitUnreachable = %d, want 1", s.ExitUnreachable)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
