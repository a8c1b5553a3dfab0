// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Run sends what the streams have to send and keeps the session's timers
// (coalescing, acknowledgements, retransmission, idle streams, SURB
// requests) until ctx ends; then it fails every stream with
// ErrSessionClosed and returns ctx's error. It may be called once.
func (s *Session) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running || s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	s.running = true
	s.mu.Unlock()
	defer s.shutdown()

	timer := s.clock.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := s.clock.Now()
		msgs, next := s.step(now)
		debug := len(msgs) > 0 && s.log.Enabled(ctx, slog.LevelDebug)
		for _, m := range msgs {
			if debug {
				s.log.Debug("send", "bytes", len(m.data), "surbs", m.surbs, "credits", s.Credits())
			}
			if err := s.deps.Send(ctx, m.data, m.surbs); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.mu.Lock()
				s.stats.SendErrors++
				s.mu.Unlock()
				s.log.Warn("send failed", "err", err, "bytes", len(m.data), "surbs", m.surbs)
			}
		}
		if len(msgs) > 0 {
			// Sending took time and may have made room: look again at once.
			select {
			case <-ctx.Done():
				return ctx.Err()
			default:
				continue
			}
		}
		timer.Reset(next.Sub(s.clock.Now()))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.kick:
		case <-timer.C():
		}
	}
}

func (s *Session) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, st := range s.streams {
		if st.err == nil {
			st.err = ErrSessionClosed
		}
		st.removed = true
		st.finishResultLocked()
	}
	clear(s.streams)
	s.order = nil
	close(s.done) // every waiting stream wakes and sees s.closed
}

type outMsg struct {
	data  []byte
	surbs int
}

// commitKind says what putting an item's frame in a message commits.
type commitKind uint8

const (
	commitNone       commitKind = iota // a control frame of s.ctrl (dropped from it by step)
	commitReady                        // st.ready[idx] leaves (the exit keeps it until acknowledged)
	commitRetransmit                   // sf is sent once more
	commitAck                          // st's acknowledgement is sent
	commitWant                         // a Want for f.Seq SURBs (low: the low water it was computed from)
	commitPong                         // the Pong owed for a ping
)

// item is a frame that may go out in this step, with what sending it commits.
type item struct {
	f      Frame
	data   bool // needs more than the reserve of credits (exit)
	commit commitKind
	st     *Stream    // commitReady, commitAck
	sf     *sentFrame // commitRetransmit
	idx    int        // commitReady: index in st.ready; commitWant: the low water
}

// kindSent marks a frame of st.ready that went into a message in this step;
// step removes the marked frames once all are committed.
const kindSent Kind = 0

// step does the session's timed work and returns the messages to send now
// and when to look again.
func (s *Session) step(now time.Time) ([]outMsg, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := &s.cfg
	next := now.Add(cfg.IdleTimeout)
	nextIdle := next
	soon := func(t time.Time) {
		if t.Before(next) {
			next = t
		}
	}
	for id, t := range s.gone {
		if now.Sub(t) >= cfg.IdleTimeout {
			delete(s.gone, id)
		}
	}
	s.livenessLocked(now, soon)
	ids := s.roundRobinLocked()

	var urgent, data, lateAcks []item
	demand := false
	expecting := false
	chunk := cfg.MaxMessage - HeaderLen - 2*FrameHeaderLen - 8
	for _, id := range ids {
		st := s.streams[id]
		if now.Sub(st.lastActivity) >= cfg.IdleTimeout {
			s.stats.StreamsIdleClosed++
			s.resetLocked(st, "idle timeout", ErrIdle, false)
			continue
		}
		idleAt := st.lastActivity.Add(cfg.IdleTimeout)
		soon(idleAt)
		if idleAt.Before(nextIdle) {
			nextIdle = idleAt // what is left to wake for when out of credits
		}
		if cfg.Role == Client && (st.opening || !(st.peerFin || st.peerClosed)) {
			expecting = true
		}
		// Frame written data within the window, after the coalescing grace.
		if len(st.unsent) > 0 && !st.opening {
			due := !now.Before(st.flushAt) || len(st.unsent) >= chunk || st.finPending
			framed := false
			for due && len(st.unsent) > 0 {
				room := uint64(cfg.Window) - min(uint64(cfg.Window), st.sentBytes-st.peerRead)
				n := min(uint64(len(st.unsent)), uint64(chunk), room)
				if n == 0 {
					break
				}
				st.ready = append(st.ready, Frame{Kind: KindData, Stream: st.id, Seq: st.nextSeq, Body: slices.Clone(st.unsent[:n])})
				st.nextSeq++
				st.sentBytes += n
				s.stats.DataBytesSent += n
				st.unsent = st.unsent[n:]
				framed = true
			}
			if framed {
				st.signalLocked() // room for its writers
			}
			if len(st.unsent) == 0 {
				st.unsent = nil
				st.flushAt = time.Time{}
			} else if !due {
				soon(st.flushAt)
			}
		}
		if len(st.unsent) == 0 && !st.opening {
			if st.finPending && !st.finFramed {
				st.finFramed = true
				st.ready = append(st.ready, Frame{Kind: KindFin, Stream: st.id, Seq: st.nextSeq})
				st.nextSeq++
			}
			if st.closePending && !st.closeFramed && st.finFramed {
				st.closeFramed = true
				st.ready = append(st.ready, Frame{Kind: KindClose, Stream: st.id, Seq: st.nextSeq})
				st.nextSeq++
			}
		}
		// Acknowledgements.
		if st.ackNeeded {
			if cfg.Role == Exit || !now.Before(st.ackAt) {
				urgent = append(urgent, s.ackItem(st))
			} else {
				soon(st.ackAt)
				lateAcks = append(lateAcks, s.ackItem(st))
			}
			demand = true
		}
		// Retransmissions (exit).
		for _, sf := range st.unacked {
			if due := sf.sentAt.Add(s.rto << min(sf.tries-1, 5)); now.Before(due) {
				soon(due)
				continue
			}
			if sf.tries > cfg.MaxRetransmits {
				s.resetLocked(st, "no acknowledgement", &ResetError{Reason: "the client stopped acknowledging"}, false)
				break
			}
			it := item{f: sf.f, data: sf.f.Kind == KindData, commit: commitRetransmit, sf: sf}
			if it.data {
				data = append(data, it)
			} else {
				urgent = append(urgent, it)
			}
		}
		if st.removed {
			continue
		}
		for i, f := range st.ready {
			it := item{f: f, data: f.Kind == KindData, commit: commitReady, st: st, idx: i}
			if it.data {
				data = append(data, it)
			} else {
				urgent = append(urgent, it)
			}
		}
		if len(st.ready) > 0 || len(st.unacked) > 0 || len(st.unsent) > 0 {
			demand = true
		}
		s.maybeRemoveLocked(st)
	}

	// SURBs: the exit asks for more, the client probes a silent exit.
	switch cfg.Role {
	case Exit:
		if s.wanted > 0 && !now.Before(s.wantedAt.Add(4*s.rto)) {
			s.wanted = 0 // the want (or its answer) was lost
		}
		if s.wanted > 0 {
			soon(s.wantedAt.Add(4 * s.rto))
		}
		s.measureRateLocked(now, demand)
		if low := s.lowWaterLocked(); demand && s.credits+s.wanted < low {
			have := s.credits + s.wanted
			n := min(max(cfg.WantBatch, 2*low-have), MaxWant, cfg.MaxCredits-have)
			if n >= 1 {
				urgent = append([]item{{f: Frame{Kind: KindWant, Seq: uint64(n)}, commit: commitWant, idx: low}}, urgent...)
			}
		}
		if s.pongDue {
			pong := item{f: Frame{Kind: KindPong, Seq: s.pongSeq}, commit: commitPong}
			urgent = append([]item{pong}, urgent...)
			if len(urgent) > 1 && urgent[1].commit == commitWant {
				urgent[0], urgent[1] = urgent[1], urgent[0] // a Want goes first
			}
		}
	case Client:
		// The interval doubles with each probe that brings nothing back.
		interval := cfg.ProbeInterval << min(s.probes, 6)
		if expecting && cfg.ProbeSURBs > 0 {
			if now.Sub(later(s.lastRecv, s.lastProbe)) >= interval {
				s.lastProbe = now
				s.probes++
				s.pendingSURBs += cfg.ProbeSURBs
			}
			soon(later(s.lastRecv, s.lastProbe).Add(cfg.ProbeInterval << min(s.probes, 6)))
		}
		if len(urgent)+len(data)+len(s.ctrl) > 0 || s.pendingSURBs > 0 && !now.Before(s.surbNext) {
			// A message goes out anyway: acknowledge everything in it.
			urgent = append(lateAcks, urgent...)
		}
	}
	var ctrl []item
	for i := range s.ctrl {
		ctrl = append(ctrl, item{f: s.ctrl[i]})
	}
	nctrl := len(ctrl)
	items := append(append(ctrl, urgent...), data...)
	msgs, packed := s.pack(items, demand)
	if cfg.Role == Client {
		msgs = s.attachSURBsLocked(msgs, now, soon)
	}
	s.stats.MessagesSent += uint64(len(msgs))
	s.ctrl = s.ctrl[min(packed, nctrl):]
	if len(s.ctrl) == 0 {
		s.ctrl = nil
	}
	for i := range items[:packed] {
		s.commitLocked(&items[i], now)
	}
	for _, id := range ids {
		if st := s.streams[id]; st != nil {
			if st.readySent > 0 {
				st.dropSentLocked()
			}
			s.maybeRemoveLocked(st)
		}
	}
	if cfg.Role == Exit {
		stalled := false
		for _, it := range items[packed:] {
			stalled = stalled || it.data
		}
		if stalled && !s.stalled {
			s.stats.CreditStalls++
		}
		s.stalled = stalled
		s.stallWindow = s.stallWindow || stalled
	}
	if cfg.Role == Exit && packed < len(items) {
		// Out of credits for the rest: only AddCredits (a kick) or an
		// idle stream can make progress.
		next = nextIdle
		if s.wanted > 0 {
			if t := s.wantedAt.Add(4 * s.rto); t.Before(next) {
				next = t
			}
		}
	}
	return msgs, next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *Session) ackItem(st *Stream) item {
	return item{f: ackFrame(st), commit: commitAck, st: st}
}

// commitLocked does what putting it's frame in a message commits.
func (s *Session) commitLocked(it *item, now time.Time) {
	switch it.commit {
	case commitReady:
		st := it.st
		if s.cfg.Role == Exit {
			st.unacked = append(st.unacked, &sentFrame{f: st.ready[it.idx], sentAt: now, tries: 1})
		}
		st.ready[it.idx] = Frame{Kind: kindSent}
		st.readySent++
	case commitRetransmit:
		it.sf.sentAt = now
		it.sf.tries++
		s.stats.Retransmits++
	case commitAck:
		st := it.st
		st.ackNeeded = false
		st.ackAt = time.Time{}
		st.advertised = max(st.advertised, st.readBytes)
	case commitWant:
		n := int(it.f.Seq)
		s.log.Debug("want", "surbs", n, "credits", s.credits, "wanted", s.wanted,
			"rate", s.rate, "min_rtt", s.minRTT, "low", it.idx)
		s.wanted += n
		s.wantedAt = now
		s.stats.Wants++
		s.stats.SURBsWanted += uint64(n)
	case commitPong:
		s.pongDue = false
		s.stats.Pongs++
	}
}

// dropSentLocked removes the frames of st.ready that went out (kindSent):
// usually a prefix, popped at once; otherwise (an urgent frame went ahead
// of data that did not fit) in one pass.
func (st *Stream) dropSentLocked() {
	k := 0
	for k < len(st.ready) && st.ready[k].Kind == kindSent {
		k++
	}
	if k == st.readySent {
		clear(st.ready[:k]) // let the bodies go
		st.ready = st.ready[k:]
	} else {
		st.ready = slices.DeleteFunc(st.ready, func(g Frame) bool { return g.Kind == kindSent })
	}
	if len(st.ready) == 0 {
		st.ready = nil
	}
	st.readySent = 0
}

// roundRobinLocked returns the ids of the streams in round-robin order:
// s.order (kept sorted as streams come and go) rotated to start after the
// stream that went first last time. The slice is s.idBuf, reused by the
// next call.
func (s *Session) roundRobinLocked() []uint32 {
	ids := s.idBuf[:0]
	if len(s.order) > 0 {
		k, _ := slices.BinarySearch(s.order, s.rr+1)
		ids = append(append(ids, s.order[k:]...), s.order[:k]...)
		s.rr = ids[0]
	}
	s.idBuf = ids
	return ids
}

// maybeRemoveLocked forgets a stream that is done on this side.
func (s *Session) maybeRemoveLocked(st *Stream) {
	if st.removed || !st.localClosed || len(st.ready) > 0 || len(st.unsent) > 0 || st.ackNeeded {
		return
	}
	switch {
	case st.refused != "" && len(st.unacked) == 0: // exit: the refusal arrived
	case st.closeFramed && len(st.unacked) == 0:
	default:
		return
	}
	s.removeLocked(st)
}

// pack puts a prefix of items into messages and returns them with the length
// of that prefix. The exit spends one credit per message, keeps
// cfg.Reserve credits from data and its last credit for a Want, or for a
// Pong when it has nothing else to send (demand false: no Want is needed).
func (s *Session) pack(items []item, demand bool) ([]outMsg, int) {
	cfg := &s.cfg
	var msgs []outMsg
	var cur []byte
	flush := func() {
		if cur != nil {
			msgs = append(msgs, outMsg{data: cur})
			cur = nil
		}
	}
	packed := 0
	for _, it := range items {
		if cur != nil && len(cur)+it.f.Size() > cfg.MaxMessage {
			flush()
		}
		if cur == nil {
			if cfg.Role == Exit {
				want, pong := it.commit == commitWant, it.commit == commitPong
				if s.credits == 0 || (it.data && s.credits <= cfg.Reserve) || (s.credits == 1 && !want && !(pong && !demand)) {
					break
				}
				s.credits--
			}
			cur = AppendHeader(make([]byte, 0, cfg.MaxMessage), cfg.SessionID)
		}
		cur = AppendFrame(cur, it.f)
		packed++
	}
	flush()
	return msgs, packed
}

// attachSURBsLocked gives the messages of a client step the SURBs owed to
// the exit: as many as fit in each message's packet (Deps.SURBsFit), then
// messages of SURBs alone, paced by SURBInterval; soon learns when the
// next may leave.
func (s *Session) attachSURBsLocked(msgs []outMsg, now time.Time, soon func(time.Time)) []outMsg {
	fit := func(msgLen int) int {
		if s.deps.SURBsFit == nil {
			return MaxWant
		}
		return min(max(s.deps.SURBsFit(msgLen), 0), MaxWant)
	}
	give := func(m *outMsg, n int) {
		n = min(n, s.pendingSURBs)
		if n <= 0 {
			return
		}
		m.surbs = n
		s.pendingSURBs -= n
		s.stats.SURBsSent += uint64(n)
		s.stats.SURBMessages++
	}
	iv := s.cfg.SURBInterval
	// pace counts a message with SURBs against SURBInterval: a burst of
	// up to 3 after a pause, then one per interval.
	pace := func() {
		if iv > 0 {
			s.surbNext = later(s.surbNext, now.Add(-2*iv)).Add(iv)
		}
	}
	if !s.exitHeard && len(msgs) > 0 {
		// The exit may not know the session yet: it starts one only on a
		// message with an Open, and drops SURBs that arrive before it, so
		// the first message (the Open) carries them all.
		give(&msgs[0], MaxWant)
	}
	for i := range msgs {
		if s.pendingSURBs > 0 {
			give(&msgs[i], fit(len(msgs[i].data)))
			if msgs[i].surbs > 0 {
				pace() // it leaves anyway, but takes the core's time as one
			}
		}
	}
	for s.pendingSURBs > 0 {
		if iv > 0 && now.Before(s.surbNext) {
			soon(s.surbNext)
			break
		}
		pace()
		m := outMsg{data: AppendHeader(nil, s.cfg.SessionID)}
		give(&m, max(fit(HeaderLen), 1))
		msgs = append(msgs, m)
	}
	return msgs
}

// rateWindow is the shortest interval over which the exit measures its
// sending rate.
const rateWindow = 250 * time.Millisecond

// measureRateLocked updates the exit's sending rate: a higher sample is
// taken at once, a lower one folded in slowly; intervals without demand
// are not measured.
func (s *Session) measureRateLocked(now time.Time, demand bool) {
	if s.rateAt.IsZero() || !demand && s.rate == 0 {
		s.rateAt, s.rateSent = now, s.stats.MessagesSent
		return
	}
	el := now.Sub(s.rateAt)
	if el < rateWindow {
		return
	}
	if demand {
		sample := float64(s.stats.MessagesSent-s.rateSent) / el.Seconds()
		switch {
		case sample > s.rate:
			s.rate = sample
		case !s.stallWindow:
			// Out of credits, the exit sends what the supply allows,
			// not what it would: such windows do not lower the rate.
			s.rate = (3*s.rate + sample) / 4
		}
	}
	s.rateAt, s.rateSent, s.stallWindow = now, s.stats.MessagesSent, s.stalled
}

// lowWaterLocked is the credits plus SURBs asked for below which the exit
// asks for more: twice what it spends in a round trip of the SURB supply,
// at least WantBatch/2 (and Reserve+1), at most MaxCredits/2.
func (s *Session) lowWaterLocked() int {
	rtt := s.minRTT
	if rtt == 0 {
		rtt = s.srtt
	}
	need := int(2 * s.rate * rtt.Seconds())
	low := min(max(s.cfg.WantBatch/2, need), s.cfg.MaxCredits/2)
	return max(low, s.cfg.Reserve+1)
}
