// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command localnet measures the local network (internal/localnet) in this
// process: how fast it is ready, and how long a message takes from one
// client's local API to the other's.
//
// Usage:
//
//	go run ./bench/localnet [-bench ready,latency] [flags]
//
// ready: starts the default in-process network (3 layers of 2 mix nodes,
// 2 gateways, 2 clients) -runs times and reports the median (and min, max)
// time from Run to Deps.Ready, which includes the settle time after the
// last node joins the topology (every node refetches it). Target: 5 s.
//
// latency: for each mean in -real-means, starts a network with zero mixing
// delay (hop_delay "0s"), the clients' real-traffic stream at that mean and
// no separate loop-cover stream, then sends -messages small messages
// (-size bytes) from client-1 to client-2 through their websocket APIs
// (clientapi.Conn), first one at a time, then with -pipeline in flight.
// Each latency runs from just before Send on client-1's API to the moment
// client-2's API hands the message over; the median, p90 and max are
// reported. Target: median at most 10 ms with zero mixing delay.
//
// A message waits for its client's next real-stream tick (exponential,
// mean RealMean) before it leaves, so the default 20 ms mean alone makes
// the median about 14 ms (ln 2 x 20 ms); -real-means shows the effect.
// A shorter mean costs CPU at both clients whether or not they have
// anything to send (an idle tick sends loop cover).
//
// -cpuprofile writes a CPU profile of the whole run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

func main() {
	benches := flag.String("bench", "ready,latency", "comma-separated benchmarks to run: ready, latency")
	runs := flag.Int("runs", 5, "ready: networks to start (the median is reported)")
	means := flag.String("real-means", "20ms,5ms,2ms,1ms", "latency: comma-separated real-traffic stream mean gaps, one network each")
	messages := flag.Int("messages", 200, "latency: messages per phase")
	size := flag.Int("size", 100, "latency: message size in bytes")
	pipeline := flag.Int("pipeline", 4, "latency: messages in flight in the pipelined phase")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process to this file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	fmt.Printf("# bench/localnet: %s, GOMAXPROCS %d, %s\n", runtime.Version(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339))
	for _, b := range strings.Split(*benches, ",") {
		var err error
		switch strings.TrimSpace(b) {
		case "ready":
			err = benchReady(ctx, *runs)
		case "latency":
			var ms []time.Duration
			for _, s := range strings.Split(*means, ",") {
				d, perr := time.ParseDuration(strings.TrimSpace(s))
				if perr != nil || d <= 0 {
					log.Fatalf("-real-means: %q is not a positive duration", s)
				}
				ms = append(ms, d)
			}
			err = benchLatency(ctx, ms, *messages, *size, *pipeline)
		default:
			err = fmt.Errorf("unknown benchmark %q (ready, latency)", b)
		}
		if err != nil {
			log.Print(err)
			return // deferred profile stop
		}
	}
}

// summary is the median, p90 and extremes of a sample.
type summary struct {
	n                     int
	min, median, p90, max time.Duration
}

func summarize(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{n: len(s), min: s[0], median: med, p90: at(0.9), max: s[len(s)-1]}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
