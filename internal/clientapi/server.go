// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/sphinx"
)

// DefaultAddr is where a client's API listens by default: loopback only.
const DefaultAddr = "127.0.0.1:1977"

// Defaults for the zero fields of Config.
const (
	DefaultMaxMessage      = 16 << 20
	DefaultMaxConns        = 64
	DefaultWriteQueue      = 256
	DefaultWriteTimeout    = 10 * time.Second
	DefaultTrackedMessages = 1 << 16
	DefaultWriteQueueBytes = 32 << 20
	DefaultShutdownGrace   = time.Second
)

// ErrRunning is returned by a second call of Run.
var ErrRunning = errors.New("client api: already running")

// Backend is what the server needs from a client; *client.Client implements
// it.
type Backend interface {
	Address() address.Address
	Send(ctx context.Context, to address.Address, msg []byte, withReplySURB bool) (client.MessageID, error)
	Reply(ctx context.Context, surb *sphinx.SURB, msg []byte) error
	Receive() <-chan client.Received
	Failures() <-chan client.Failure
}

// Config sets the server's limits. Zero fields take the defaults.
type Config struct {
	// MaxMessage bounds a message in a request (default 16 MiB). A frame may
	// be MaxMessage + FrameOverhead bytes; a larger one closes the
	// connection with status 1009 (message too big).
	MaxMessage int
	// MaxConns bounds the open connections (default 64); more are refused
	// with HTTP 503 before the websocket upgrade.
	MaxConns int
	// WriteQueue is how many frames may wait to be written to one connection
	// (default 256). When it is full the connection is closed with status
	// 1008 (policy violation): a slow reader never holds up the others.
	WriteQueue int
	// WriteTimeout bounds writing one frame (default 10 s); a write that
	// takes longer closes the connection.
	WriteTimeout time.Duration
	// TrackedMessages is how many sent messages are remembered to route
	// their failure to the connection that sent them (default 65536); the
	// failure of a message forgotten since goes to every connection.
	TrackedMessages int
	// WriteQueueBytes bounds the bytes of the frames waiting in one
	// connection's write queue (default 32 MiB); exceeding it closes the
	// connection with status 1008 as WriteQueue does. A single frame larger
	// than the budget is still queued when the queue is empty.
	WriteQueueBytes int
	// ShutdownGrace is how long Run's shutdown lets connections finish
	// their close handshake (default 1 s); then it drops the ones left
	// (an application that stopped reading) without one.
	ShutdownGrace time.Duration
	// AllowedHosts are host names, besides loopback IP literals and
	// "localhost", that a request's Host header may name (any port;
	// case-insensitive); "*" allows any. The default (none) keeps a web
	// page on a name that resolves to 127.0.0.1 (DNS rebinding) out.
	AllowedHosts []string
	// AllowedOrigins are the browser origins ("scheme://host[:port]",
	// case-insensitive) allowed to connect. A request carrying any other
	// Origin header is refused with HTTP 403; the default (none) refuses
	// every request from a web page. Programs send no Origin.
	AllowedOrigins []string
}

func (c *Config) validate() error {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxMessage", &c.MaxMessage, DefaultMaxMessage},
		{"MaxConns", &c.MaxConns, DefaultMaxConns},
		{"WriteQueue", &c.WriteQueue, DefaultWriteQueue},
		{"TrackedMessages", &c.TrackedMessages, DefaultTrackedMessages},
		{"WriteQueueBytes", &c.WriteQueueBytes, DefaultWriteQueueBytes},
	} {
		if *f.v < 0 {
			return fmt.Errorf("client api: config: %s is negative (%d)", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.WriteTimeout < 0 {
		return fmt.Errorf("client api: config: WriteTimeout is negative (%v)", c.WriteTimeout)
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.ShutdownGrace < 0 {
		return fmt.Errorf("client api: config: ShutdownGrace is negative (%v)", c.ShutdownGrace)
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("client api: config: AllowedOrigins: %q is not scheme://host[:port]", o)
		}
	}
	for _, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/@ ") {
			return fmt.Errorf("client api: config: AllowedHosts: %q is not a host name", h)
		}
	}
	return nil
}

// Deps are what a Server needs.
type Deps struct {
	// Backend is the client the API drives. Required.
	Backend Backend
	// Listener is where Run serves the API; nil means the caller serves
	// Handler itself and Run only dispatches received messages.
	Listener net.Listener
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Stats counts what the server has done since New.
type Stats struct {
	Conns          int    // open connections
	Refused        uint64 // connections refused at MaxConns or during shutdown
	SlowDrops      uint64 // connections closed because their write queue was full
	WriteFailures  uint64 // connections closed because a write failed or took longer than WriteTimeout
	BadRequests    uint64 // requests answered with a request error
	Received       uint64 // messages read from Backend.Receive
	Failures       uint64 // failures read from Backend.Failures
	FailuresLogged uint64 // failures with no open connection to report them to
	EncodeFailures uint64 // JSON responses that failed to encode and went out in binary form instead
}

// Server is the local websocket API of a client. Create it with New and
// call Run for its lifetime.
type Server struct {
	cfg  Config
	b    Backend
	lis  net.Listener
	log  *slog.Logger
	self address.Address

	running atomic.Bool
	ctx     context.Context // ends when Run's shutdown begins; connections' requests use it
	cancel  context.CancelFunc
	// connCtx ends when Run's shutdown grace is over; each connection's
	// context (bounding its writes) derives from it.
	connCtx    context.Context
	connCancel context.CancelFunc
	hosts      map[string]bool // Config.AllowedHosts, lower case
	origins    map[string]bool // Config.AllowedOrigins, lower case

	// mu guards the fields below it.
	mu       sync.Mutex
	stopping bool
	conns    map[*conn]struct{}
	changed  chan struct{} // closed and replaced when conns changes
	sent     map[client.MessageID]*conn
	sentRing []client.MessageID // insertion order of sent, for eviction
	sentHead int

	handlers sync.WaitGroup // connection handlers (tracked under mu)
	slots    int            // guarded by mu: handlers admitted and not yet returned

	refused, slowDrops, writeFailures, badRequests, received, failures, failuresLogged, encodeFailures atomic.Uint64
}

// New checks cfg and deps and returns a Server.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Backend == nil {
		return nil, errors.New("client api: Deps.Backend is required")
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:     cfg,
		b:       deps.Backend,
		lis:     deps.Listener,
		log:     log.With("component", "clientapi"),
		self:    deps.Backend.Address(),
		conns:   map[*conn]struct{}{},
		changed: make(chan struct{}),
		sent:    map[client.MessageID]*conn{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.connCtx, s.connCancel = context.WithCancel(context.Background())
	s.hosts, s.origins = map[string]bool{}, map[string]bool{}
	for _, h := range cfg.AllowedHosts {
		s.hosts[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	for _, o := range cfg.AllowedOrigins {
		s.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return s, nil
}

// Handler returns the websocket endpoint; it is served at "/".
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveWS) }

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	return Stats{
		Conns: n, Refused: s.refused.Load(), SlowDrops: s.slowDrops.Load(), WriteFailures: s.writeFailures.Load(), BadRequests: s.badRequests.Load(),
		Received: s.received.Load(), Failures: s.failures.Load(), FailuresLogged: s.failuresLogged.Load(),
		EncodeFailures: s.encodeFailures.Load(),
	}
}

// Run serves Deps.Listener (if set) and hands received messages and
// failures to the connections until ctx ends; then it closes the listener
// and every connection (status 1001, going away) and returns nil once they
// have stopped: connections still busy after Config.ShutdownGrace (an
// application that stopped reading) are dropped without a close status. It
// returns an error if serving the listener fails.
func (s *Server) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	dctx, stopDispatch := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		s.dispatch(dctx)
	}()
	var srv *http.Server
	served := make(chan error, 1)
	if s.lis != nil {
		srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { served <- srv.Serve(s.lis) }()
		s.log.Info("client api listening", "addr", s.lis.Addr().String())
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("client api: serve: %w", err)
	}
	if srv != nil {
		srv.Close() // closes the listener; hijacked websocket connections are ours to close
	}
	stopDispatch()
	<-dispatched
	s.shutdown()
	if srv != nil && err == nil {
		<-served
	}
	return err
}

// shutdown refuses new connections, closes every open one and waits for
// their handlers: up to ShutdownGrace for the close handshakes, then it
// drops the connections left and waits for their handlers to notice.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.cancel()
	all := s.registered()
	for _, c := range all {
		c.kill(statusGoingAway, "client shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	t := time.NewTimer(s.cfg.ShutdownGrace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	left := s.registered()
	s.log.Warn("connections still closing after the grace period; dropping them", "conns", len(left), "grace", s.cfg.ShutdownGrace)
	s.connCancel()
	for _, c := range left {
		c.abort()
	}
	<-done
}

// registered returns every registered connection, dead or alive.
func (s *Server) registered() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// admit registers c unless the server is stopping or full.
func (s *Server) admit() (ok bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false, "client api shutting down"
	}
	// Slots are taken at admission, not when the upgrade completes:
	// counting only upgraded connections let concurrent upgrades exceed
	// MaxConns.
	if s.slots >= s.cfg.MaxConns {
		return false, "too many connections"
	}
	s.slots++
	s.handlers.Add(1)
	return true, ""
}

// release gives back the slot admit took, when its handler returns.
func (s *Server) release() {
	s.mu.Lock()
	s.slots--
	s.mu.Unlock()
	s.handlers.Done()
}

// addConn registers c; it returns false if shutdown has begun (and so will
// not close c).
func (s *Server) addConn(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.conns[c] = struct{}{}
	close(s.changed)
	s.changed = make(chan struct{})
	return true
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

// track remembers that c sent message id, forgetting the oldest beyond
// Config.TrackedMessages.
func (s *Server) track(id client.MessageID, c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sentRing) < s.cfg.TrackedMessages {
		s.sentRing = append(s.sentRing, id)
	} else {
		old := s.sentRing[s.sentHead]
		delete(s.sent, old)
		s.sentRing[s.sentHead] = id
		s.sentHead = (s.sentHead + 1) % len(s.sentRing)
	}
	s.sent[id] = c
}

// dispatch moves received messages and failures from the Backend to the
// connections until ctx ends. It reads Backend.Receive only while a live
// receiving connection is open, so that with none the messages stay in the
// client (and, by back-pressure, in the gateway's inbox). A message read
// just as the last one closed (or was closed as too slow) is held and given
// to the next one.
func (s *Server) dispatch(ctx context.Context) {
	var pending *client.Received
	recvOpen, failOpen := true, true
	// rs are the live receiving connections as of changed; the buffer is
	// reused, so a message costs neither an allocation nor a second walk
	// of the connections.
	var rs []*conn
	for {
		s.mu.Lock()
		changed := s.changed
		rs = s.receiversLocked(rs)
		s.mu.Unlock()
		n := len(rs)
		if pending != nil && n > 0 && s.fanout(pending, rs) {
			pending = nil
			continue
		}
		// With a message pending, wait for a change of connections (a
		// dead one's removal, a new one) and keep taking failures.
		var recv <-chan client.Received
		if n > 0 && pending == nil && recvOpen {
			recv = s.b.Receive()
		}
		var fails <-chan client.Failure
		if failOpen {
			fails = s.b.Failures()
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case m, ok := <-recv:
			if !ok {
				recvOpen = false
				continue
			}
			s.received.Add(1)
			select {
			case <-changed: // a connection came or went while waiting
				s.mu.Lock()
				rs = s.receiversLocked(rs)
				s.mu.Unlock()
			default:
			}
			if !s.fanout(&m, rs) {
				pending = &m
			}
		case f, ok := <-fails:
			if !ok {
				failOpen = false
				continue
			}
			s.failures.Add(1)
			s.routeFailure(f)
		}
	}
}

// fanout queues m on every connection of rs (the live receiving ones) that
// is still alive; it returns false if it reached none (the caller keeps m
// for the next connection).
func (s *Server) fanout(m *client.Received, rs []*conn) bool {
	var surb []byte
	if m.ReplySURB != nil {
		b, err := m.ReplySURB.MarshalBinary()
		if err != nil {
			s.log.Warn("reply SURB not encodable; delivering the message without it", "error", err)
		} else {
			surb = b
		}
	}
	// Each form is encoded once, and only if a connection needs it.
	var bin, text []byte
	textOK := true
	delivered := false
	for _, c := range rs {
		if !c.binary.Load() && textOK {
			if text == nil {
				var err error
				if text, textOK, err = encodeReceivedJSON(m.Message, surb); err != nil {
					s.encodeFailed(err)
				}
			}
			if textOK {
				delivered = c.enqueue(frameText, text) || delivered
				continue
			}
		}
		if bin == nil {
			bin = encodeReceivedBinary(m.Message, surb)
		}
		delivered = c.enqueue(frameBinary, bin) || delivered
	}
	return delivered
}

// encodeFailed counts and logs a JSON response that could not be encoded;
// the caller sends the binary form instead.
func (s *Server) encodeFailed(err error) {
	s.encodeFailures.Add(1)
	s.log.Error("JSON response not encodable; sending the binary form", "error", err)
}

// receivers returns the open connections that take received messages and
// have not been closed (killed) yet.
func (s *Server) receivers() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receiversLocked(nil)
}

// receiversLocked is receivers that reuses buf's array (cleared first, so it
// keeps no closed connection alive). Call with mu held.
func (s *Server) receiversLocked(buf []*conn) []*conn {
	clear(buf)
	out := buf[:0]
	for c := range s.conns {
		if c.receive && c.alive() {
			out = append(out, c)
		}
	}
	return out
}

// routeFailure reports f to the connection that sent the message if it is
// still open (even a send-only one), else to every live receiving
// connection, else to the log.
func (s *Server) routeFailure(f client.Failure) {
	e := &ServerError{Code: CodeMessageFailed, Message: fmt.Sprintf("message %d failed: %v", f.ID, f.Err)}
	s.mu.Lock()
	c := s.sent[f.ID]
	_, open := s.conns[c]
	s.mu.Unlock()
	if c != nil && open && c.sendError(e, c.binary.Load()) {
		return
	}
	delivered := false
	for _, t := range s.receivers() {
		delivered = t.sendError(e, t.binary.Load()) || delivered
	}
	if !delivered {
		s.failuresLogged.Add(1)
		s.log.Warn("message failed and no application is connected", "id", uint64(f.ID), "error", f.Err)
	}
}

// *client.Client is the Backend nym-client runs the API over.
var _ Backend = (*client.Client)(nil)
