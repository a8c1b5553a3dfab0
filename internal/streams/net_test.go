// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// link is an in-memory mixnet between a client session and an exit session.
// Client→exit messages are reliable but arrive in random order; exit→client
// messages may also be lost or duplicated. Delivery delays are virtual time
// (the tests run in a synctest bubble with the real clock).
type link struct {
	t        testing.TB
	mu       sync.Mutex
	rng      *rand.Rand
	loss     float64 // exit→client
	dup      float64 // exit→client
	maxDelay time.Duration
	minDelay time.Duration // added to every delay
	down     bool          // the exit is gone: messages sent either way are lost
	noPongs  bool          // exit→client messages holding only pongs are lost

	fit          func(msgLen int) int // the client's Deps.SURBsFit (nil: none)
	client, exit *Session
	given, used  int // SURBs handed to the exit / replies it sent
	maxHeld      int // the most SURBs the exit held at once (given - used)
	maxWant      int // the largest Want the exit sent
	sent         []sentMsg
	overdrawn    bool
	c2e, e2c     int
}

// sentMsg is a client→exit message as the link saw it.
type sentMsg struct {
	at    time.Time
	len   int
	surbs int
}

func (l *link) delay() time.Duration {
	if l.maxDelay <= 0 {
		return l.minDelay + time.Millisecond
	}
	return l.minDelay + time.Duration(l.rng.Int64N(int64(l.maxDelay))) + time.Millisecond
}

func (l *link) clientSend(_ context.Context, msg []byte, surbs int) error {
	msg = append([]byte(nil), msg...)
	l.mu.Lock()
	d := l.delay()
	l.c2e++
	l.sent = append(l.sent, sentMsg{time.Now(), len(msg), surbs})
	down := l.down
	l.mu.Unlock()
	if down {
		return nil
	}
	time.AfterFunc(d, func() {
		l.mu.Lock()
		l.given += surbs
		l.maxHeld = max(l.maxHeld, l.given-l.used)
		exit := l.exit
		l.mu.Unlock()
		exit.AddCredits(surbs)
		if err := exit.Handle(msg); err != nil && !errors.Is(err, ErrSessionClosed) {
			l.t.Errorf("exit.Handle: %v", err)
		}
	})
	return nil
}

func (l *link) exitSend(_ context.Context, msg []byte, surbs int) error {
	msg = append([]byte(nil), msg...)
	l.mu.Lock()
	l.used++
	if l.used > l.given || surbs != 0 {
		l.overdrawn = true
	}
	l.e2c++
	copies := 1
	_, frames, err := Decode(msg)
	for _, f := range frames {
		if f.Kind == KindWant {
			l.maxWant = max(l.maxWant, int(f.Seq))
		}
	}
	if l.down || (l.noPongs && err == nil && onlyPongs(frames)) {
		copies = 0
	} else if l.rng.Float64() < l.loss {
		copies = 0
	} else if l.rng.Float64() < l.dup {
		copies = 2
	}
	var delays []time.Duration
	for range copies {
		delays = append(delays, l.delay())
	}
	l.mu.Unlock()
	for _, d := range delays {
		time.AfterFunc(d, func() {
			if err := l.client.Handle(msg); err != nil && !errors.Is(err, ErrSessionClosed) {
				l.t.Errorf("client.Handle: %v", err)
			}
		})
	}
	return nil
}

// server is the exit's side of the test: it answers targets of the form
// "echo:1", "gen:<n>:<seed>", "sink:1", "hold:1", "drip:<n>:<seconds>" and
// refuses "deny:*".
func server(t testing.TB) func(st *Stream, target string) {
	return func(st *Stream, target string) {
		kind, arg, _ := strings.Cut(target, ":")
		if kind == "deny" {
			st.Refuse("not allowed: " + target)
			return
		}
		go func() {
			st.Accept()
			defer st.Close()
			switch kind {
			case "echo":
				if _, err := io.Copy(st, st); err != nil && !errors.Is(err, ErrSessionClosed) {
					t.Errorf("echo: %v", err)
				}
				st.CloseWrite()
			case "gen":
				n, _ := strconv.Atoi(strings.Split(arg, ":")[0])
				if _, err := st.Write(pattern(target, n)); err != nil && !errors.Is(err, ErrSessionClosed) {
					t.Errorf("gen: %v", err)
				}
				st.CloseWrite()
				io.Copy(io.Discard, st)
			case "sink":
				h := sha256.New()
				n, err := io.Copy(h, st)
				if err != nil {
					t.Errorf("sink: %v", err)
				}
				fmt.Fprintf(st, "%d %x", n, h.Sum(nil))
				st.CloseWrite()
			case "drip":
				// drip:<n>:<seconds>: one byte every that many seconds.
				n, _ := strconv.Atoi(strings.Split(arg, ":")[0])
				secs, _ := strconv.Atoi(strings.Split(arg, ":")[1])
				for i := range n {
					time.Sleep(time.Duration(secs) * time.Second)
					if _, err := st.Write([]byte{byte(i)}); err != nil {
						return
					}
				}
				st.CloseWrite()
				io.Copy(io.Discard, st)
			case "hold":
				// Keep the stream open until the client closes it.
				io.Copy(io.Discard, st)
			}
		}()
	}
}

// pattern is n deterministic bytes named by seed.
func pattern(seed string, n int) []byte {
	h := sha256.Sum256([]byte(seed))
	r := rand.New(rand.NewChaCha8(h))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type pair struct {
	link   *link
	client *Session
	exit   *Session
	cancel context.CancelFunc
	done   chan struct{}
	// stopExit ends the exit session's Run only.
	stopExit context.CancelFunc
}

func newPair(tb testing.TB, seed uint64, ccfg, ecfg Config, l *link) *pair {
	tb.Helper()
	t := tb
	if l == nil {
		l = &link{}
	}
	l.t = t
	l.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	id := [16]byte{1, 2, 3}
	ccfg.Role, ccfg.SessionID = Client, id
	ecfg.Role, ecfg.SessionID = Exit, id
	if ecfg.MaxMessage == 0 {
		ecfg.MaxMessage = 1600
	}
	c, err := New(ccfg, Deps{Send: l.clientSend, SURBsFit: l.fit})
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(ecfg, Deps{Send: l.exitSend, Accept: server(t)})
	if err != nil {
		tb.Fatal(err)
	}
	l.client, l.exit = c, e
	ctx, cancel := context.WithCancel(context.Background())
	ectx, ecancel := context.WithCancel(ctx)
	p := &pair{link: l, client: c, exit: e, cancel: cancel, done: make(chan struct{}), stopExit: ecancel}
	var wg sync.WaitGroup
	wg.Go(func() { c.Run(ctx) })
	wg.Go(func() { e.Run(ectx) })
	go func() { wg.Wait(); close(p.done) }()
	tb.Cleanup(p.stop)
	return p
}

func (p *pair) stop() {
	p.cancel()
	<-p.done
	p.link.mu.Lock()
	defer p.link.mu.Unlock()
	if p.link.overdrawn {
		p.link.t.Errorf("the exit sent %d replies with %d SURBs given", p.link.used, p.link.given)
	}
}
