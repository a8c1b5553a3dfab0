// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command gateway measures the gateway (internal/gateway) against the
// targets of issue 5:
//
//   - accept: messages/s accepted into the durable inbox (bbolt, group
//     commit) through Gateway.Final with the recipients offline. A message
//     counts once its SURB-ack is forwarded, which happens only after the
//     inbox's fsync. Sphinx unwrapping is excluded: Final gets pre-built
//     unwrapped Regular packets (2 KiB plaintext: a 418-byte SURB-ack and
//     a 1630-byte message), spread over -clients recipients.
//   - deliver: messages/s from Gateway.Final to a connected gwclient's
//     Receive over a loopback websocket, the client acking in batches.
//   - idle: the resident memory (VmRSS) of a gateway process (a child of
//     this one) holding -idle connected, idle clients.
//
// Usage:
//
//	go run ./bench/gateway [-mode all|accept|deliver|idle] [-n 100000] [-idle 1000]
//
// Each mode prints one line; run it several times and take the median.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

func main() {
	mode := flag.String("mode", "all", "accept, deliver, idle or all")
	n := flag.Int("n", 100_000, "messages for accept and deliver")
	clients := flag.Int("clients", 100, "offline recipients for accept")
	idle := flag.Int("idle", 1000, "idle connected clients for idle")
	child := flag.Bool("idle-child", false, "internal: run the gateway process for idle")
	flag.Parse()
	if *child {
		idleChild()
		return
	}
	run := func(name string, f func() (string, error)) {
		if *mode != "all" && *mode != name {
			return
		}
		res, err := f()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(1)
		}
		fmt.Printf("%-8s %s\n", name, res)
	}
	run("accept", func() (string, error) { return accept(*n, *clients) })
	run("deliver", func() (string, error) { return deliver(*n) })
	run("idle", func() (string, error) { return idleRSS(*idle) })
}

// ackHop is the first hop named in the benchmark's SURB-acks; Forward
// only counts them.
var ackHop = sphinx.NodeAddress{4, 7}

// unwrapped builds k unwrapped Regular packets, packet i for dests[i%len].
func unwrapped(k int, dests []sphinx.Destination) ([]sphinx.Unwrapped, error) {
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	proc := sphinx.NewProcessor(key)
	hop := []sphinx.Hop{{Address: ackHop, PublicKey: key.Public()}}
	out := make([]sphinx.Unwrapped, k)
	for i := range out {
		pt, err := gwproto.AppendSURBAck(nil, ackHop, make([]byte, sphinx.Ack.PacketSize()))
		if err != nil {
			return nil, err
		}
		body := make([]byte, sphinx.Regular.PlaintextSize()-len(pt))
		_, _ = rand.Read(body)
		pkt, err := sphinx.NewPacket(rand.Reader, hop, dests[i%len(dests)], sphinx.Identifier{}, sphinx.Regular, append(pt, body...))
		if err != nil {
			return nil, err
		}
		if out[i], err = proc.Unwrap(pkt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// counter is a Forward that counts SURB-acks.
type counter struct{ n atomic.Int64 }

func (c *counter) forward(sphinx.NodeAddress, sphinx.SizeType, []byte) error {
	c.n.Add(1)
	return nil
}

// newGateway opens a bbolt inbox in a fresh directory and a gateway on it.
func newGateway(fwd gateway.ForwardFunc) (*gateway.Gateway, *boltstore.Store, ed25519.PrivateKey, func(), error) {
	dir, err := os.MkdirTemp("", "bench-gateway-")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	store, err := boltstore.Open(filepath.Join(dir, "inbox.db"), boltstore.Config{}, boltstore.Deps{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, nil, nil, err
	}
	_, id, _ := ed25519.GenerateKey(rand.Reader)
	gw, err := gateway.New(gateway.Config{}, gateway.Deps{Identity: id, Inbox: store, Keys: store, Forward: fwd})
	if err != nil {
		store.Close()
		os.RemoveAll(dir)
		return nil, nil, nil, nil, err
	}
	return gw, store, id, func() { gw.Shutdown(); store.Close(); os.RemoveAll(dir) }, nil
}

func accept(n, clients int) (string, error) {
	var acks counter
	gw, store, _, done, err := newGateway(acks.forward)
	if err != nil {
		return "", err
	}
	defer done()
	dests := make([]sphinx.Destination, clients)
	for i := range dests {
		_, _ = rand.Read(dests[i][:])
		if err := store.PutKey(context.Background(), storage.ClientID(dests[i]), make([]byte, gwproto.SharedKeySize)); err != nil {
			return "", err
		}
	}
	pkts, err := unwrapped(1024, dests)
	if err != nil {
		return "", err
	}
	// Two producers, as the mix node's unwrap workers on 2 cores; each
	// keeps at most half the inbox queue in flight, so nothing is refused
	// as busy.
	const producers = 2
	window := int64(boltstore.DefaultQueue / 2)
	var issued atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := p; i < n; i += producers {
				for issued.Load()-acks.n.Load()-refused(gw) >= window {
					time.Sleep(50 * time.Microsecond)
				}
				issued.Add(1)
				gw.Final(&pkts[i%len(pkts)])
			}
		})
	}
	wg.Wait()
	for acks.n.Load()+refused(gw) < int64(n) {
		time.Sleep(100 * time.Microsecond)
	}
	el := time.Since(start)
	st := gw.Stats()
	return fmt.Sprintf("%d messages (2 KiB plaintext) in %v: %.0f msg/s accepted durably (stored %d, dropped %v)",
		n, el.Round(time.Millisecond), float64(acks.n.Load())/el.Seconds(), st.Stored, st.Dropped), nil
}

// refused counts the inbox writes the gateway gave up on.
func refused(gw *gateway.Gateway) int64 {
	var r int64
	for k, v := range gw.Stats().Dropped {
		if k != "unknown_recipient" && k != "malformed" {
			r += int64(v)
		}
	}
	return r
}

func deliver(n int) (string, error) {
	var acks counter
	gw, _, id, done, err := newGateway(acks.forward)
	if err != nil {
		return "", err
	}
	defer done()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	_, cid, _ := ed25519.GenerateKey(rand.Reader)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := gwclient.Dial(ctx, "ws://"+ln.Addr().String(), cid, id.Public().(ed25519.PublicKey), new(gwclient.MemKeys), nil)
	if err != nil {
		return "", err
	}
	defer c.Close()
	var dest sphinx.Destination
	copy(dest[:], cid.Public().(ed25519.PublicKey))
	pkts, err := unwrapped(1024, []sphinx.Destination{dest})
	if err != nil {
		return "", err
	}
	var received atomic.Int64
	seen := make(map[uint64]struct{}, n) // the receiver's only
	recvErr := make(chan error, 1)
	go func() {
		// Ack in batches of up to 64, and whatever has arrived whenever
		// the stream pauses for a millisecond, as a client would.
		ids := make([]uint64, 0, 64)
		flush := func() error {
			if len(ids) == 0 {
				return nil
			}
			err := c.Ack(ctx, ids...)
			ids = ids[:0]
			return err
		}
		for len(seen) < n {
			rctx, rcancel := context.WithTimeout(ctx, time.Millisecond)
			d, err := c.Receive(rctx)
			rcancel()
			if err == context.DeadlineExceeded && ctx.Err() == nil {
				err = flush()
			} else if err == nil {
				seen[d.ID] = struct{}{}
				received.Add(1)
				if ids = append(ids, d.ID); len(ids) == cap(ids) {
					err = flush()
				}
			}
			if err != nil {
				recvErr <- err
				return
			}
		}
		recvErr <- flush()
	}()
	// Keep at most 200 messages between Final and the client, below the
	// session's push queue (256): a faster producer only moves messages to
	// the inbox (push_overflow), which is not the live path measured here.
	const window = 200
	start := time.Now()
	for i := range n {
		for int64(i)-received.Load() >= window {
			select {
			case err := <-recvErr:
				return "", fmt.Errorf("client stopped after %d messages: %w", received.Load(), err)
			case <-time.After(20 * time.Microsecond):
			}
		}
		gw.Final(&pkts[i%len(pkts)])
	}
	if err := <-recvErr; err != nil {
		return "", err
	}
	el := time.Since(start)
	// The client's last acks are still on their way to the gateway's
	// reader: wait for the gateway to count them before reading its
	// figures, and fail if any message went missing.
	st, err := settle(gw, &acks, int64(n))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d messages in %v: %.0f msg/s delivered to one client (live %d, stored %d, push_overflow %d, duplicates %d)",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), st.DeliveredLive, st.DeliveredStored, st.PushOverflow,
		received.Load()-int64(n)), nil
}

// settle waits (up to 10 s) until the gateway has counted n deliveries and
// forwarded n SURB-acks, and returns its stats; it reports an error if it
// never does, that is if a message was lost.
func settle(gw *gateway.Gateway, acks *counter, n int64) (gateway.Stats, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := gw.Stats()
		got := int64(st.DeliveredLive + st.DeliveredStored)
		if got == n && acks.n.Load() == n {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("after 10 s: %d of %d messages acknowledged, %d SURB-acks forwarded (stored %d, dropped %v)",
				got, n, acks.n.Load(), st.Stored, st.Dropped)
		}
		time.Sleep(time.Millisecond)
	}
}
