// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// buildFrames builds n distinct packets routed node → sink with zero
// delays, on every core, and returns them as consecutive wire frames.
func buildFrames(key sphinx.PrivateKey, node, sink sphinx.NodeAddress, n int) ([]byte, int, error) {
	route := []sphinx.Hop{
		{Address: node, PublicKey: key.Public()},
		{Address: sink, PublicKey: key.Public()}, // the sink does not unwrap
	}
	one, err := wire.AppendFrame(nil, sphinx.Regular, make([]byte, sphinx.Regular.PacketSize()))
	if err != nil {
		return nil, 0, err
	}
	fsize := len(one)
	frames := make([]byte, n*fsize)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.NewChaCha8([32]byte{byte(g), 'l', 'o', 'a', 'd'})
			for i := g; i < n; i += workers {
				p, err := sphinx.NewPacket(rng, route, sphinx.Destination{}, sphinx.Identifier{}, sphinx.Regular, fmt.Appendf(nil, "load %d", i))
				if err == nil {
					_, err = wire.AppendFrame(frames[i*fsize:i*fsize:(i+1)*fsize], sphinx.Regular, p)
				}
				if err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, fmt.Errorf("build packets: %w", err)
	}
	return frames, fsize, nil
}

func addrOf(ln net.Listener) (sphinx.NodeAddress, error) {
	return sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(ln.Addr().String()))
}

// keyRand is a constant byte source, for a key that need not be secret.
type keyRand struct{}

func (keyRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)*3 + 1
	}
	return len(p), nil
}

// countSink accepts connections and counts the frames it reads.
func countSink(ln net.Listener, count *atomic.Uint64, wg *sync.WaitGroup) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Go(func() {
			defer c.Close()
			r := wire.NewReader(c)
			buf := make([]byte, sphinx.Extended.PacketSize())
			for {
				if _, err := r.ReadFrame(buf); err != nil {
					return
				}
				count.Add(1)
			}
		})
	}
}

func runMixnode(parent context.Context, duration time.Duration, packets, senders int) error {
	settle()
	nodeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sinkLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		nodeLn.Close()
		return err
	}
	defer sinkLn.Close()
	key, err := sphinx.GenerateKey(keyRand{})
	if err != nil {
		return err
	}
	nodeAddr, err := addrOf(nodeLn)
	if err != nil {
		return err
	}
	sinkAddr, err := addrOf(sinkLn)
	if err != nil {
		return err
	}
	const batch = 64 // frames per write
	packets = (max(packets, batch) + batch - 1) / batch * batch
	genStart := time.Now()
	frames, fsize, err := buildFrames(key, nodeAddr, sinkAddr, packets)
	if err != nil {
		return err
	}
	fmt.Printf("== mixnode: %d senders at saturation for %v, %d distinct packets (%d-byte frames, %.0f MiB) built in %v; after the pool the senders start it again (replays)\n",
		senders, duration, packets, fsize, float64(len(frames))/mib, time.Since(genStart).Round(time.Millisecond))

	var sunk atomic.Uint64
	var sinkWG sync.WaitGroup
	go countSink(sinkLn, &sunk, &sinkWG)
	defer sinkWG.Wait()

	node, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: nodeLn, Dialer: wire.TCPDialer{}})
	if err != nil {
		nodeLn.Close()
		return err
	}
	nodeCtx, nodeCancel := context.WithCancel(context.Background())
	nodeDone := make(chan error, 1)
	go func() { nodeDone <- node.Run(nodeCtx) }()

	ctx, cancel := context.WithTimeout(parent, duration)
	defer cancel()
	mem := startSampler(ctx)
	start := time.Now()
	// next is the index of the next frame to send, over all passes of
	// the pool; senders take batches of frames.
	var next atomic.Int64
	var sendErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range senders {
		conn, err := net.Dial("tcp", nodeLn.Addr().String())
		if err != nil {
			cancel()
			errOnce.Do(func() { sendErr = err })
			break
		}
		wg.Go(func() {
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Unix(1, 0)) })
			defer stop()
			for ctx.Err() == nil {
				i := int(next.Add(batch)-batch) % packets
				j := min(i+batch, packets)
				if _, err := conn.Write(frames[i*fsize : j*fsize]); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { sendErr = fmt.Errorf("send: %w", err) })
					}
					return
				}
			}
		})
	}
	// freshAt is when the node had forwarded the whole pool once.
	var freshAt atomic.Int64
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if sent(node.Stats()) >= uint64(packets) {
					freshAt.Store(int64(now.Sub(start)))
					return
				}
			}
		}
	})
	// Print progress every 10 s.
	var prevStats mixnode.Stats
	prevAt := start
	tick := time.NewTicker(10 * time.Second)
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case now := <-tick.C:
			st := node.Stats()
			dt := now.Sub(prevAt).Seconds()
			fmt.Printf("  t=%3.0fs  processed %6.0f/s  forwarded %6.0f/s  replay drops %6.0f/s  queued inbound %d\n",
				now.Sub(start).Seconds(), float64(processed(st)-processed(prevStats))/dt,
				float64(sent(st)-sent(prevStats))/dt,
				float64(st.Dropped[mixnode.DropReplay]-prevStats.Dropped[mixnode.DropReplay])/dt, st.Queued.Inbound)
			prevStats, prevAt = st, now
		}
	}
	tick.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	// Let the node finish what its connections and queues still hold
	// (the kernel's socket buffers too): wait until everything received
	// has been processed and nothing new arrived for 300 ms, at most 10 s.
	settleBy := time.Now().Add(10 * time.Second)
	last, lastAt := node.Stats().Received, time.Now()
	for time.Now().Before(settleBy) {
		time.Sleep(50 * time.Millisecond)
		st := node.Stats()
		if st.Received != last {
			last, lastAt = st.Received, time.Now()
		} else if processed(st) == st.Received && time.Since(lastAt) > 300*time.Millisecond {
			break
		}
	}
	st := node.Stats()
	nodeCancel()
	runErr := <-nodeDone
	final := node.Stats()
	sinkLn.Close()

	var failures []string
	fmt.Printf("  received %d (%.0f/s), processed %d (%.0f/s), forwarded %d (%.0f/s), sink read %d\n",
		st.Received, float64(st.Received)/elapsed.Seconds(), processed(st), float64(processed(st))/elapsed.Seconds(),
		sent(st), float64(sent(st))/elapsed.Seconds(), sunk.Load())
	var drops []string
	for _, r := range sortedKeys(final.Dropped) {
		drops = append(drops, fmt.Sprintf("%s=%d", r, final.Dropped[r]))
		if n := final.Dropped[r]; n > 0 && r != mixnode.DropReplay && r != mixnode.DropShutdown {
			failures = append(failures, fmt.Sprintf("%d packets dropped as %s", n, r))
		}
	}
	fmt.Printf("  drops (after shutdown): %s; refused conns %d, closed conns %d\n", strings.Join(drops, " "), final.RefusedConns, final.ClosedConns)
	fresh := min(uint64(packets), st.Received)
	fmt.Printf("  fresh packets received %d: forwarded %d; replays received %d: dropped as replay %d\n",
		fresh, sent(st), st.Received-fresh, st.Dropped[mixnode.DropReplay])
	if d := time.Duration(freshAt.Load()); d > 0 {
		fmt.Printf("  fresh phase: the pool of %d was forwarded in %v: %.0f forwarded/s\n", packets, d.Round(time.Millisecond), float64(packets)/d.Seconds())
	}
	if sent(st) != fresh {
		failures = append(failures, fmt.Sprintf("%d fresh packets received, %d forwarded", fresh, sent(st)))
	}
	if st.Dropped[mixnode.DropReplay] != st.Received-fresh {
		failures = append(failures, fmt.Sprintf("%d replays received, %d dropped as replay", st.Received-fresh, st.Dropped[mixnode.DropReplay]))
	}
	if sendErr != nil {
		failures = append(failures, sendErr.Error())
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		failures = append(failures, "node Run: "+runErr.Error())
	}
	if err := mem.report(); err != nil {
		failures = append(failures, err.Error())
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

// processed is how many packets the node unwrapped or dropped.
func processed(st mixnode.Stats) uint64 {
	n := sent(st) + st.Delivered
	for _, d := range st.Dropped {
		n += d
	}
	return n
}

func sent(st mixnode.Stats) uint64 {
	n := st.SentOther
	for _, s := range st.Sent {
		n += s
	}
	return n
}
