// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func fetch(t *testing.T, c *Session, target string) []byte {
	t.Helper()
	st, err := c.Open(context.Background(), target)
	if err != nil {
		t.Fatalf("Open(%s): %v", target, err)
	}
	defer st.Close()
	b, err := io.ReadAll(st)
	if err != nil {
		t.Fatalf("read %s: %v", target, err)
	}
	return b
}

func TestEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{}, Config{}, nil)
		st, err := p.client.Open(context.Background(), "echo:1")
		if err != nil {
			t.Fatal(err)
		}
		msg := pattern("hello", 100_000)
		go func() {
			st.Write(msg)
			st.CloseWrite()
		}()
		got, err := io.ReadAll(st)
		if err != nil {
			t.Fatal(err)
		}
		if sum(got) != sum(msg) {
			t.Fatalf("echo returned %d bytes, want %d identical", len(got), len(msg))
		}
		st.Close()
		synctest.Wait()
		time.Sleep(time.Second)
		if n := p.client.Stats().StreamsActive; n != 0 {
			t.Errorf("client has %d streams after close", n)
		}
		if n := p.exit.Stats().StreamsActive; n != 0 {
			t.Errorf("exit has %d streams after close", n)
		}
	})
}

func TestDownloadLossyNetwork(t *testing.T) {
	for _, tc := range []struct {
		name      string
		loss, dup float64
		seed      uint64
	}{
		{"clean", 0, 0, 1},
		{"loss10", 0.10, 0, 2},
		{"dup10", 0, 0.10, 3},
		{"loss5dup5", 0.05, 0.05, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := &link{loss: tc.loss, dup: tc.dup, maxDelay: 80 * time.Millisecond}
				p := newPair(t, tc.seed, Config{}, Config{}, l)
				const n = 1 << 20
				start := time.Now()
				got := fetch(t, p.client, fmt.Sprintf("gen:%d:%d", n, tc.seed))
				if want := pattern(fmt.Sprintf("gen:%d:%d", n, tc.seed), n); sum(got) != sum(want) {
					t.Fatalf("got %d bytes, want %d identical", len(got), len(want))
				}
				es := p.exit.Stats()
				cs := p.client.Stats()
				t.Logf("virtual %v; exit: sent %d msgs, %d retransmits, wanted %d SURBs; client: %d dups, %d SURBs sent",
					time.Since(start), es.MessagesSent, es.Retransmits, es.SURBsWanted, cs.Duplicates, cs.SURBsSent)
				if tc.loss > 0 && es.Retransmits == 0 {
					t.Error("no retransmissions on a lossy link")
				}
				// Selective acks: only what was lost is sent again, not
				// everything after it.
				if limit := uint64(3 * tc.loss * float64(es.MessagesSent)); es.Retransmits > limit {
					t.Errorf("%d retransmissions of %d messages at %.0f%% loss, want at most %d", es.Retransmits, es.MessagesSent, 100*tc.loss, limit)
				}
				if tc.dup > 0 && cs.Duplicates == 0 {
					t.Error("no duplicates counted on a duplicating link")
				}
			})
		})
	}
}

// TestSlowPathAdaptsRTO: with a round trip three times the initial RTO
// and no loss, the exit learns the round trip and stops resending.
func TestSlowPathAdaptsRTO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{minDelay: 2 * time.Second, maxDelay: 500 * time.Millisecond}
		p := newPair(t, 3, Config{}, Config{}, l)
		got := fetch(t, p.client, "gen:300000:1")
		if sum(got) != sum(pattern("gen:300000:1", 300000)) {
			t.Fatal("download corrupted")
		}
		es := p.exit.Stats()
		if es.Retransmits > es.MessagesSent/10 {
			t.Errorf("%d of %d messages were resends on a lossless slow path", es.Retransmits, es.MessagesSent)
		}
		p.exit.mu.Lock()
		rto := p.exit.rto
		p.exit.mu.Unlock()
		if rto < 4*time.Second {
			t.Errorf("RTO %v after a 4-5 s round trip", rto)
		}
	})
}

func TestUpload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{maxDelay: 50 * time.Millisecond}
		p := newPair(t, 7, Config{Window: 64 << 10}, Config{Window: 64 << 10}, l)
		st, err := p.client.Open(context.Background(), "sink:1")
		if err != nil {
			t.Fatal(err)
		}
		data := pattern("up", 3<<20)
		if _, err := st.Write(data); err != nil {
			t.Fatal(err)
		}
		st.CloseWrite()
		got, err := io.ReadAll(st)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%d %s", len(data), sum(data)); string(got) != want {
			t.Fatalf("exit saw %q, want %q", got, want)
		}
	})
}

func TestRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{}, Config{}, nil)
		_, err := p.client.Open(context.Background(), "deny:example.com:80")
		var re *RefusedError
		if !errors.As(err, &re) || re.Reason != "not allowed: deny:example.com:80" {
			t.Fatalf("Open = %v, want a refusal with the exit's reason", err)
		}
		synctest.Wait()
		time.Sleep(time.Second)
		if s := p.exit.Stats(); s.StreamsActive != 0 || s.StreamsRefused != 1 {
			t.Errorf("exit: %d active, %d refused; want 0, 1", s.StreamsActive, s.StreamsRefused)
		}
	})
}

func TestOpenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{loss: 1} // the exit's answers never arrive
		p := newPair(t, 1, Config{}, Config{}, l)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := p.client.Open(ctx, "echo:1"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Open = %v, want the deadline", err)
		}
	})
}

func TestHalfClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{}, Config{}, &link{maxDelay: 30 * time.Millisecond})
		// Client half-closes first: the exit reads EOF and still answers.
		st, err := p.client.Open(context.Background(), "sink:1")
		if err != nil {
			t.Fatal(err)
		}
		st.Write([]byte("abc"))
		st.CloseWrite()
		if _, err := st.Write([]byte("x")); !errors.Is(err, ErrWriteClosed) {
			t.Errorf("Write after CloseWrite = %v", err)
		}
		got, err := io.ReadAll(st)
		if err != nil || string(got) != "3 "+sum([]byte("abc")) {
			t.Fatalf("read %q, %v", got, err)
		}
		st.Close()

		// Exit half-closes first ("gen" writes, CloseWrites, then reads
		// until the client's EOF): the client reads EOF and can still write.
		st, err = p.client.Open(context.Background(), "gen:10:1")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(st); err != nil || len(b) != 10 {
			t.Fatalf("read %d bytes, %v", len(b), err)
		}
		if _, err := st.Write([]byte("still open")); err != nil {
			t.Fatalf("Write after the exit's half-close: %v", err)
		}
		st.CloseWrite()
		synctest.Wait()
		time.Sleep(time.Second)
		if n := p.exit.Stats().StreamsActive; n != 0 {
			t.Errorf("exit has %d streams after both sides closed", n)
		}
		st.Close()
	})
}

func TestCloseReachesExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var exitSide *Stream
		var mu sync.Mutex
		p := newPair(t, 1, Config{}, Config{}, nil)
		p.exit.deps.Accept = func(st *Stream, target string) {
			mu.Lock()
			exitSide = st
			mu.Unlock()
			st.Accept()
		}
		st, err := p.client.Open(context.Background(), "x:1")
		if err != nil {
			t.Fatal(err)
		}
		st.Write([]byte("bye"))
		st.Close()
		if _, err := st.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read after Close = %v", err)
		}
		synctest.Wait()
		time.Sleep(time.Second)
		mu.Lock()
		defer mu.Unlock()
		b, err := io.ReadAll(exitSide)
		if string(b) != "bye" || err != nil {
			t.Errorf("exit read %q, %v; want the data then EOF", b, err)
		}
		if _, err := exitSide.Write([]byte("late")); !errors.Is(err, ErrPeerClosed) {
			t.Errorf("exit Write after the client's Close = %v", err)
		}
	})
}

func TestCreditsStarvationAndTopUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{maxDelay: 20 * time.Millisecond}
		// One SURB per open and small batches: the exit must keep asking.
		p := newPair(t, 5, Config{SURBsPerOpen: 1, ProbeSURBs: 1}, Config{WantBatch: 8}, l)
		const n = 200_000
		got := fetch(t, p.client, fmt.Sprintf("gen:%d:9", n))
		if sum(got) != sum(pattern(fmt.Sprintf("gen:%d:9", n), n)) {
			t.Fatal("download corrupted")
		}
		es := p.exit.Stats()
		if es.SURBsWanted < n/1600 {
			t.Errorf("exit wanted %d SURBs for %d bytes", es.SURBsWanted, n)
		}
		t.Logf("exit wanted %d SURBs, sent %d messages", es.SURBsWanted, es.MessagesSent)
	})
}

func TestStarvedExitIsProbed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// No SURBs with the open: the exit cannot even answer (or ask for
		// SURBs) until the client's probe brings some.
		l := &link{}
		p := newPair(t, 5, Config{SURBsPerOpen: -1}, Config{}, l)
		start := time.Now()
		got := fetch(t, p.client, "gen:5000:1")
		if len(got) != 5000 {
			t.Fatalf("got %d bytes", len(got))
		}
		if d := time.Since(start); d < DefaultProbeInterval {
			t.Errorf("answered after %v, before any probe could have gone", d)
		}
		if s := p.client.Stats(); s.SURBsSent < DefaultProbeSURBs {
			t.Errorf("client sent %d SURBs, want a probe's %d at least", s.SURBsSent, DefaultProbeSURBs)
		}
	})
}

func TestManyStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{loss: 0.05, dup: 0.02, maxDelay: 100 * time.Millisecond}
		p := newPair(t, 11, Config{}, Config{}, l)
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				target := fmt.Sprintf("gen:%d:%d", 1000+i*997, i)
				got := fetch(t, p.client, target)
				if sum(got) != sum(pattern(target, 1000+i*997)) {
					t.Errorf("stream %d corrupted", i)
				}
			})
			wg.Go(func() {
				st, err := p.client.Open(context.Background(), "echo:1")
				if err != nil {
					t.Error(err)
					return
				}
				defer st.Close()
				msg := pattern(fmt.Sprint(i), 5000)
				go func() { st.Write(msg); st.CloseWrite() }()
				if got, err := io.ReadAll(st); err != nil || sum(got) != sum(msg) {
					t.Errorf("echo %d: %d bytes, %v", i, len(got), err)
				}
			})
		}
		wg.Wait()
	})
}

func TestMaxStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{MaxStreams: 2}, Config{}, nil)
		a, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.client.Open(context.Background(), "hold:1"); !errors.Is(err, ErrTooManyStreams) {
			t.Errorf("third Open = %v", err)
		}
		a.Close()
		b.Close()
	})
}

func TestSessionEndFailsStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{}, Config{}, nil)
		st, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { _, err := st.Read(make([]byte, 10)); errc <- err }()
		synctest.Wait()
		p.stop()
		if err := <-errc; !errors.Is(err, ErrSessionClosed) {
			t.Errorf("Read = %v, want ErrSessionClosed", err)
		}
		if _, err := p.client.Open(context.Background(), "x:1"); !errors.Is(err, ErrSessionClosed) {
			t.Errorf("Open after Run = %v", err)
		}
	})
}

func TestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, 1, Config{}, Config{}, nil)
		st, err := p.client.Open(context.Background(), "hold:1")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		st.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := st.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read = %v", err)
		}
	})
}

// BenchmarkDownload measures the protocol machinery alone: 4 MiB streams
// from the exit over an in-memory link (1 ms per message, no loss) with
// 1600-byte exit messages, as through SURBs.
func BenchmarkDownload(b *testing.B) {
	p := newPair(b, 1, Config{}, Config{}, &link{})
	const n = 4 << 20
	b.SetBytes(n)
	b.ResetTimer()
	for i := range b.N {
		st, err := p.client.Open(context.Background(), fmt.Sprintf("gen:%d:%d", n, i))
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.Copy(io.Discard, st)
		st.Close()
		if err != nil || got != n {
			b.Fatalf("read %d bytes: %v", got, err)
		}
	}
}
