// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command load runs long load tests of two components in this process and
// reports whether they hold up: no unexpected error, no crash, memory
// bounded, drops counted by reason.
//
//   - directory: the real internal/directory server on 127.0.0.1:0 with
//     signed presence required (as in production). -nodes simulated nodes
//     (9 in 10 mix nodes spread over 3 layers, the rest gateways), each
//     with its own Ed25519 identity, re-announce signed presence every 2 s;
//     the mix nodes post a metrics report every 1 s (the intervals of
//     internal/announce). -readers goroutines loop GET
//     /api/presence/topology (plain, gzip, If-None-Match, If-None-Match +
//     gzip) and one /ws subscriber reads the metric stream. Reported:
//     requests/s, statuses and p50/p99 latency per kind, heap, RSS and
//     goroutines sampled every second.
//   - mixnode: one internal/mixnode node on a loopback listener, routing
//     to a sink next hop with zero delays, fed at saturation by -senders
//     connections. -packets distinct Sphinx packets are built before the
//     run (on every core); once each has been sent the senders start the
//     pool again, so from then on the node unwraps replays, which it must
//     drop and count as replay. Reported: processed/s, forwarded/s, drops
//     by reason from Stats, heap, RSS and goroutines.
//
// The load generator runs in the same process as the measured component,
// so the heap and goroutine figures (runtime/metrics, process-wide) and the
// RSS (/proc/self/status) include the generator's: its state is bounded
// (latency histograms, a fixed packet pool), so growth of either is the
// component's. Usage:
//
//	go run ./bench/load [-run directory|mixnode|all] [-duration 60s] [-nodes 1000] [-readers 16] [-packets 300000] [-senders 4]
//
// It exits with status 1 on any unexpected error (a status other than
// 2xx/304, a transport error, a dropped /ws subscriber, a mix node drop
// other than replay, a lost packet) or when the heap grows over the last
// half of the run.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	which := flag.String("run", "all", "what to load: directory, mixnode or all")
	duration := flag.Duration("duration", 60*time.Second, "length of each run")
	nodes := flag.Int("nodes", 1000, "directory: simulated nodes")
	readers := flag.Int("readers", 16, "directory: topology reader goroutines")
	packets := flag.Int("packets", 300000, "mixnode: distinct packets built before the run")
	senders := flag.Int("senders", 4, "mixnode: sender connections")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Printf("uptime: %s", uptime())
	var failed []string
	if *which == "directory" || *which == "all" {
		if err := runDirectory(ctx, *duration, *nodes, *readers); err != nil {
			failed = append(failed, "directory: "+err.Error())
		}
	}
	if *which == "mixnode" || *which == "all" {
		if err := runMixnode(ctx, *duration, *packets, *senders); err != nil {
			failed = append(failed, "mixnode: "+err.Error())
		}
	}
	if *which != "directory" && *which != "mixnode" && *which != "all" {
		failed = append(failed, fmt.Sprintf("-run %q: want directory, mixnode or all", *which))
	}
	fmt.Printf("uptime: %s", uptime())
	if len(failed) > 0 {
		for _, f := range failed {
			fmt.Fprintln(os.Stderr, "FAIL", f)
		}
		os.Exit(1)
	}
	fmt.Println("PASS")
}

func uptime() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return "load average " + string(b)
}

// hist is a latency histogram with buckets 5% wide, from 1 µs up; it is
// safe for concurrent use and its size does not depend on the count.
type hist struct {
	buckets [400]atomic.Uint64
	n       atomic.Uint64
}

var logStep = math.Log(1.05)

func (h *hist) add(d time.Duration) {
	us := float64(d) / float64(time.Microsecond)
	i := 0
	if us > 1 {
		i = int(math.Log(us) / logStep)
	}
	i = min(i, len(h.buckets)-1)
	h.buckets[i].Add(1)
	h.n.Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *hist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(n)))
	var c uint64
	for i := range h.buckets {
		c += h.buckets[i].Load()
		if c >= want {
			return time.Duration(math.Pow(1.05, float64(i+1)) * float64(time.Microsecond))
		}
	}
	return time.Duration(math.Pow(1.05, float64(len(h.buckets))) * float64(time.Microsecond))
}

// sample is one reading of the process's memory and goroutines.
type sample struct {
	at         time.Duration
	heapLive   uint64 // /gc/heap/live:bytes, the heap marked live by the last GC
	heapObj    uint64 // /memory/classes/heap/objects:bytes, live + not yet swept
	rss        uint64
	goroutines uint64
}

// sampler records a sample every second until ctx ends.
type sampler struct {
	mu      sync.Mutex
	samples []sample
	done    chan struct{}
}

func startSampler(ctx context.Context) *sampler {
	s := &sampler{done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sm := read()
				sm.at = time.Since(start)
				s.mu.Lock()
				s.samples = append(s.samples, sm)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

func read() sample {
	ms := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/sched/goroutines:goroutines"},
	}
	metrics.Read(ms)
	return sample{
		heapLive:   ms[0].Value.Uint64(),
		heapObj:    ms[1].Value.Uint64(),
		goroutines: ms[2].Value.Uint64(),
		rss:        rss(),
	}
}

// rss is this process's VmRSS in bytes (0 if unknown).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

const mib = 1 << 20

// report prints the memory summary and returns an error if the live heap
// grew over the second half of the run: the largest live heap of the last
// quarter must not exceed that of the quarter before by more than 10% plus
// 8 MiB. It also prints the least-squares slope of the live heap over the
// second half.
func (s *sampler) report() error {
	<-s.done
	s.mu.Lock()
	ss := s.samples
	s.mu.Unlock()
	if len(ss) < 8 {
		return fmt.Errorf("only %d memory samples: run for at least 8 s", len(ss))
	}
	var mx sample
	for _, x := range ss {
		mx.heapLive = max(mx.heapLive, x.heapLive)
		mx.heapObj = max(mx.heapObj, x.heapObj)
		mx.rss = max(mx.rss, x.rss)
		mx.goroutines = max(mx.goroutines, x.goroutines)
	}
	end := ss[len(ss)-1]
	fmt.Printf("  memory (whole process, sampled every 1 s, %d samples):\n", len(ss))
	fmt.Printf("    live heap   max %7.1f MiB  end %7.1f MiB\n", float64(mx.heapLive)/mib, float64(end.heapLive)/mib)
	fmt.Printf("    heap objs   max %7.1f MiB  end %7.1f MiB\n", float64(mx.heapObj)/mib, float64(end.heapObj)/mib)
	fmt.Printf("    RSS         max %7.1f MiB  end %7.1f MiB\n", float64(mx.rss)/mib, float64(end.rss)/mib)
	fmt.Printf("    goroutines  max %7d      end %7d\n", mx.goroutines, end.goroutines)
	half := ss[len(ss)/2:]
	fmt.Printf("    live heap slope over the last %d s: %+.2f MiB/min; RSS %+.2f MiB/min; goroutines %+.1f/min\n",
		len(half), slope(half, func(x sample) float64 { return float64(x.heapLive) / mib }),
		slope(half, func(x sample) float64 { return float64(x.rss) / mib }),
		slope(half, func(x sample) float64 { return float64(x.goroutines) }))
	q := len(ss) / 4
	prev, last := ss[len(ss)-2*q:len(ss)-q], ss[len(ss)-q:]
	var mPrev, mLast, gPrev, gLast uint64
	for _, x := range prev {
		mPrev = max(mPrev, x.heapLive)
		gPrev = max(gPrev, x.goroutines)
	}
	for _, x := range last {
		mLast = max(mLast, x.heapLive)
		gLast = max(gLast, x.goroutines)
	}
	fmt.Printf("    max live heap, quarter before last %.1f MiB, last quarter %.1f MiB\n", float64(mPrev)/mib, float64(mLast)/mib)
	if float64(mLast) > 1.1*float64(mPrev)+8*mib {
		return fmt.Errorf("live heap grew over the last half of the run: %.1f → %.1f MiB", float64(mPrev)/mib, float64(mLast)/mib)
	}
	if float64(gLast) > 1.1*float64(gPrev)+16 {
		return fmt.Errorf("goroutines grew over the last half of the run: %d → %d", gPrev, gLast)
	}
	return nil
}

// slope is the least-squares slope of f over ss, per minute.
func slope(ss []sample, f func(sample) float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(ss))
	for _, x := range ss {
		t, y := x.at.Minutes(), f(x)
		sx += t
		sy += y
		sxx += t * t
		sxy += t * y
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// sortedKeys returns m's keys in order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// settle lets the runtime return what the previous run used, so that runs
// in one process do not see each other's garbage.
func settle() {
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
}
