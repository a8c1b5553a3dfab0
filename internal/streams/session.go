// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// Errors of sessions and streams.
var (
	// ErrSessionClosed: the session's Run ended (or never started and was
	// stopped).
	ErrSessionClosed = errors.New("streams: session closed")
	// ErrTooManyStreams: Open with MaxStreams streams open.
	ErrTooManyStreams = errors.New("streams: too many streams")
	// ErrWrongRole: a method of the other role was called.
	ErrWrongRole = errors.New("streams: not allowed in this role")
	// ErrPeerClosed: the peer closed the stream; nothing more can be
	// written.
	ErrPeerClosed = errors.New("streams: stream closed by the peer")
	// ErrWriteClosed: Write after CloseWrite.
	ErrWriteClosed = errors.New("streams: write side closed")
	// ErrIdle: the stream was closed after IdleTimeout without traffic.
	ErrIdle = errors.New("streams: idle timeout")
	// ErrExitUnreachable: the client failed its streams because the exit
	// did not answer for Config.ExitTimeout, or because a message to the
	// exit failed after all its tries (FailExit). The error a stream
	// returns wraps it with the details.
	ErrExitUnreachable = errors.New("streams: exit unreachable")
)

// RefusedError is Open's error when the exit refuses the stream.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "streams: refused by the exit: " + e.Reason }

// ResetError is a stream's error after the peer (or the session) aborted it.
type ResetError struct{ Reason string }

func (e *ResetError) Error() string { return "streams: stream reset: " + e.Reason }

// Stats counts what a session did.
type Stats struct {
	MessagesSent, MessagesReceived  uint64
	SendErrors                      uint64
	Malformed                       uint64 // messages that failed to decode or had the wrong session id
	ProtocolErrors                  uint64 // well-formed frames that broke the protocol (stream reset)
	DataBytesSent, DataBytesRead    uint64 // payload bytes framed / read by the application
	Retransmits                     uint64 // frames sent again (exit)
	Duplicates                      uint64 // ordered frames received twice
	DroppedFrames                   uint64 // ordered frames beyond the reorder bound or for gone streams
	DroppedResets                   uint64 // resets for the peer's unknown streams not queued: maxPending reached
	StreamsOpened, StreamsRefused   uint64
	StreamsReset, StreamsIdleClosed uint64
	StreamsActive                   int
	Credits                         int    // exit: SURBs available
	SURBsSent                       uint64 // client: SURBs attached to messages
	SURBsWanted                     uint64 // exit: SURBs asked for; client: SURBs the exit asked for
	Wants                           uint64 // exit: Want frames sent; client: Want frames received
	SURBMessages                    uint64 // client: messages that carried SURBs
	CreditStalls                    uint64 // exit: times it had data to send and no credit for it
	// SURBRoundTrip (exit) is the smallest recent round trip (a data
	// frame to its ack, which comes back the way SURBs do; 0: not
	// measured yet).
	SURBRoundTrip time.Duration
	// SendRate (exit) is the measured messages sent per second while it
	// had something to send (fast up, slow down).
	SendRate          float64
	Pings, Pongs      uint64 // client: pings sent, pongs received; exit: pings received, pongs sent
	ExitUnreachable   uint64 // client: times the streams were failed because the exit was unreachable
	StreamsExitFailed uint64 // client: streams failed by those
}

// Session multiplexes streams over mixnet messages between a client and an
// exit. See the package documentation for the flow. Its methods are safe for
// concurrent use.
type Session struct {
	cfg   Config
	deps  Deps
	clock clock.Clock
	log   *slog.Logger
	kick  chan struct{} // cap 1: wakes Run

	mu      sync.Mutex
	streams map[uint32]*Stream
	gone    map[uint32]time.Time // recently removed ids (exit: late frames create nothing)
	ctrl    []Frame              // unordered frames to send (resets, acks of gone streams, wants); peer-driven resets bounded by maxPending
	done    chan struct{}        // closed by shutdown: wakes every waiting stream at once
	nextID  uint32               // client: last id used
	running bool
	closed  bool
	stats   Stats
	rr      uint32   // round-robin start among streams
	order   []uint32 // the ids of streams, sorted: step's round robin
	idBuf   []uint32 // step's round-robin order, reused

	// exit
	credits      int
	wanted       int       // SURBs asked for and not yet arrived
	wantedAt     time.Time // the last Want, or SURBs arriving while some were wanted
	minRTT       time.Duration
	minRTTAt     time.Time
	rate         float64 // messages sent per second (see Stats.SendRate)
	rateAt       time.Time
	rateSent     uint64
	stalled      bool          // out of credits for data at the last step
	stallWindow  bool          // ... at some step of the current rate window
	srtt, rttvar time.Duration // round-trip estimate (exit)
	rto          time.Duration // current retransmission timeout (exit)
	pongDue      bool          // a ping arrived and waits for its pong
	pongSeq      uint64        // the number of the latest ping
	// client
	pendingSURBs int
	surbNext     time.Time // client: when the next SURB-only message may leave (SURBInterval)
	exitHeard    bool      // client: a message of the exit arrived in this session
	lastRecv     time.Time // the exit was last heard (a pong alone does not count) or a stream opened: probes
	lastProbe    time.Time
	probes       int       // probes since the exit was last heard
	heard        time.Time // the exit was last heard, pongs included: liveness
	expectSince  time.Time // zero, or since when streams have been expecting the exit without a pause
	lastPing     time.Time
	pingSeq      uint64
}

// New checks cfg and deps and returns a Session; Run drives it.
func New(cfg Config, deps Deps) (*Session, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if deps.Send == nil {
		return nil, errors.New("streams: Deps.Send is required")
	}
	if cfg.Role == Exit && deps.Accept == nil {
		return nil, errors.New("streams: Deps.Accept is required in the exit role")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Session{
		cfg:     cfg,
		deps:    deps,
		clock:   deps.Clock,
		log:     deps.Logger.With("component", "streams", "role", cfg.Role.String()),
		kick:    make(chan struct{}, 1),
		streams: make(map[uint32]*Stream),
		gone:    make(map[uint32]time.Time),
		done:    make(chan struct{}),
	}
	s.lastRecv = s.clock.Now()
	s.heard = s.lastRecv
	s.rto = cfg.RetransmitTimeout
	return s, nil
}

// Role returns the session's role.
func (s *Session) Role() Role { return s.cfg.Role }

// ID returns the session id.
func (s *Session) ID() [16]byte { return s.cfg.SessionID }

func (s *Session) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// signalLocked wakes the goroutines waiting on st (its Read and Write);
// no other stream's waiters wake. The channel exists only while someone
// waits, so a change nobody waits for costs nothing.
func (st *Stream) signalLocked() {
	if st.notify != nil {
		close(st.notify)
		st.notify = nil
	}
}

// AddCredits records that n more reply SURBs are available (exit role).
func (s *Session) AddCredits(n int) {
	if n <= 0 || s.cfg.Role != Exit {
		return
	}
	s.mu.Lock()
	now := s.clock.Now()
	s.credits += n
	if s.wanted > 0 {
		s.wantedAt = now // the supply is moving: what is still wanted is not lost
	}
	s.wanted = max(0, s.wanted-n)
	s.mu.Unlock()
	s.poke()
}

// Credits returns the reply SURBs available (exit role).
func (s *Session) Credits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credits
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.StreamsActive = len(s.streams)
	st.Credits = s.credits
	st.SURBRoundTrip = s.minRTT
	st.SendRate = s.rate
	return st
}

// Open opens a stream to target ("host:port") through the exit and waits
// for its answer (client role). A refusal is a *RefusedError; when ctx ends
// first, the stream is closed and ctx's error returned.
func (s *Session) Open(ctx context.Context, target string) (*Stream, error) {
	if s.cfg.Role != Client {
		return nil, ErrWrongRole
	}
	if target == "" || len(target) > MaxTargetLen {
		return nil, fmt.Errorf("streams: target of %d bytes (1..%d)", len(target), MaxTargetLen)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSessionClosed
	}
	if len(s.streams) >= s.cfg.MaxStreams {
		s.mu.Unlock()
		return nil, ErrTooManyStreams
	}
	s.nextID++
	if s.nextID == 0 {
		s.nextID = 1
	}
	now := s.clock.Now()
	st := s.newStreamLocked(s.nextID, now)
	st.target = target
	st.opening = true
	st.ready = append(st.ready, Frame{Kind: KindOpen, Stream: st.id, Seq: 0, Body: []byte(target)})
	st.nextSeq = 1
	s.pendingSURBs += s.cfg.SURBsPerOpen
	s.lastRecv = now
	s.stats.StreamsOpened++
	s.mu.Unlock()
	s.poke()

	select {
	case <-st.result:
	case <-ctx.Done():
		st.Close()
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case st.refused != "":
		return nil, &RefusedError{Reason: st.refused}
	case st.err != nil:
		return nil, st.err
	}
	return st, nil
}

func (s *Session) newStreamLocked(id uint32, now time.Time) *Stream {
	st := &Stream{s: s, id: id, result: make(chan struct{}), lastActivity: now}
	s.streams[id] = st
	if k, found := slices.BinarySearch(s.order, id); !found {
		s.order = slices.Insert(s.order, k, id)
	}
	return st
}

// removeLocked forgets st (its application may still read what it holds).
func (s *Session) removeLocked(st *Stream) {
	if s.streams[st.id] == st {
		delete(s.streams, st.id)
		if k, found := slices.BinarySearch(s.order, st.id); found {
			s.order = slices.Delete(s.order, k, k+1)
		}
		s.gone[st.id] = s.clock.Now()
	}
	st.removed = true
	st.finishResultLocked()
	st.signalLocked()
}

// resetLocked aborts st: the peer is told (unless quiet) and the application
// gets err.
func (s *Session) resetLocked(st *Stream, reason string, err error, quiet bool) {
	if !quiet {
		s.ctrl = append(s.ctrl, Frame{Kind: KindReset, Stream: st.id, Body: []byte(truncate(reason, MaxReasonLen))})
	}
	if st.err == nil {
		st.err = err
	}
	st.unsent, st.ready, st.unacked = nil, nil, nil
	s.stats.StreamsReset++
	s.removeLocked(st)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Handle processes one message from the peer. A malformed message, or one of
// another session, is counted and rejected with an error; frames that break
// the protocol reset their stream.
func (s *Session) Handle(msg []byte) error {
	id, frames, err := Decode(msg)
	s.mu.Lock()
	if err == nil && id != s.cfg.SessionID {
		err = fmt.Errorf("streams: message of session %x, this is %x", id[:4], s.cfg.SessionID[:4])
	}
	if err != nil {
		s.stats.Malformed++
		s.mu.Unlock()
		return err
	}
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	s.stats.MessagesReceived++
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		kinds := make([]string, len(frames))
		for i, f := range frames {
			kinds[i] = fmt.Sprintf("%s/%d/%d", f.Kind, f.Stream, f.Seq)
		}
		s.log.Debug("received", "bytes", len(msg), "frames", strings.Join(kinds, " "))
	}
	now := s.clock.Now()
	s.heard = now
	s.exitHeard = true
	if !onlyPongs(frames) {
		// A pong proves the exit alive but says nothing of its SURBs:
		// the probes' backoff goes on.
		s.lastRecv = now
		s.probes = 0
	}
	var accepts []*Stream
	for _, f := range frames {
		if a := s.frameLocked(f, now); a != nil {
			accepts = append(accepts, a)
		}
	}
	s.mu.Unlock()
	s.poke()
	for _, st := range accepts {
		s.mu.Lock()
		dead := st.removed || st.peerClosed
		s.mu.Unlock()
		if !dead {
			s.deps.Accept(st, st.target)
		}
	}
	return nil
}

func onlyPongs(frames []Frame) bool {
	for _, f := range frames {
		if f.Kind != KindPong {
			return false
		}
	}
	return len(frames) > 0
}

// frameLocked applies one frame; it returns a stream to hand to Deps.Accept.
func (s *Session) frameLocked(f Frame, now time.Time) *Stream {
	switch f.Kind {
	case KindPing:
		if s.cfg.Role != Exit {
			s.stats.ProtocolErrors++
			return nil
		}
		s.stats.Pings++
		s.pongDue, s.pongSeq = true, f.Seq
		return nil
	case KindPong:
		if s.cfg.Role != Client {
			s.stats.ProtocolErrors++
			return nil
		}
		s.stats.Pongs++
		return nil
	case KindWant:
		if s.cfg.Role != Client {
			s.stats.ProtocolErrors++
			return nil
		}
		// Cumulative: each Want asks for that many more (the exit
		// counts what it asked for), bounded against a greedy exit.
		s.stats.Wants++
		s.stats.SURBsWanted += f.Seq
		s.pendingSURBs = min(s.pendingSURBs+int(f.Seq), MaxPendingSURBs)
		return nil
	case KindReset:
		if st := s.streams[f.Stream]; st != nil {
			s.resetLocked(st, "", &ResetError{Reason: string(f.Body)}, true)
		}
		return nil
	case KindAck:
		st := s.streams[f.Stream]
		if st == nil {
			return nil
		}
		read := binary.BigEndian.Uint64(f.Body)
		if f.Seq > st.nextSeq || read > st.sentBytes {
			s.stats.ProtocolErrors++
			s.resetLocked(st, "acknowledged what was never sent", &ResetError{Reason: "protocol error"}, false)
			return nil
		}
		st.peerRead = max(st.peerRead, read)
		sack := f.Body[8:] // bit b of byte j: seq f.Seq+1+8j+b arrived
		var sample time.Time
		st.unacked = slices.DeleteFunc(st.unacked, func(sf *sentFrame) bool {
			d := sf.f.Seq - f.Seq - 1
			acked := sf.f.Seq < f.Seq || (sf.f.Seq > f.Seq && d < uint64(8*len(sack)) && sack[d/8]&(1<<(d%8)) != 0)
			if acked && sf.tries == 1 && sf.sentAt.After(sample) {
				sample = sf.sentAt // Karn: only frames sent once measure the round trip
			}
			return acked
		})
		if !sample.IsZero() {
			s.measureLocked(now.Sub(sample), now)
		}
		st.acked = max(st.acked, f.Seq)
		st.lastActivity = now
		return nil
	}
	// An ordered frame.
	if (s.cfg.Role == Client && f.Kind == KindOpen) || (s.cfg.Role == Exit && f.Kind == KindOpenResult) {
		s.stats.ProtocolErrors++
		if st := s.streams[f.Stream]; st != nil {
			s.resetLocked(st, f.Kind.String()+" not allowed here", &ResetError{Reason: "protocol error"}, false)
		}
		return nil
	}
	st := s.streams[f.Stream]
	if st == nil {
		if _, ok := s.gone[f.Stream]; ok || s.cfg.Role == Client {
			s.stats.DroppedFrames++
			if s.cfg.Role == Client && f.Stream <= s.nextID {
				// The exit resends to a stream this side has forgotten: stop it.
				s.peerResetLocked(f.Stream, "unknown stream")
			}
			return nil
		}
		if len(s.streams) >= s.cfg.MaxStreams {
			s.stats.DroppedFrames++
			if s.peerResetLocked(f.Stream, "too many streams") && len(s.gone) < s.maxPending() {
				s.gone[f.Stream] = now
			}
			return nil
		}
		st = s.newStreamLocked(f.Stream, now)
		st.opening = true
	}
	st.lastActivity = now
	if s.cfg.Role == Client {
		st.ackNeeded = true
		if st.ackAt.IsZero() {
			st.ackAt = now.Add(s.cfg.AckDelay)
		}
	}
	switch {
	case f.Seq < st.recvNext:
		s.stats.Duplicates++
		return nil
	case f.Seq-st.recvNext > uint64(s.maxReorderFrames()):
		s.stats.DroppedFrames++
		return nil
	}
	var accept *Stream
	if f.Seq == st.recvNext {
		// In order: delivered at once (deliverLocked copies what it keeps),
		// then whatever it lets out of the reorder buffer.
		st.recvNext++
		if s.deliverLocked(st, f) {
			accept = st
		}
	} else {
		if _, dup := st.reorder[f.Seq]; dup {
			s.stats.Duplicates++
			return nil
		}
		if st.reorderBytes+len(f.Body) > 2*s.cfg.Window+s.cfg.MaxMessage {
			s.stats.DroppedFrames++
			return nil
		}
		if st.reorder == nil {
			st.reorder = make(map[uint64]Frame)
		}
		f.Body = slices.Clone(f.Body)
		st.reorder[f.Seq] = f
		st.reorderBytes += len(f.Body)
	}
	for !st.removed && len(st.reorder) > 0 {
		g, ok := st.reorder[st.recvNext]
		if !ok {
			break
		}
		delete(st.reorder, st.recvNext)
		st.reorderBytes -= len(g.Body)
		st.recvNext++
		if s.deliverLocked(st, g) {
			accept = st
		}
	}
	st.signalLocked() // data, the end of the stream or the open's answer
	return accept
}

// measureLocked folds a round-trip sample into the RTO (RFC 6298).
func (s *Session) measureLocked(r time.Duration, now time.Time) {
	if s.srtt == 0 {
		s.srtt, s.rttvar = r, r/2
	} else {
		s.rttvar = (3*s.rttvar + (s.srtt - r).Abs()) / 4
		s.srtt = (7*s.srtt + r) / 8
	}
	s.rto = min(max(s.srtt+4*s.rttvar, s.cfg.RetransmitTimeout), MaxRTO)
	s.sampleRTTLocked(r, now)
}

// minRTTWindow is how long the smallest round trip is trusted before a
// newer sample replaces it (the path, or the client's queue, may change).
const minRTTWindow = 10 * time.Second

// sampleRTTLocked folds a round-trip sample into the recent minimum.
func (s *Session) sampleRTTLocked(r time.Duration, now time.Time) {
	if r <= 0 {
		return
	}
	if s.minRTT == 0 || r <= s.minRTT || now.Sub(s.minRTTAt) >= minRTTWindow {
		s.minRTT, s.minRTTAt = r, now
	}
}

func (s *Session) maxReorderFrames() int {
	return 2*s.cfg.Window/64 + 64
}

// deliverLocked applies an ordered frame in sequence; true means the stream
// is new and goes to Deps.Accept.
func (s *Session) deliverLocked(st *Stream, f Frame) bool {
	violation := func(why string) bool {
		s.stats.ProtocolErrors++
		s.resetLocked(st, why, &ResetError{Reason: "protocol error: " + why}, false)
		return false
	}
	if (f.Seq == 0) != (f.Kind == KindOpen || f.Kind == KindOpenResult) {
		return violation("open frames take exactly sequence number 0")
	}
	if st.peerFin && f.Kind == KindData {
		return violation("data after fin")
	}
	switch f.Kind {
	case KindOpen:
		st.target = string(f.Body)
		return true
	case KindOpenResult:
		if f.Body[0] == StatusOK {
			st.opening = false
			st.finishResultLocked()
			return false
		}
		st.refused = string(f.Body[1:])
		if st.refused == "" {
			st.refused = "refused"
		}
		s.stats.StreamsRefused++
		s.ctrl = append(s.ctrl, s.ackFrameLocked(st))
		st.ackNeeded = false
		s.removeLocked(st)
	case KindData:
		if st.localClosed {
			st.readBytes += uint64(len(f.Body)) // discarded, but the window moves
			return false
		}
		if len(st.readBuf)+len(f.Body) > s.cfg.Window+s.cfg.MaxMessage {
			return violation("window exceeded")
		}
		st.readBuf = append(st.readBuf, f.Body...)
	case KindFin:
		st.peerFin = true
	case KindClose:
		st.peerClosed = true
		if s.cfg.Role == Client {
			s.ctrl = append(s.ctrl, s.ackFrameLocked(st))
			st.ackNeeded = false
		}
		s.removeLocked(st)
	}
	return false
}

func (s *Session) ackFrameLocked(st *Stream) Frame {
	st.advertised = st.readBytes
	return ackFrame(st)
}

// ackFrame acknowledges what st received: cumulatively, and the frames
// waiting in the reorder buffer (up to 8·MaxSACK beyond the gap)
// selectively.
func ackFrame(st *Stream) Frame {
	body := binary.BigEndian.AppendUint64(make([]byte, 0, 8+MaxSACK), st.readBytes)
	var sack [MaxSACK]byte
	n := 0
	for seq := range st.reorder {
		if d := seq - st.recvNext - 1; seq > st.recvNext && d < 8*MaxSACK {
			sack[d/8] |= 1 << (d % 8)
			n = max(n, int(d/8)+1)
		}
	}
	body = append(body, sack[:n]...)
	return Frame{Kind: KindAck, Stream: st.id, Seq: st.recvNext, Body: body}
}

// maxPending bounds what a peer can make this side hold for streams it does
// not have: queued resets (until credits let them leave) and remembered
// ids of refused streams.
func (s *Session) maxPending() int { return 4*s.cfg.MaxStreams + 64 }

// peerResetLocked queues a Reset for a stream id the peer used but this
// side does not have, unless maxPending frames are queued already (a peer
// that sends frames for new ids and no credits must not grow the queue);
// it reports whether the Reset was queued. Call with mu held.
func (s *Session) peerResetLocked(id uint32, reason string) bool {
	if len(s.ctrl) >= s.maxPending() {
		s.stats.DroppedResets++
		return false
	}
	s.ctrl = append(s.ctrl, Frame{Kind: KindReset, Stream: id, Body: []byte(reason)})
	return true
}
