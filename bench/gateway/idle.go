// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/sphinx"
)

// idleChild runs a gateway over a bbolt inbox on a loopback port, prints
// "ADDR IDENTITY-HEX" and serves until its stdin closes.
func idleChild() {
	gw, _, id, done, err := newGateway(func(sphinx.NodeAddress, sphinx.SizeType, []byte) error { return nil })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer done()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Printf("%s %s\n", ln.Addr(), hex.EncodeToString(id.Public().(ed25519.PublicKey)))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// idleRSS starts a gateway process, connects n clients to it and reads the
// process's VmRSS once they are all connected and idle.
func idleRSS(n int) (string, error) {
	cmd := exec.Command(os.Args[0], "-idle-child")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("gateway process: %w", err)
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		return "", fmt.Errorf("gateway process said %q", line)
	}
	gwPub, err := hex.DecodeString(f[1])
	if err != nil {
		return "", err
	}
	before, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := make([]*gwclient.Client, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range clients {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, cid, _ := ed25519.GenerateKey(nil)
			c, err := gwclient.Dial(ctx, "ws://"+f[0], cid, gwPub, new(gwclient.MemKeys), nil)
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	select {
	case err := <-errs:
		return "", err
	default:
	}
	time.Sleep(2 * time.Second) // let the sessions settle (idle, as measured)
	after, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d idle connected clients: gateway VmRSS %.1f MB (%.1f MB before they connected, %.1f KB per client)",
		n, float64(after)/1e6, float64(before)/1e6, float64(after-before)/float64(n)/1e3), nil
}

// vmRSS reads a process's resident set size in bytes from /proc.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
