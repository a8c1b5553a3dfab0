// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command mixnode measures one mix node (internal/mixnode) over loopback
// TCP, with the load generator and the receiving sink in the same process
// on the same machine:
//
//  1. Throughput: packets routed node → sink with zero delays are written
//     as fast as possible over two connections; the figure is the rate at
//     which the sink receives them between the 10th and the 90th
//     percentile of arrivals.
//  2. Latency: packets are sent over one connection paced at -rate
//     packets/s; the figure is the time from writing a packet to the sink
//     reading it (delays are zero, so all of it is time in the node and on
//     loopback), as p50/p99/p99.9.
//  3. Idle RSS: the program runs itself with -child, which starts a node
//     with the default configuration, leaves it idle for -idle and prints
//     its VmRSS.
//
// Packets are built (and unwrapped once, to recognise them at the sink)
// before any timing starts, on every core. Usage:
//
//	go run ./bench/mixnode [-packets 45000] [-rate 5000] [-duration 4s]
//
// The whole run takes well under two minutes and touches only loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

func main() {
	child := flag.Bool("child", false, "run an idle node and print its RSS (used by the RSS phase)")
	idle := flag.Duration("idle", 3*time.Second, "how long the RSS phase's node stays idle")
	packets := flag.Int("packets", 45000, "packets in the throughput phase")
	rate := flag.Int("rate", 5000, "packets/s in the latency phase")
	duration := flag.Duration("duration", 4*time.Second, "length of the latency phase")
	base := flag.Bool("baseline", false, "measure the control relay (see baseline.go) instead of the node")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the throughput and latency phases to this file")
	flag.Parse()
	var err error
	if *cpuprofile != "" {
		profile = *cpuprofile
	}
	if *child {
		err = runChild(*idle)
	} else {
		err = run(*packets, *rate, *duration, *idle, *base)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mixnode bench:", err)
		os.Exit(1)
	}
}

// profile is the -cpuprofile file.
var profile string

// sink counts the frames the node forwards and records when each arrived,
// in nanoseconds since base on the monotonic clock.
type sink struct {
	ln      net.Listener
	base    time.Time
	w       *workload
	arrived []atomic.Int64 // by packet index; 0 = not yet
	count   atomic.Int64
	unknown atomic.Int64
	wg      sync.WaitGroup
}

func (s *sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() {
			defer c.Close()
			r := wire.NewReader(c)
			buf := make([]byte, sphinx.Extended.PacketSize())
			for {
				f, err := r.ReadFrame(buf)
				if err != nil {
					return
				}
				now := time.Since(s.base).Nanoseconds()
				i, ok := s.w.index[[sphinx.GroupElementSize]byte(f.Packet)]
				if !ok {
					s.unknown.Add(1)
					continue
				}
				s.arrived[i].Store(now)
				s.count.Add(1)
			}
		})
	}
}

// waitCount waits until the sink has n packets, or no new one arrives for
// 5 s.
func (s *sink) waitCount(n int64) {
	last, lastAt := s.count.Load(), time.Now()
	for c := s.count.Load(); c < n; c = s.count.Load() {
		if c != last {
			last, lastAt = c, time.Now()
		} else if time.Since(lastAt) > 5*time.Second {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func run(nTput, rate int, duration, idle time.Duration, base bool) error {
	fmt.Printf("load before: %s", loadavg())
	nodeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sinkLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	key, err := sphinx.GenerateKey(fixedRand{})
	if err != nil {
		return err
	}
	nLat := int(duration.Seconds() * float64(rate))
	genStart := time.Now()
	nodeAddr, err := addrOf(nodeLn)
	if err != nil {
		return err
	}
	sinkAddr, err := addrOf(sinkLn)
	if err != nil {
		return err
	}
	w, err := generate(key, nodeAddr, sinkAddr, nTput+nLat)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d packets in %v\n", nTput+nLat, time.Since(genStart).Round(time.Millisecond))

	s := &sink{ln: sinkLn, base: time.Now(), w: w, arrived: make([]atomic.Int64, len(w.pkts))}
	go s.serve()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var node *mixnode.Node
	runDone := make(chan error, 1)
	if base {
		if _, err := startBaseline(ctx, nodeLn, key, sinkLn.Addr().String()); err != nil {
			return err
		}
		close(runDone)
	} else {
		node, err = mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: nodeLn, Dialer: wire.TCPDialer{}})
		if err != nil {
			return err
		}
		go func() { runDone <- node.Run(ctx) }()
	}

	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	tput, err := throughput(s, nodeLn.Addr().String(), w.pkts[:nTput])
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&ms1)
	allocs := float64(ms1.Mallocs-ms0.Mallocs) / float64(nTput)
	lat, lost, err := latency(s, nodeLn.Addr().String(), w.pkts[nTput:], nTput, rate)
	if err != nil {
		return err
	}
	var st mixnode.Stats
	if node != nil {
		st = node.Stats()
	}
	cancel()
	if err := <-runDone; err != nil {
		return err
	}
	sinkLn.Close()
	s.wg.Wait()
	rss, err := childRSS(idle)
	if err != nil {
		return err
	}

	fmt.Printf("throughput: %.0f packets/s forwarded (%d packets over 2 connections, window p10..p90 of arrivals); %.2f allocations/packet in the whole process\n", tput, nTput, allocs)
	fmt.Printf("latency at %d packets/s for %v: p50 %v  p99 %v  p99.9 %v  max %v  (%d sent, %d lost)\n",
		rate, duration, pct(lat, 0.50), pct(lat, 0.99), pct(lat, 0.999), pct(lat, 1), nLat, lost)
	fmt.Printf("idle RSS: %.1f MiB (child process, default config, idle %v)\n", float64(rss)/1024, idle)
	fmt.Printf("node: received %d, sent %v, dropped %v; sink: %d unknown frames\n", st.Received, st.Sent, nonZero(st.Dropped), s.unknown.Load())
	fmt.Printf("load after: %s", loadavg())
	return nil
}

// throughput writes pkts as fast as possible over two connections and
// returns the sink's receive rate between the 10th and 90th percentiles.
func throughput(s *sink, addr string, pkts [][]byte) (float64, error) {
	const conns = 2
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		wg.Go(func() {
			w := wire.NewWriter(conn)
			for i := c; i < len(pkts); i += conns {
				if err := w.WriteFrame(sphinx.Regular, pkts[i]); err != nil {
					errs <- err
					return
				}
			}
			if err := w.Flush(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	s.waitCount(int64(len(pkts)))
	var at []int64
	for i := range pkts {
		if t := s.arrived[i].Load(); t != 0 {
			at = append(at, t)
		}
	}
	if len(at) < 10 {
		return 0, fmt.Errorf("only %d of %d packets arrived", len(at), len(pkts))
	}
	slices.Sort(at)
	lo, hi := len(at)/10, len(at)*9/10
	return float64(hi-lo) / (time.Duration(at[hi] - at[lo]).Seconds()), nil
}

// latency sends pkts (indices from first on) paced at rate over one
// connection and returns each arrived packet's time from write to arrival,
// sorted, and how many did not arrive.
func latency(s *sink, addr string, pkts [][]byte, first, rate int) ([]time.Duration, int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	w := wire.NewWriter(conn)
	sent := make([]int64, len(pkts))
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < len(pkts); {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		// Send every packet that is due, then flush.
		for due := time.Since(start); i < len(pkts) && time.Duration(i)*interval <= due; i++ {
			sent[i] = time.Since(s.base).Nanoseconds()
			if err := w.WriteFrame(sphinx.Regular, pkts[i]); err != nil {
				return nil, 0, err
			}
		}
		if err := w.Flush(); err != nil {
			return nil, 0, err
		}
	}
	s.waitCount(int64(first + len(pkts)))
	var lat []time.Duration
	for i := range pkts {
		if t := s.arrived[first+i].Load(); t != 0 {
			lat = append(lat, time.Duration(t-sent[i]))
		}
	}
	slices.Sort(lat)
	return lat, len(pkts) - len(lat), nil
}

// pct returns the p-quantile of sorted durations, rounded to a microsecond.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(p*float64(len(sorted))), len(sorted)-1)
	return sorted[i].Round(time.Microsecond)
}

func addrOf(ln net.Listener) (sphinx.NodeAddress, error) {
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		return sphinx.NodeAddress{}, fmt.Errorf("listener address: %w", err)
	}
	return sphinx.NodeAddressFromAddrPort(ap)
}

func nonZero(m map[mixnode.DropReason]uint64) map[mixnode.DropReason]uint64 {
	out := map[mixnode.DropReason]uint64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ") + " (1, 5, 15 min)\n"
}
