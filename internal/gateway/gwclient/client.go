// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package gwclient is the client side of the gateway protocol
// (docs/protocol/gateway.md): it registers with or authenticates to a
// gateway over a websocket, sends Sphinx packets into the mixnet through
// it, receives the messages it delivers and acknowledges them.
//
//	c, err := gwclient.Dial(ctx, "ws://gw.example:9000", identity, gatewayIdentity, keys, nil)
//	...
//	err = c.Send(ctx, firstHop, sphinx.Regular, pkt)
//	d, err := c.Receive(ctx) // then, once d is safe:
//	err = c.Ack(ctx, d.ID)
//
// A message may be delivered more than once (when an ack was lost); drop
// duplicates by Delivery.ID. The gateway keeps a message until it is
// acknowledged, so ack only what is processed.
//
// # Concurrency
//
// A Client's methods are safe for concurrent use. One goroutine, started
// by Dial and stopped by Close or a connection error, reads frames and
// queues deliveries for Receive; when Receive is not called, the queue
// fills, the reader stops reading, and the gateway keeps further messages
// in its inbox.
package gwclient

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
)

// DefaultReceiveQueue is how many deliveries wait for Receive.
const DefaultReceiveQueue = 256

// Options tune Dial; nil selects the defaults.
type Options struct {
	// Rand supplies nonces and ephemeral keys; nil means crypto/rand.
	Rand io.Reader
	// Logger receives the gateway's error messages; nil discards them.
	Logger *slog.Logger
	// ReceiveQueue is the delivery queue's capacity; 0 means
	// DefaultReceiveQueue.
	ReceiveQueue int
	// ForceRegister registers even when keys holds a shared key.
	ForceRegister bool
}

// Delivery is one message from the gateway.
type Delivery struct {
	// ID identifies the message for Ack and for dropping duplicates.
	ID uint64
	// Flags are gwproto.FlagReply, FlagStored, FlagAck and
	// FlagIdentifier.
	Flags byte
	// Data is the message: a forward packet's plaintext after the
	// SURB-ack, an ack packet's plaintext, or (FlagReply) a reply payload
	// to open with sphinx.ReplyKeys.Open. It never includes the
	// identifier.
	Data []byte
	// Identifier is the Sphinx identifier of a reply (the one its SURB
	// was made with), valid when HasIdentifier reports true: pass it to
	// e2e.ReplyStore.OpenByIdentifier. Zero otherwise.
	Identifier sphinx.Identifier
}

// HasIdentifier reports whether the gateway sent the reply's identifier
// (gwproto.FlagIdentifier); gateways before deliver frame version 1.1 and
// messages they stored do not.
func (d Delivery) HasIdentifier() bool { return d.Flags&gwproto.FlagIdentifier != 0 }

// Reply reports whether the message is a reply sent with a SURB.
func (d Delivery) Reply() bool { return d.Flags&gwproto.FlagReply != 0 }

// Stored reports whether the message was kept in the gateway's inbox.
func (d Delivery) Stored() bool { return d.Flags&gwproto.FlagStored != 0 }

// IsAck reports whether the message is the plaintext of an Ack packet.
func (d Delivery) IsAck() bool { return d.Flags&gwproto.FlagAck != 0 }

// Client is an authenticated connection to a gateway.
type Client struct {
	conn       *websocket.Conn
	log        *slog.Logger
	registered bool

	wmu  sync.Mutex // guards seal and wbuf (writes)
	seal *gwproto.Sealer
	wbuf []byte

	open   *gwproto.Opener // reader goroutine only
	recv   chan Delivery   // reader → Receive; never closed
	notice chan *gwproto.Message
	done   chan struct{} // closed when the reader stops
	err    error         // why it stopped; set before done is closed
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Dial connects to the gateway at url (ws://host:port), checks that it
// holds the identity gateway, and authenticates with the key keys holds for
// it, or registers (saving the new key in keys) when there is none or the
// gateway no longer knows it.
func Dial(ctx context.Context, url string, identity ed25519.PrivateKey, gateway ed25519.PublicKey, keys KeyStore, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReceiveQueue <= 0 {
		o.ReceiveQueue = DefaultReceiveQueue
	}
	if len(identity) != ed25519.PrivateKeySize || len(gateway) != ed25519.PublicKeySize {
		return nil, errors.New("gwclient: bad identity or gateway key")
	}
	shared, ok, err := keys.LoadKey(gateway)
	if err != nil {
		return nil, fmt.Errorf("gwclient: load key: %w", err)
	}
	if ok && !o.ForceRegister {
		conn, err := dial(ctx, url)
		if err != nil {
			return nil, err
		}
		t, err := authenticate(ctx, conn, identity, gateway, shared, o.Rand)
		if err == nil {
			return start(conn, t, shared, false, o)
		}
		conn.CloseNow()
		var ref *RefusedError
		if !errors.As(err, &ref) || (ref.Code != gwproto.CodeUnknownClient && ref.Code != gwproto.CodeAuthFailed) {
			return nil, err
		}
		o.Logger.Info("gateway does not know our key; registering again", "reason", ref.Reason)
	}
	conn, err := dial(ctx, url)
	if err != nil {
		return nil, err
	}
	shared, t, err := register(ctx, conn, identity, gateway, o.Rand)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	if err := keys.SaveKey(gateway, shared); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("gwclient: save key: %w", err)
	}
	return start(conn, t, shared, true, o)
}

func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("gwclient: dial %s: %w", url, err)
	}
	conn.SetReadLimit(gwproto.MaxReadLimit)
	return conn, nil
}

func start(conn *websocket.Conn, t *gwproto.Transcript, shared []byte, registered bool, o Options) (*Client, error) {
	c2g, g2c, err := t.SessionKeys(shared)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	seal, err := gwproto.NewSealer(c2g)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	open, err := gwproto.NewOpener(g2c)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		conn: conn, log: o.Logger, registered: registered, seal: seal, open: open,
		recv: make(chan Delivery, o.ReceiveQueue), notice: make(chan *gwproto.Message, 16),
		done: make(chan struct{}), cancel: cancel,
	}
	c.wg.Go(func() { c.read(ctx) })
	return c, nil
}

// Registered reports whether Dial registered (rather than authenticated).
func (c *Client) Registered() bool { return c.registered }

// read is the reader goroutine.
func (c *Client) read(ctx context.Context) {
	defer close(c.done)
	for {
		typ, b, err := c.conn.Read(ctx)
		if err != nil {
			c.err = fmt.Errorf("gwclient: connection closed: %w", err)
			return
		}
		if typ != websocket.MessageBinary {
			m, _ := gwproto.DecodeMessage(b)
			c.log.Warn("gateway sent a text message", "message", string(b))
			c.queueNotice(m)
			continue
		}
		pt, err := c.open.Open(b[:0], b)
		if err != nil {
			c.err = err
			c.conn.Close(gwproto.CloseBadFrame, "frame authentication failed")
			return
		}
		if len(pt) == 0 {
			continue
		}
		switch gwproto.Kind(pt[0]) {
		case gwproto.KindDeliver:
			id, flags, data, err := gwproto.ParseDeliver(pt)
			if err != nil {
				c.log.Warn("bad delivery frame", "error", err)
				continue
			}
			ident, payload, _, err := gwproto.SplitIdentifier(flags, data)
			if err != nil {
				// Still delivered (so it can be acked), without the flag.
				c.log.Warn("bad delivery identifier", "error", err)
				flags &^= gwproto.FlagIdentifier
			} else {
				data = payload
			}
			select {
			case c.recv <- Delivery{ID: id, Flags: flags, Data: data, Identifier: ident}:
			case <-ctx.Done():
				c.err = errors.New("gwclient: closed")
				return
			}
		case gwproto.KindJSON:
			m, err := gwproto.DecodeMessage(pt[1:])
			if err != nil {
				c.log.Warn("bad JSON frame", "error", err)
				continue
			}
			c.log.Warn("gateway message", "type", m.Type, "code", m.Code, "message", m.Reason)
			c.queueNotice(m)
		default:
			c.log.Warn("unknown frame kind", "kind", pt[0])
		}
	}
}

func (c *Client) queueNotice(m *gwproto.Message) {
	if m == nil {
		return
	}
	select {
	case c.notice <- m:
	default: // nobody reads notices: keep the newest few only in the log
	}
}

// Notices returns the gateway's error and refusal messages (a bounded
// queue; messages beyond it are only logged).
func (c *Client) Notices() <-chan *gwproto.Message { return c.notice }

// Receive returns the next delivery, or an error once the connection is
// closed (and every queued delivery has been returned) or ctx is done.
//
// Ack each delivery promptly once it is processed: the gateway keeps at
// most 100 stored messages delivered and unacknowledged, and sends more
// only as acks arrive, so a caller that collects more than that before
// acking waits forever.
func (c *Client) Receive(ctx context.Context) (Delivery, error) {
	select {
	case d := <-c.recv:
		return d, nil
	default:
	}
	select {
	case d := <-c.recv:
		return d, nil
	case <-c.done:
		select {
		case d := <-c.recv:
			return d, nil
		default:
			return Delivery{}, c.err
		}
	case <-ctx.Done():
		return Delivery{}, ctx.Err()
	}
}

// Done is closed when the connection has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (nil while it is open). A
// websocket.CloseError in its chain carries the gateway's close code and
// reason (for example gwproto.CloseReplaced).
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Send asks the gateway to forward a Sphinx packet to its first hop.
func (c *Client) Send(ctx context.Context, firstHop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	if !size.Valid() || len(pkt) != size.PacketSize() {
		return fmt.Errorf("gwclient: %d-byte packet with size type %v", len(pkt), size)
	}
	return c.writeFrame(ctx, func(b []byte) []byte { return gwproto.AppendSend(b, firstHop, size, pkt) })
}

// Ack acknowledges delivered messages; the gateway then forgets them (and
// forwards their senders' acks).
func (c *Client) Ack(ctx context.Context, ids ...uint64) error {
	for len(ids) > 0 {
		n := min(len(ids), gwproto.MaxAckIDs)
		batch := ids[:n]
		if err := c.writeFrame(ctx, func(b []byte) []byte { return gwproto.AppendAck(b, batch) }); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// Request sends a JSON request in an encrypted frame (for example
// {"type":"ack","ids":[...]}).
func (c *Client) Request(ctx context.Context, m *gwproto.Message) error {
	return c.writeFrame(ctx, func(b []byte) []byte { return gwproto.AppendJSON(b, m) })
}

func (c *Client) writeFrame(ctx context.Context, build func([]byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = build(c.wbuf[:0])
	frame := c.seal.Seal(nil, c.wbuf)
	if err := c.conn.Write(ctx, websocket.MessageBinary, frame); err != nil {
		return fmt.Errorf("gwclient: write: %w", err)
	}
	return nil
}

// SealFrame seals plaintext as the next frame without sending it,
// advancing the frame counter. With WriteRaw it lets tests send forged,
// replayed or reordered frames; a real client never needs it.
func (c *Client) SealFrame(plaintext []byte) []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.seal.Seal(nil, plaintext)
}

// WriteRaw sends b as one websocket message of type typ, as is (see
// SealFrame).
func (c *Client) WriteRaw(ctx context.Context, typ websocket.MessageType, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.Write(ctx, typ, b)
}

// Close closes the connection and waits for the reader to stop.
func (c *Client) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "client closing")
	c.cancel()
	c.wg.Wait()
	_ = err // the connection is gone either way; a close handshake the peer cut short is no error
	return nil
}
