// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"fmt"
	"time"
)

// Exit liveness (client role). The session records when it last heard
// anything from the exit (s.heard). While a stream expects something of the
// exit, silence longer than Config.ExitTimeout fails every stream with an
// error wrapping ErrExitUnreachable. A live exit may have nothing to send
// (an idle stream), so the client pings it after pingInterval of silence
// and a live exit answers with a Pong. The silence is counted from the
// later of the last message heard and the moment the streams started to
// expect something, so a session that was idle for an hour gives a new
// Open the full ExitTimeout.

// pingInterval is how long the client waits in silence before each ping.
func (s *Session) pingInterval() time.Duration {
	return max(min(s.cfg.ProbeInterval, s.cfg.ExitTimeout/3), time.Millisecond)
}

// exitExpectedLocked reports whether a stream waits for the exit: its
// OpenResult, more data or the end of the stream, or acknowledgements of
// data it sent.
func (s *Session) exitExpectedLocked() bool {
	for _, st := range s.streams {
		if st.localClosed {
			continue // the exit owes it nothing more
		}
		if st.opening || !(st.peerFin || st.peerClosed) || st.sentBytes > st.peerRead {
			return true
		}
	}
	return false
}

// livenessLocked fails the streams of a silent exit or pings it; soon is
// given the next time to look again.
func (s *Session) livenessLocked(now time.Time, soon func(time.Time)) {
	if s.cfg.Role != Client || s.cfg.ExitTimeout <= 0 {
		return
	}
	if !s.exitExpectedLocked() {
		s.expectSince = time.Time{}
		return
	}
	if s.expectSince.IsZero() {
		s.expectSince = now
	}
	ref := later(s.heard, s.expectSince)
	if now.Sub(ref) >= s.cfg.ExitTimeout {
		s.failExitLocked(fmt.Errorf("%w: the exit did not answer for %v", ErrExitUnreachable, s.cfg.ExitTimeout))
		return
	}
	soon(ref.Add(s.cfg.ExitTimeout))
	iv := s.pingInterval()
	last := later(ref, s.lastPing)
	if now.Sub(last) >= iv {
		s.pingSeq++
		s.ctrl = append(s.ctrl, Frame{Kind: KindPing, Seq: s.pingSeq})
		s.pendingSURBs++ // the SURB for the pong
		s.stats.Pings++
		s.lastPing = now
		last = now
	}
	soon(last.Add(iv))
}

// failExitLocked fails every stream with err (the exit is told, in case it
// can still hear the client), logs once and counts. It returns how many
// streams it failed.
func (s *Session) failExitLocked(err error) int {
	n := 0
	for _, st := range s.streams {
		s.resetLocked(st, "exit unreachable", err, false)
		n++
	}
	s.expectSince, s.lastPing = time.Time{}, time.Time{}
	s.probes = 0
	if n == 0 {
		return 0
	}
	s.stats.ExitUnreachable++
	s.stats.StreamsExitFailed += uint64(n)
	s.log.Warn("exit unreachable: streams failed", "streams", n, "last_heard", s.heard, "error", err)
	return n
}

// FailExit fails every stream with an error wrapping ErrExitUnreachable and
// cause, unless the exit has been heard from since sentAt (on the session's
// clock). The owner calls it when a message to the exit sent at sentAt
// failed after all its tries (client.Client.Failures): the exit's gateway
// is unreachable. New streams can be opened afterwards. It returns how many
// streams it failed (client role; 0 in the exit role).
func (s *Session) FailExit(sentAt time.Time, cause error) int {
	if s.cfg.Role != Client {
		return 0
	}
	s.mu.Lock()
	if s.closed || s.heard.After(sentAt) {
		s.mu.Unlock()
		return 0
	}
	n := s.failExitLocked(fmt.Errorf("%w: a message to the exit failed: %v", ErrExitUnreachable, cause))
	s.mu.Unlock()
	s.poke()
	return n
}
