// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/sphinx"
)

// MessageID names a message sent with Send; Failures reports it.
type MessageID uint64

// Received is a message delivered to the application.
type Received struct {
	// Message is the message.
	Message []byte
	// ReplySURB, if not nil, lets the application answer the anonymous
	// sender once with Reply; it is ReplySURBs[0].
	ReplySURB *sphinx.SURB
	// ReplySURBs are every reply SURB the message carried (SendWithSURBs);
	// each lets the application answer once.
	ReplySURBs []*sphinx.SURB
	// IsReply reports that the message is a reply through a SURB this
	// client handed out.
	IsReply bool
}

// Failure reports a message that was not acknowledged after MaxTries sends of
// one of its fragments.
type Failure struct {
	ID MessageID
	// SentAt is when Send (or SendWithSURBs) queued the message, on the
	// client's clock (Deps.Clock). A caller that learns of the failure
	// can tell whether it has heard from the recipient since.
	SentAt time.Time
	Err    error
}

// tracked is the ack table's handle of a message: what a Failure reports
// besides the error.
type tracked struct {
	id     MessageID
	queued time.Time
}

// Errors returned by the Client.
var (
	// ErrNoTopology: no topology, or it lacks a layer or the gateway.
	ErrNoTopology = errors.New("client: no usable topology")
	// ErrTooLarge: the message exceeds Config.MaxMessage or a SURB's
	// capacity.
	ErrTooLarge = errors.New("client: message too large")
	// ErrRunning: Run was called twice.
	ErrRunning = errors.New("client: already running")
)

// MaxSURBsPerMessage bounds the reply SURBs SendWithSURBs attaches to one
// message.
const MaxSURBsPerMessage = e2e.MaxSURBs

// ReplyCapacity returns the largest message Reply accepts through surb (0
// for nil).
func ReplyCapacity(surb *sphinx.SURB) int {
	if surb == nil {
		return 0
	}
	return surb.Size.PlaintextSize()
}

// maxBody is the largest message body: the largest message with the most
// SURBs.
func (c *Client) maxBody() int { return c.cfg.MaxMessage + e2e.BodyOverhead(MaxSURBsPerMessage) }

// outMsg is a message whose fragments are in flight.
type outMsg struct {
	dest  address.Address
	frags [][]byte
	// keysGen, if not 0, is the Client.keysGen after this message's reply
	// keys were added: no fragment leaves before Client.passGen reaches it
	// (the keys are saved to Deps.State, or saving them failed).
	keysGen uint64
}

// item is one queued packet to send: a fragment of an outMsg, or a prebuilt
// reply packet (pkt set).
type item struct {
	id       fragment.ID
	retry    bool
	firstHop sphinx.NodeAddress
	pkt      []byte
}

// Client is a mixnet client. Its methods are safe for concurrent use.
type Client struct {
	cfg  Config
	deps Deps
	self address.Address
	size sphinx.SizeType
	cap  int

	cipher *ack.Cipher
	sched  *cover.Scheduler[outPacket]

	mu      sync.Mutex
	rng     *mrand.Rand // under mu: routes, delays, message ids
	queue   []item      // retransmissions are put at the front
	table   *ack.Table[tracked]
	out     map[uint64]*outMsg
	replies *e2e.ReplyStore
	reasm   *fragment.Reassembler
	// keysGen counts changes to the reply keys; savedGen is the keysGen
	// last saved to Deps.State, passGen the highest keysGen whose
	// messages may leave (saved, or a save of it failed).
	keysGen, savedGen, passGen uint64
	running                    bool

	// saveKick (capacity 1) asks the saver for a save at once: the sender
	// holds a message whose SURBs' keys are not saved yet.
	saveKick   chan struct{}
	unopened   atomic.Uint64 // replies that no stored keys open
	saves      atomic.Uint64 // successful saves to Deps.State
	saveErrors atomic.Uint64 // failed saves to Deps.State

	connMu sync.Mutex
	conn   Conn // nil while disconnected

	recv     chan Received
	failures chan Failure
	inbox    *recvQueue    // complete messages on their way to recv
	deferred atomic.Uint64 // deliveries left at the gateway for want of room in inbox
	sweepAt  time.Time     // guarded by mu: the next sweep of expired entries (sweepLocked)
}

// New checks cfg and deps and returns a Client; Run starts it.
func New(cfg Config, deps Deps) (*Client, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := deps.fill(); err != nil {
		return nil, err
	}
	cipher, err := ack.NewCipher(deps.AckKey[:])
	if err != nil {
		return nil, err
	}
	table, err := ack.New[tracked](ack.Config{MaxTries: cfg.MaxTries, Margin: cfg.AckMargin,
		Backoff: cfg.AckBackoff, MaxWait: cfg.AckMaxWait})
	if err != nil {
		return nil, err
	}
	reasm, err := fragment.NewReassembler(fragment.Config{MaxMessage: cfg.MaxMessage + e2e.BodyOverhead(MaxSURBsPerMessage),
		Timeout: cfg.ReassemblyTimeout})
	if err != nil {
		return nil, err
	}
	// The scheduler gets its own generator: it draws on Run's goroutine
	// while Send draws from rng.
	schedRand := mrand.New(mrand.NewPCG(deps.Rand.Uint64(), deps.Rand.Uint64()))
	sched, err := cover.NewScheduler[outPacket](cfg.Cover, schedRand, deps.Clock.Now())
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg: cfg, deps: deps, size: sphinx.Regular, cap: e2e.FragmentCapacity(sphinx.Regular),
		cipher: cipher, sched: sched, rng: deps.Rand, table: table, out: make(map[uint64]*outMsg),
		replies: e2e.NewReplyStore(cfg.ReplyKeyLimit), reasm: reasm,
		recv: make(chan Received, cfg.ReceiveQueue), failures: make(chan Failure, cfg.ReceiveQueue),
		inbox: newRecvQueue(cfg.ReceiveBuffer), saveKick: make(chan struct{}, 1),
	}
	copy(c.self.Identity[:], deps.Identity.Public().(ed25519.PublicKey))
	c.self.Encryption = e2e.PublicKey(deps.Encryption)
	copy(c.self.Gateway[:], cfg.Gateway)
	c.loadState()
	return c, nil
}

// Address returns the client's address.
func (c *Client) Address() address.Address { return c.self }

// Receive returns the channel of received messages.
func (c *Client) Receive() <-chan Received { return c.recv }

// Pending returns how many messages sent with Send or SendWithSURBs are not
// yet acknowledged (and have not failed).
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out)
}

// Failures returns the channel of messages that failed after MaxTries.
func (c *Client) Failures() <-chan Failure { return c.failures }

// Send queues msg for to and returns its id. The fragments leave on the
// real-traffic stream; if withReplySURB, a reply SURB to this client rides at
// the front of the message. A message is tracked until every fragment is
// acknowledged; if one is not after MaxTries sends, Failures reports it.
func (c *Client) Send(ctx context.Context, to address.Address, msg []byte, withReplySURB bool) (MessageID, error) {
	n := 0
	if withReplySURB {
		n = 1
	}
	return c.SendWithSURBs(ctx, to, msg, n)
}

// SendWithSURBs is Send with n (0 to MaxSURBsPerMessage) reply SURBs to
// this client attached, each on its own random route; the recipient gets
// them all in Received.ReplySURBs and may answer once through each. Their
// keys stay in the reply store for Config.ReplyKeyTTL. If the store has no
// room for n more, the key sets closest to expiry are evicted to make room
// (ReplyKeyStats.Evicted; replies through them are then dropped); it fails
// with e2e.ErrStoreFull, sending nothing, only if n exceeds
// Config.ReplyKeyLimit.
//
// With Deps.State set, no fragment of the message leaves before the new
// keys are saved (see the package doc), so a crash after the SURBs left
// cannot lose their keys.
func (c *Client) SendWithSURBs(ctx context.Context, to address.Address, msg []byte, n int) (MessageID, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(msg) > c.cfg.MaxMessage {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(msg), c.cfg.MaxMessage)
	}
	if n < 0 || n > MaxSURBsPerMessage {
		return 0, fmt.Errorf("client: %d reply SURBs, want 0 to %d", n, MaxSURBsPerMessage)
	}
	if n > c.cfg.ReplyKeyLimit {
		return 0, fmt.Errorf("%w: %d reply SURBs asked, Config.ReplyKeyLimit is %d", e2e.ErrStoreFull, n, c.cfg.ReplyKeyLimit)
	}
	now := c.deps.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	// Build every SURB before touching the store, so a failure (no
	// topology) evicts nothing.
	type newSURB struct {
		id   sphinx.Identifier
		keys *sphinx.ReplyKeys
	}
	made := make([]newSURB, 0, n)
	surbs := make([]*sphinx.SURB, 0, n)
	for range n {
		route, err := c.routeTo(c.self)
		if err != nil {
			return 0, err
		}
		surb, keys, id, err := e2e.NewReplySURB(c.deps.CryptoRand, route, c.self, c.size)
		if err != nil {
			return 0, err
		}
		made = append(made, newSURB{id, keys})
		surbs = append(surbs, surb)
	}
	body, err := e2e.AttachSURBs(surbs, msg)
	if err != nil {
		return 0, err
	}
	id, frags, err := fragment.Split(c.rng, body, c.cap, c.maxBody())
	if err != nil {
		return 0, err
	}
	if n > 0 {
		evicted, err := c.replies.MakeRoom(n)
		if err != nil {
			return 0, err
		}
		if evicted > 0 {
			c.deps.Logger.Debug("client: reply key store full; evicted the oldest keys", "evicted", evicted)
		}
		for _, s := range made {
			if err := c.replies.AddUntil(s.id, s.keys, now.Add(c.cfg.ReplyKeyTTL)); err != nil {
				return 0, err // not with room made: AddUntil evicts no more
			}
		}
		c.markDirtyLocked()
	}
	if err := c.table.Track(id, tracked{MessageID(id), now}, uint32(len(frags))); err != nil {
		for _, s := range made { // not sent: the SURBs will never be used
			c.replies.Remove(s.id)
		}
		if n > 0 {
			c.markDirtyLocked()
		}
		return 0, err
	}
	m := &outMsg{dest: to, frags: frags}
	if n > 0 && c.deps.State != nil {
		m.keysGen = c.keysGen
	}
	c.out[id] = m
	for i := range frags {
		c.queue = append(c.queue, item{id: fragment.ID{Message: id, Index: uint32(i)}})
	}
	return MessageID(id), nil
}

// Reply queues msg as an anonymous answer through surb (from a Received).
// A reply is one packet and carries no acknowledgement.
func (c *Client) Reply(ctx context.Context, surb *sphinx.SURB, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if surb == nil {
		return errors.New("client: no reply SURB")
	}
	if len(msg) > ReplyCapacity(surb) {
		return fmt.Errorf("%w: %d bytes, the SURB carries %d", ErrTooLarge, len(msg), ReplyCapacity(surb))
	}
	hop, pkt, err := e2e.Reply(surb, msg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.queue = append(c.queue, item{firstHop: hop, pkt: pkt})
	c.mu.Unlock()
	return nil
}

// ReplyKeyStats counts what happened to the keys of the reply SURBs the
// client handed out.
type ReplyKeyStats struct {
	// Stored is the number of key sets held now.
	Stored int
	// Evicted counts key sets evicted from the full store to make room
	// for new ones (Config.ReplyKeyLimit).
	Evicted uint64
	// Unopened counts reply deliveries no stored keys opened (their SURB's
	// keys were evicted or expired, or the reply is forged or damaged);
	// each is logged at debug level, acknowledged and dropped.
	Unopened uint64
	// Saves and SaveErrors count saves of the keys to Deps.State.
	Saves, SaveErrors uint64
}

// ReplyKeyStats returns the reply keys' counters.
func (c *Client) ReplyKeyStats() ReplyKeyStats {
	c.mu.Lock()
	st := ReplyKeyStats{Stored: c.replies.Len(), Evicted: c.replies.Evicted()}
	c.mu.Unlock()
	st.Unopened, st.Saves, st.SaveErrors = c.unopened.Load(), c.saves.Load(), c.saveErrors.Load()
	return st
}

// Run sends and receives until ctx is done, then closes the gateway
// connection, saves the reply keys (Deps.State) if they changed, and returns
// ctx's error. It may be called once.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return ErrRunning
	}
	c.running = true
	c.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { c.connLoop(ctx) })
	wg.Go(func() { c.saveLoop(ctx) })
	wg.Go(func() { c.inbox.run(ctx, c.recv) })
	err := cover.Run(ctx, c.deps.Clock, c.sched, source{c}, sink{c, ctx})
	wg.Wait()
	c.saveState()
	return err
}
