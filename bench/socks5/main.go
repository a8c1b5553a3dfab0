// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command socks5 measures the SOCKS5 proxy of the local network
// (internal/localnet: nym-socks5-client → 3 mix layers → gateway-1's
// network requester → an HTTP server on 127.0.0.1), all in this process.
//
// Usage:
//
//	go run ./bench/socks5 [-scenarios fast,default] [flags]
//
// For each scenario it starts a network (no native clients, no monitor),
// then through the proxy (socks5e2e.Dial, a plain SOCKS5 client):
//
//   - throughput: -runs downloads of -size MiB, one at a time, each timed
//     from the SOCKS connect to the last byte; the median is reported (and
//     min, max). Target with zero mixing delays: at least 1 MB/s.
//   - first byte: -requests small requests, one at a time, each on a new
//     connection: the SOCKS connect (the Open's round trip to the exit),
//     and the time from the start of the connect to the first byte of the
//     response (median and p90). Target with zero mixing delays: 100 ms.
//
// Scenarios:
//
//   - fast: zero mixing delays (hop_delay "0s"), no loop-cover stream, the
//     proxy's real-traffic stream at -real-mean and the exit's at
//     -exit-real-mean. The exit sends one reply packet (about 2 KB of
//     payload) per tick of its stream, so -exit-real-mean bounds the
//     download rate: 1 ms is at most about 2 MB/s.
//   - default: what a user sees with the defaults: 50 ms mixing delay per
//     hop (about 200 ms each way over 4 hops), the client's 20 ms streams
//     with loop cover, and the exit requester's default 5 ms stream
//     (-default-size MiB downloads; -default-real-mean changes the
//     proxy's stream to see whether its upload of SURBs is the limit).
//
// -cpuprofile writes a CPU profile of the whole run (every node and the
// proxy run in this process).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/socks5e2e"
)

// options are the command's flags.
type options struct {
	runs, requests         int
	size, defaultSize      int
	realMean, exitRealMean time.Duration
	defaultRealMean        time.Duration
}

func main() {
	scenarios := flag.String("scenarios", "fast,default", "comma-separated scenarios: fast, default")
	var o options
	flag.IntVar(&o.runs, "runs", 3, "downloads per scenario (the median is reported)")
	flag.IntVar(&o.size, "size", 10, "fast: download size in MiB")
	flag.IntVar(&o.defaultSize, "default-size", 2, "default: download size in MiB")
	flag.IntVar(&o.requests, "requests", 20, "small requests for the first-byte time")
	flag.DurationVar(&o.realMean, "real-mean", 2*time.Millisecond, "fast: the proxy's real-traffic stream mean gap")
	flag.DurationVar(&o.exitRealMean, "exit-real-mean", time.Millisecond, "fast: the exit requester's real-traffic stream mean gap")
	flag.DurationVar(&o.defaultRealMean, "default-real-mean", 20*time.Millisecond, "default: the proxy's real-traffic stream mean gap (the client default)")
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
		defer pprof.StopCPUProfile()
	}
	srv, err := serve()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Printf("socks5 benchmark: GOMAXPROCS=%d, %s\n", runtime.GOMAXPROCS(0), runtime.Version())
	for _, name := range strings.Split(*scenarios, ",") {
		cfg := localnet.Config{Clients: -1, NoMonitor: true, ReadyTimeout: time.Minute}
		size := o.size
		switch name {
		case "fast":
			cfg.HopDelay, cfg.LoopMean = -1, -1
			cfg.RealMean, cfg.ExitRealMean = o.realMean, o.exitRealMean
		case "default":
			cfg.HopDelay = 50 * time.Millisecond
			cfg.RealMean, cfg.ExitRealMean = o.defaultRealMean, 5*time.Millisecond
			size = o.defaultSize
		default:
			log.Fatalf("unknown scenario %q", name)
		}
		if err := run(ctx, name, cfg, srv.Addr().String(), size, o); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
	}
}

// serve runs the HTTP server the proxy fetches from: "/" a short page,
// "/bytes?n=N" N pseudo-random bytes.
func serve() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	mux.HandleFunc("GET /bytes", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		if err != nil || n < 0 || n > 1<<30 {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		io.Copy(w, io.LimitReader(mrand.NewChaCha8([32]byte{1}), n))
	})
	go http.Serve(ln, mux)
	return ln, nil
}

// run starts a network with cfg, measures, and stops it.
func run(ctx context.Context, name string, cfg localnet.Config, target string, size int, o options) error {
	ready := make(chan localnet.Info, 1)
	n, err := localnet.New(cfg, localnet.Deps{Ready: func(i localnet.Info) { ready <- i }})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	var info localnet.Info
	select {
	case info = <-ready:
	case err := <-done:
		return fmt.Errorf("network stopped before ready: %v", err)
	}
	defer func() { cancel(); <-done }()
	proxy := info.SOCKS5.Addr()
	fmt.Printf("\n%s: hop delay %v, real mean %v, exit real mean %v, loop mean %v; ready in %d ms; proxy %s\n",
		name, cfg.HopDelay, cfg.RealMean, cfg.ExitRealMean, cfg.LoopMean, info.ReadyMillis, proxy)

	// First byte: small requests on fresh connections.
	var connects, firsts []time.Duration
	for range o.requests {
		c, f, err := firstByte(ctx, proxy, target)
		if err != nil {
			return fmt.Errorf("first byte: %w", err)
		}
		connects, firsts = append(connects, c), append(firsts, f)
	}
	fmt.Printf("  SOCKS connect (open round trip): median %v, p90 %v (%d requests)\n", median(connects), p90(connects), len(connects))
	fmt.Printf("  first byte of a response:        median %v, p90 %v\n", median(firsts), p90(firsts))

	// Throughput.
	var rates []float64
	for i := range o.runs {
		took, err := download(ctx, proxy, target, int64(size)<<20)
		if err != nil {
			return fmt.Errorf("download %d: %w", i+1, err)
		}
		rate := float64(int64(size)<<20) / took.Seconds() / 1e6
		fmt.Printf("  download %d: %d MiB in %v: %.2f MB/s\n", i+1, size, took.Round(time.Millisecond), rate)
		rates = append(rates, rate)
	}
	slices.Sort(rates)
	fmt.Printf("  throughput: median %.2f MB/s (min %.2f, max %.2f)\n", rates[len(rates)/2], rates[0], rates[len(rates)-1])
	return nil
}

// firstByte opens a SOCKS connection to target, sends a GET / and returns
// the connect time and the time from the connect's start to the first
// byte of the response.
func firstByte(ctx context.Context, proxy, target string) (connect, first time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	begin := time.Now()
	conn, err := socks5e2e.Dial(ctx, proxy, target)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	connect = time.Since(begin)
	conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\nHost: bench\r\n\r\n"); err != nil {
		return 0, 0, err
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return 0, 0, err
	}
	first = time.Since(begin)
	io.Copy(io.Discard, conn)
	return connect, first, nil
}

// download fetches n bytes through the proxy and returns the time from the
// connect's start to the last byte.
func download(ctx context.Context, proxy, target string, n int64) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	hc := socks5e2e.HTTPClient(proxy)
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+target+"/bytes?n="+strconv.FormatInt(n, 10), nil)
	if err != nil {
		return 0, err
	}
	begin := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	got, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, err
	}
	if got != n {
		return 0, fmt.Errorf("got %d bytes, want %d", got, n)
	}
	return time.Since(begin), nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}

func p90(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*9+9)/10-1].Round(time.Millisecond) // the ceil(0.9 n)-th smallest
}
