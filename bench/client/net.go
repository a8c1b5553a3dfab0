// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/topology"
	"github.com/nym-go/nym/internal/wire"
)

// network is a mixnet on loopback TCP: one mix node per layer and two
// gateways, each a mix node whose final-hop packets go to a gateway, as
// internal/node assembles them.
type network struct {
	dir   dirapi.Topology
	top   *topology.Topology
	gws   []*gateway.Gateway
	mixes []*mixnode.Node // layers 1-3, then the gateways' mix nodes
	ids   []ed25519.PublicKey
	wg    sync.WaitGroup
	stop  context.CancelFunc
}

// startNetwork starts the nodes; Close stops them.
func startNetwork(ctx context.Context) (*network, error) {
	ctx, cancel := context.WithCancel(ctx)
	n := &network{stop: cancel}
	fail := func(err error) (*network, error) { n.Close(); return nil, err }
	for layer := uint64(1); layer <= 3; layer++ {
		key, err := sphinx.GenerateKey(rand.Reader)
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(err)
		}
		m, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: wire.TCPDialer{}})
		if err != nil {
			ln.Close()
			return fail(err)
		}
		n.wg.Go(func() { _ = m.Run(ctx) })
		n.mixes = append(n.mixes, m)
		pub := key.Public()
		n.dir.MixNodes = append(n.dir.MixNodes, dirapi.MixNodePresence{Host: ln.Addr().String(),
			PubKey: base58.Encode(pub[:]), Layer: layer})
	}
	for range 2 {
		if err := n.startGateway(ctx); err != nil {
			return fail(err)
		}
	}
	top, rep := topology.FromDirectory(&n.dir, topology.Options{})
	if len(rep.Skipped) > 0 {
		return fail(fmt.Errorf("topology skipped %+v", rep.Skipped))
	}
	n.top = top
	return n, nil
}

func (n *network) startGateway(ctx context.Context) error {
	pub, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	mixLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	wsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		mixLn.Close()
		return err
	}
	store := memstore.New(memstore.Config{}, memstore.Deps{})
	var gw *gateway.Gateway
	mix, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: mixLn, Dialer: wire.TCPDialer{},
		Final: func(u *sphinx.Unwrapped) { gw.Final(u) }})
	if err == nil {
		gw, err = gateway.New(gateway.Config{}, gateway.Deps{Identity: id, Inbox: store, Keys: store, Forward: mix.Send,
			Logger: slog.New(slog.DiscardHandler)})
	}
	if err != nil {
		mixLn.Close()
		wsLn.Close()
		return err
	}
	srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second}
	n.wg.Go(func() { _ = mix.Run(ctx) })
	n.wg.Go(func() { _ = gw.Run(ctx) })
	n.wg.Go(func() {
		if err := srv.Serve(wsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Warn("gateway websocket server", "err", err)
		}
	})
	n.wg.Go(func() {
		<-ctx.Done()
		gw.Shutdown()
		srv.Close()
	})
	sphinxPub := key.Public()
	p := dirapi.GatewayPresence{MixnetListener: mixLn.Addr().String(), ClientListener: "ws://" + wsLn.Addr().String(),
		PubKey: base58.Encode(sphinxPub[:])}
	dirapi.Sign(&p, id, time.Now())
	n.dir.GatewayNodes = append(n.dir.GatewayNodes, p)
	n.gws = append(n.gws, gw)
	n.mixes = append(n.mixes, mix)
	n.ids = append(n.ids, pub)
	return nil
}

// Close stops every node and waits for them.
func (n *network) Close() {
	n.stop()
	n.wg.Wait()
}

// drops describes every packet the nodes dropped, by node and reason;
// with BENCH_DEBUG set in the environment it also lists every node's
// counters and queue lengths.
func (n *network) drops() string {
	var b strings.Builder
	for i, m := range n.mixes {
		if os.Getenv("BENCH_DEBUG") != "" {
			st := m.Stats()
			fmt.Fprintf(&b, "\n mix%d %v received=%d sent=%v queued=%+v conns=%d closed=%d", i, m.Addr(), st.Received, st.Sent,
				st.Queued, st.Connections, st.ClosedConns)
		}
		for r, c := range m.Stats().Dropped {
			if c > 0 {
				fmt.Fprintf(&b, " mix%d:%v=%d", i, r, c)
			}
		}
	}
	for i, g := range n.gws {
		st := g.Stats()
		for r, c := range st.Dropped {
			if c > 0 {
				fmt.Fprintf(&b, " gw%d:%s=%d", i, r, c)
			}
		}
		if st.PushOverflow+st.SendFailed+st.SURBAcksFailed+st.AckTimeouts > 0 {
			fmt.Fprintf(&b, " gw%d: push_overflow=%d send_failed=%d surb_acks_failed=%d ack_timeouts=%d stored=%d", i,
				st.PushOverflow, st.SendFailed, st.SURBAcksFailed, st.AckTimeouts, st.Stored)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
