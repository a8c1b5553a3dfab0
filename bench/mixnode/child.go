// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// runChild starts a node with the default configuration on loopback, lets
// it sit idle for idle, and prints its VmRSS in KiB as "rss_kib N".
func runChild(idle time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	key, err := sphinx.GenerateKey(fixedRand{})
	if err != nil {
		return err
	}
	n, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: wire.TCPDialer{}})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), idle)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-ctx.Done()
	rss, err := vmRSS()
	if err != nil {
		return err
	}
	<-done
	fmt.Printf("rss_kib %d\n", rss)
	return nil
}

// childRSS runs this program with -child and returns the idle node's RSS
// in KiB.
func childRSS(idle time.Duration) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	out, err := exec.Command(exe, "-child", "-idle", idle.String()).Output()
	if err != nil {
		return 0, fmt.Errorf("child: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 || f[0] != "rss_kib" {
		return 0, fmt.Errorf("child printed %q", out)
	}
	return strconv.Atoi(f[1])
}

// vmRSS reads this process's resident set size in KiB.
func vmRSS() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}

// fixedRand is a constant byte source, for a key that need not be secret.
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i) + 7
	}
	return len(p), nil
}
