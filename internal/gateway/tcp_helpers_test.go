// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/wire"
)

// gwNode is a gateway assembled as internal/node assembles one: a mix node
// on a loopback TCP listener whose final-hop packets go to the gateway, and
// the gateway's websocket on a second listener. Everything runs on real
// sockets and the real clock.
type gwNode struct {
	mix   *mixnode.Node
	gw    *gateway.Gateway
	hop   sphinx.Hop // the gateway as a route's final hop
	wsURL string
	stop  func() // stops and waits for both; idempotent
}

// startGatewayNode runs a gateway over inbox and keys on the two listeners
// (which it closes when stopped). workers is the mix node's unwrap
// workers (0: one per CPU).
func startGatewayNode(id ed25519.PrivateKey, key sphinx.PrivateKey, inbox storage.Inbox, keys storage.KeyStore,
	mixLn, wsLn net.Listener, workers int) (*gwNode, error) {
	var gw *gateway.Gateway
	mix, err := mixnode.New(mixnode.Config{Workers: workers}, mixnode.Deps{
		Key: key, Listener: mixLn, Dialer: wire.TCPDialer{},
		Final: func(u *sphinx.Unwrapped) { gw.Final(u) },
	})
	if err != nil {
		return nil, err
	}
	gw, err = gateway.New(gateway.Config{}, gateway.Deps{Identity: id, Inbox: inbox, Keys: keys, Forward: mix.Send})
	if err != nil {
		return nil, err
	}
	addr, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(mixLn.Addr().String()))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Go(func() { _ = mix.Run(ctx) })
	wg.Go(func() { _ = gw.Run(ctx) })
	wg.Go(func() { _ = srv.Serve(wsLn) })
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			gw.Shutdown()
			srv.Close()
			wg.Wait()
		})
	}
	return &gwNode{mix: mix, gw: gw, hop: sphinx.Hop{Address: addr, PublicKey: key.Public()},
		wsURL: "ws://" + wsLn.Addr().String(), stop: stop}, nil
}

// mixHop is a plain mix node on loopback TCP.
type mixHop struct {
	node *mixnode.Node
	hop  func(delay time.Duration) sphinx.Hop
}

// startMix runs a mix node on a fresh loopback port until the test ends.
func startMix(t *testing.T) *mixHop {
	t.Helper()
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	n, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: wire.TCPDialer{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := nodeAddr(t, ln.Addr())
	return &mixHop{node: n, hop: func(d time.Duration) sphinx.Hop {
		return sphinx.Hop{Address: addr, PublicKey: key.Public(), Delay: d}
	}}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func nodeAddr(t testing.TB, a net.Addr) sphinx.NodeAddress {
	t.Helper()
	addr, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(a.String()))
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// ackSink stands in for the first hop of the SURB-acks: it accepts mixnet
// connections, unwraps each Ack packet with its key (it is the ack's only
// hop) and reports the plaintext.
type ackSink struct {
	ln   net.Listener
	key  sphinx.PrivateKey
	hop  sphinx.Hop
	acks chan []byte
	wg   sync.WaitGroup
	mu   sync.Mutex
	cons []net.Conn
}

// startSink runs an ack sink until the test ends.
func startSink(t *testing.T) *ackSink {
	t.Helper()
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &ackSink{ln: listen(t), key: key, acks: make(chan []byte, 1<<16)}
	s.hop = sphinx.Hop{Address: nodeAddr(t, s.ln.Addr()), PublicKey: key.Public()}
	s.wg.Go(s.accept)
	t.Cleanup(func() {
		s.ln.Close()
		s.mu.Lock()
		for _, c := range s.cons {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *ackSink) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.cons = append(s.cons, c)
		s.mu.Unlock()
		s.wg.Go(func() { s.read(c) })
	}
}

func (s *ackSink) read(c net.Conn) {
	defer c.Close()
	proc := sphinx.NewProcessor(s.key)
	r := wire.NewReader(c)
	for {
		f, err := r.ReadFrame(nil)
		if err != nil {
			return
		}
		u, err := proc.Unwrap(f.Packet)
		if err != nil || u.Action != sphinx.Final {
			continue
		}
		pt, err := sphinx.OpenPayload(u.Payload)
		if err != nil {
			continue
		}
		select {
		case s.acks <- pt:
		default: // the test reads far fewer than the buffer holds
		}
	}
}

// ackPacket builds a SURB-ack whose only hop is the sink, carrying tag.
func (s *ackSink) ackPacket(tag []byte) ([]byte, error) {
	var dest sphinx.Destination
	return sphinx.NewPacket(rand.Reader, []sphinx.Hop{s.hop}, dest, sphinx.Identifier{}, sphinx.Ack, tag)
}

// forwardPacket builds a Regular forward packet along route to dest whose
// plaintext is a SURB-ack (to the sink, carrying tag) and body.
func forwardPacket(s *ackSink, route []sphinx.Hop, dest sphinx.Destination, tag, body []byte) ([]byte, error) {
	ack, err := s.ackPacket(tag)
	if err != nil {
		return nil, err
	}
	pt, err := gwproto.AppendSURBAck(nil, s.hop.Address, ack)
	if err != nil {
		return nil, err
	}
	return sphinx.NewPacket(rand.Reader, route, dest, sphinx.Identifier{}, sphinx.Regular, append(pt, body...))
}

// sendFrames writes packets as mixnet frames to addr over one connection.
func sendFrames(addr net.Addr, pkts ...[]byte) error {
	c, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	w := wire.NewWriter(c)
	for _, p := range pkts {
		if err := w.WriteFrame(sphinx.Regular, p); err != nil {
			return err
		}
	}
	return errors.Join(w.Flush(), c.Close())
}
