// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command client benchmarks the client core (internal/client) on a mixnet of
// three mix layers and two gateways that it runs on loopback TCP in its own
// process.
//
// Usage:
//
//	go run ./bench/client [-bench throughput,idle] [flags]
//
// throughput: two clients, A at the first gateway and B at the second, with
// zero mixing delays (a 1 ns mean) and a fast real-traffic stream for A
// (-real-mean, 1 ms: at most about 1.55 MB/s of payload; B, which only receives, keeps the default 20 ms,
// -recv-real-mean, since its cover only takes CPU from the rest); A sends -mib MiB to B as -msg-kib KiB messages. Each
// of -runs runs reports the payload rate, from the first Send until B has
// every message intact; the median is the figure (MB = 10^6 bytes). Target:
// at least 1 MB/s. -cpuprofile writes a CPU profile of the whole process.
// Each run also prints the packets the nodes dropped so far (BENCH_DEBUG=1
// adds every node's queue lengths). Everything (3 mixes, 2 gateways, 2
// clients) shares the machine's cores: when A offers more packets than the
// nodes can unwrap, the gateway's forward queue to layer 1 fills, packets
// are dropped and retransmitted, and the rate falls: on 2 cores that happens
// at -real-mean 500us (about 2 real packets per ms, each costing about
// 1.3 ms of CPU across client and nodes), hence the 1 ms default.
// -ack-margin tolerates a loaded machine.
//
// idle: one client at the default rates (real stream 20 ms, loop cover
// 200 ms, hop delay 50 ms) runs for -idle-for (30 s) with nothing to send.
// It runs alone in a child process (this binary re-executed with a hidden
// flag) while the network runs here; its CPU time (user + system, from
// wait4's rusage, start-up included) over the wall time is the figure, as a
// percentage of one core. Target: at most 5%.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"

	"time"

	"github.com/nym-go/nym/internal/cover"
)

func main() {
	benches := flag.String("bench", "throughput,idle", "comma-separated benchmarks to run: throughput, idle")
	mib := flag.Int("mib", 8, "throughput: MiB to send")
	msgKiB := flag.Int("msg-kib", 64, "throughput: message size in KiB")
	runs := flag.Int("runs", 5, "throughput: runs (the median is reported)")
	realMean := flag.Duration("real-mean", time.Millisecond, "throughput: the sender's real-traffic stream mean gap")
	ackMargin := flag.Duration("ack-margin", 0, "throughput: the clients' AckMargin (0: the default, 1.5 s)")
	recvMean := flag.Duration("recv-real-mean", cover.DefaultRealMean, "throughput: the receiver's real-traffic stream mean gap")
	idleFor := flag.Duration("idle-for", 30*time.Second, "idle: how long the idle client runs")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (throughput) to this file")
	child := flag.String("child-idle", "", "internal: run the idle client against the topology in this file")
	childGW := flag.String("child-gateway", "", "internal: the idle client's gateway identity (hex)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *child != "" {
		if err := runIdleChild(ctx, *child, *childGW, *idleFor); err != nil {
			log.Fatalf("idle child: %v", err)
		}
		return
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	for _, b := range strings.Split(*benches, ",") {
		var err error
		switch strings.TrimSpace(b) {
		case "throughput":
			err = throughput(ctx, *mib<<20, *msgKiB<<10, *runs, *realMean, *recvMean, *ackMargin)
		case "idle":
			err = idle(ctx, *idleFor)
		default:
			err = fmt.Errorf("unknown benchmark %q", b)
		}
		if err != nil {
			log.Printf("%s: %v", b, err)
			stop()
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}
