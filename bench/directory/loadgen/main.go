// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command loadgen drives a running nym-directory for bench/directory/run.sh.
//
//	loadgen announce  -url U -nodes N [-first F] [-signed]   announce mix nodes F..F+N-1 once
//	loadgen refresh   -url U -nodes N [-signed] -every 2s     re-announce them until killed
//	loadgen post-rate -url U -nodes N -conns 2 -duration 10s  signed POSTs/s (bodies signed beforehand)
//	loadgen get-rate  -url U -conns 2 -duration 10s [-gzip] [-etag T]  topology GETs/s (when wrk is missing)
//	loadgen static    -file F                                 baseline: serve F's bytes from memory on
//	                                                          127.0.0.1:<free port> (prints the URL) until killed
//
// Node i's keys are derived from i, so runs are repeatable and a signed
// node keeps its identity across commands.
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen announce|refresh|post-rate|get-rate [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "directory base URL")
	nodes := fs.Int("nodes", 1000, "number of mix nodes")
	first := fs.Int("first", 0, "number of the first node")
	sign := fs.Bool("signed", false, "sign announcements")
	every := fs.Duration("every", 2*time.Second, "refresh: announcement period")
	conns := fs.Int("conns", 2, "concurrent keep-alive connections")
	duration := fs.Duration("duration", 10*time.Second, "rate measurements: how long")
	gz := fs.Bool("gzip", false, "get-rate: ask for gzip")
	etag := fs.String("etag", "", "get-rate: send If-None-Match")
	file := fs.String("file", "", "static: the file to serve")
	fs.Parse(os.Args[2:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns}, Timeout: 30 * time.Second}
	g := &gen{url: *url, hc: hc}
	var err error
	switch os.Args[1] {
	case "announce":
		err = g.announceAll(*first, *nodes, *sign, *conns)
	case "refresh":
		for err == nil && ctx.Err() == nil {
			start := time.Now()
			err = g.announceAll(*first, *nodes, *sign, *conns)
			select {
			case <-ctx.Done():
			case <-time.After(*every - time.Since(start)):
			}
		}
	case "post-rate":
		err = g.postRate(ctx, *nodes, *conns, *duration)
	case "get-rate":
		err = g.getRate(ctx, *conns, *duration, *gz, *etag)
	case "static":
		err = static(ctx, *file)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type gen struct {
	url string
	hc  *http.Client
}

func key(i int) ed25519.PrivateKey {
	s := sha256.Sum256(fmt.Appendf(nil, "identity %d", i))
	return ed25519.NewKeyFromSeed(s[:])
}

// node returns mix node i's announcement, signed at t if sign.
func node(i int, sign bool, t time.Time) []byte {
	pk := sha256.Sum256(fmt.Appendf(nil, "sphinx %d", i))
	p := &dirapi.MixNodePresence{
		Host:     fmt.Sprintf("10.%d.%d.%d:1789", i>>16&255, i>>8&255, i&255),
		PubKey:   base58.Encode(pk[:]),
		Version:  "0.5.0",
		Location: "Earth",
		Layer:    uint64(1 + i%3),
	}
	if sign {
		dirapi.Sign(p, key(i), t)
	}
	b, _ := json.Marshal(p) // always encodes
	return b
}

func (g *gen) post(body []byte) error {
	resp, err := g.hc.Post(g.url+dirapi.PathPresenceMixNodes, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST: %d %s", resp.StatusCode, b)
	}
	return nil
}

// announceAll announces nodes first..first+n-1 over conns connections.
func (g *gen) announceAll(first, n int, sign bool, conns int) error {
	var next atomic.Int64
	next.Store(int64(first))
	errs := make(chan error, conns)
	for range conns {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= first+n {
					errs <- nil
					return
				}
				if err := g.post(node(i, sign, time.Now())); err != nil {
					errs <- fmt.Errorf("node %d: %w", i, err)
					return
				}
			}
		}()
	}
	var firstErr error
	for range conns {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// postRate signs re-announcements of n nodes beforehand (enough for the
// duration at 20,000/s), then posts them as fast as conns connections allow.
func (g *gen) postRate(ctx context.Context, n, conns int, d time.Duration) error {
	const maxRate = 20_000
	bodies := make([][]byte, int(d.Seconds()*maxRate))
	start := time.Now()
	for i := range bodies {
		// Distinct, growing timestamps per node: the directory refuses replays.
		bodies[i] = node(i%n, true, start.Add(time.Duration(i)))
	}
	fmt.Fprintf(os.Stderr, "signed %d bodies in %v\n", len(bodies), time.Since(start).Round(time.Millisecond))
	var next, done atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Value
	t0 := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if int(i) >= len(bodies) {
					return
				}
				if err := g.post(bodies[i]); err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	el := time.Since(t0)
	fmt.Printf("signed POSTs/s: %.0f (%d in %v over %d connections)\n", float64(done.Load())/el.Seconds(), done.Load(), el.Round(time.Millisecond), conns)
	return nil
}

// getRate GETs the topology as fast as conns connections allow.
func (g *gen) getRate(ctx context.Context, conns int, d time.Duration, gz bool, etag string) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, g.url+dirapi.PathTopology, nil)
			if gz {
				req.Header.Set("Accept-Encoding", "gzip") // set by hand: the body stays compressed
			}
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			for ctx.Err() == nil {
				resp, err := g.hc.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	fmt.Printf("topology GETs/s: %.0f\n", float64(done.Load())/el.Seconds())
	return nil
}

// static serves one file's bytes from memory to every request: the
// baseline a topology GET cannot beat on this machine.
func static(ctx context.Context, file string) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	length := strconv.Itoa(len(body))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
