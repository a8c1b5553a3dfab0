// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/topology"
	"github.com/nym-go/nym/internal/wire"
)

// testNet is a mixnet on loopback TCP: one mix node per layer and two
// gateways, each a mix node whose final-hop packets go to a gateway, as
// internal/node assembles them. Everything stops when the test ends.
type testNet struct {
	top *topology.Topology
	gws []testGateway
}

type testGateway struct {
	id  ed25519.PrivateKey
	url string
	gw  *gateway.Gateway
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// run runs f until the test ends.
func run(t *testing.T, f func(ctx context.Context)) {
	_ = runStop(t, f)
}

// runStop runs f until the returned stop is called or the test ends; stop
// waits for f to return.
func runStop(t *testing.T, f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f(ctx) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// netOpts tunes startNetWith.
type netOpts struct {
	// dialer, if set, is the wire.Dialer of every mix node and gateway
	// (default wire.TCPDialer).
	dialer wire.Dialer
	// gwAckTimeout is the gateways' AckTimeout (default gateway's).
	gwAckTimeout time.Duration
}

func startNet(t *testing.T) *testNet {
	t.Helper()
	return startNetWith(t, netOpts{})
}

func startNetWith(t *testing.T, o netOpts) *testNet {
	t.Helper()
	if o.dialer == nil {
		o.dialer = wire.TCPDialer{}
	}
	var dir dirapi.Topology
	for layer := uint64(1); layer <= 3; layer++ {
		key, err := sphinx.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ln := listen(t)
		n, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: o.dialer})
		if err != nil {
			t.Fatal(err)
		}
		run(t, func(ctx context.Context) { _ = n.Run(ctx) })
		pub := key.Public()
		dir.MixNodes = append(dir.MixNodes, dirapi.MixNodePresence{Host: ln.Addr().String(),
			PubKey: base58.Encode(pub[:]), Layer: layer})
	}
	tn := &testNet{}
	for range 2 {
		_, id, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key, err := sphinx.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		mixLn, wsLn := listen(t), listen(t)
		store := memstore.New(memstore.Config{}, memstore.Deps{})
		var gw *gateway.Gateway
		mix, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: mixLn, Dialer: o.dialer,
			Final: func(u *sphinx.Unwrapped) { gw.Final(u) }})
		if err != nil {
			t.Fatal(err)
		}
		gw, err = gateway.New(gateway.Config{AckTimeout: o.gwAckTimeout}, gateway.Deps{Identity: id, Inbox: store, Keys: store, Forward: mix.Send})
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second}
		run(t, func(ctx context.Context) {
			var wg sync.WaitGroup
			wg.Go(func() { _ = mix.Run(ctx) })
			wg.Go(func() { _ = gw.Run(ctx) })
			wg.Go(func() { _ = srv.Serve(wsLn) })
			<-ctx.Done()
			gw.Shutdown()
			srv.Close()
			wg.Wait()
		})
		url := "ws://" + wsLn.Addr().String()
		pub := key.Public()
		p := dirapi.GatewayPresence{MixnetListener: mixLn.Addr().String(), ClientListener: url,
			PubKey: base58.Encode(pub[:])}
		dirapi.Sign(&p, id, time.Now())
		dir.GatewayNodes = append(dir.GatewayNodes, p)
		tn.gws = append(tn.gws, testGateway{id: id, url: url, gw: gw})
	}
	top, rep := topology.FromDirectory(&dir, topology.Options{})
	if len(rep.Skipped) > 0 {
		t.Fatalf("topology skipped %+v", rep.Skipped)
	}
	tn.top = top
	return tn
}

// clientOpts tunes newClient.
type clientOpts struct {
	seed uint64
	// wrap, if set, wraps each gateway connection.
	wrap func(client.Conn) client.Conn
	// maxTries overrides Config.MaxTries.
	maxTries int
	// realMean overrides the 5 ms real-stream mean gap.
	realMean time.Duration
	// dropMean turns drop cover on with this mean gap.
	dropMean time.Duration
	// keys, if set, are the client's keys (fresh ones otherwise).
	keys *clientKeys
	// state is Deps.State.
	state client.StateStore
	// clock is Deps.Clock (the real clock if nil).
	clock clock.Clock
	// replyTTL is Config.ReplyKeyTTL.
	replyTTL time.Duration
	// replyKeyLimit is Config.ReplyKeyLimit.
	replyKeyLimit int
	// ackMaxWait is Config.AckMaxWait.
	ackMaxWait time.Duration
	// receiveQueue and receiveBuffer are Config.ReceiveQueue and
	// Config.ReceiveBuffer.
	receiveQueue, receiveBuffer int
}

// clientKeys are what a client keeps across restarts.
type clientKeys struct {
	id     ed25519.PrivateKey
	enc    [32]byte
	ack    [32]byte
	gwKeys *gwclient.MemKeys
}

func newKeys(t *testing.T) *clientKeys {
	t.Helper()
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc, _, err := e2e.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &clientKeys{id: id, enc: enc, gwKeys: &gwclient.MemKeys{}}
	if _, err := rand.Read(k.ack[:]); err != nil {
		t.Fatal(err)
	}
	return k
}

// newClient runs a client at gateway gw with fast rates and small delays
// until the test ends.
func (tn *testNet) newClient(t *testing.T, gw int, o clientOpts) *client.Client {
	t.Helper()
	c, _ := tn.newClientStop(t, gw, o)
	return c
}

// newClientStop is newClient that also returns a function that stops the
// client and waits for its Run to return.
func (tn *testNet) newClientStop(t *testing.T, gw int, o clientOpts) (*client.Client, func()) {
	t.Helper()
	if o.keys == nil {
		o.keys = newKeys(t)
	}
	id, enc, ackKey, keys := o.keys.id, o.keys.enc, o.keys.ack, o.keys.gwKeys
	g := tn.gws[gw]
	gwPub := g.id.Public().(ed25519.PublicKey)
	if o.realMean == 0 {
		o.realMean = 5 * time.Millisecond
	}
	c, err := client.New(client.Config{
		Gateway:       gwPub,
		Cover:         cover.Config{RealMean: o.realMean, LoopMean: 50 * time.Millisecond, DropMean: o.dropMean},
		HopDelay:      time.Millisecond,
		AckMargin:     300 * time.Millisecond,
		BackoffMin:    50 * time.Millisecond,
		BackoffMax:    500 * time.Millisecond,
		MaxTries:      o.maxTries,
		ReplyKeyTTL:   o.replyTTL,
		ReplyKeyLimit: o.replyKeyLimit,
		AckMaxWait:    o.ackMaxWait,
		ReceiveQueue:  o.receiveQueue,
		ReceiveBuffer: o.receiveBuffer,
	}, client.Deps{
		Identity: id, Encryption: enc, AckKey: ackKey,
		Topology: func() *topology.Topology { return tn.top },
		Dial: func(ctx context.Context) (client.Conn, error) {
			conn, err := gwclient.Dial(ctx, g.url, id, gwPub, keys, nil)
			if err != nil || o.wrap == nil {
				return conn, err
			}
			return o.wrap(conn), nil
		},
		Rand:  mrand.New(mrand.NewPCG(o.seed, 1)),
		State: o.state,
		Clock: o.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, runStop(t, func(ctx context.Context) { _ = c.Run(ctx) })
}

// receive waits for one message on c.
//
// timeout is what the caller expects on a quiet machine; the wait is at
// least minWait, since the timeout only bounds a hang: under -race on a
// shared 2-core machine a packet can take many times longer.
func receive(t *testing.T, c *client.Client, timeout time.Duration) client.Received {
	t.Helper()
	timeout = max(timeout, minWait)
	select {
	case r := <-c.Receive():
		return r
	case f := <-c.Failures():
		t.Fatalf("message %d failed: %v", f.ID, f.Err)
	case <-time.After(timeout):
		t.Fatalf("no message in %v", timeout)
	}
	return client.Received{}
}

// minWait is the least time receive waits for a message.
const minWait = 60 * time.Second
