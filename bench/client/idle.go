// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/topology"
)

// idle runs the network here and one default-rate client in a child
// process for d, and prints the child's CPU use.
func idle(ctx context.Context, d time.Duration) error {
	n, err := startNetwork(ctx)
	if err != nil {
		return err
	}
	defer n.Close()
	dir, err := os.MkdirTemp("", "bench-client-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	topoFile := filepath.Join(dir, "topology.json")
	b, err := json.Marshal(&n.dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(topoFile, b, 0o600); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	before := n.gws[0].Stats().ClientPackets
	cmd := exec.CommandContext(ctx, exe, "-child-idle", topoFile, "-child-gateway", hex.EncodeToString(n.ids[0]),
		"-idle-for", d.String())
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	log.Printf("idle: one client at default rates in a child process for %v", d)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return fmt.Errorf("no rusage for the child on this system")
	}
	user := time.Duration(ru.Utime.Nano())
	sys := time.Duration(ru.Stime.Nano())
	pct := 100 * float64(user+sys) / float64(wall)
	pkts := n.gws[0].Stats().ClientPackets - before
	verdict := "meets"
	if pct > 5 {
		verdict = "MISSES"
	}
	fmt.Printf("idle: client CPU %.2f%% of one core (user %v + system %v over %v wall, %d packets sent, %.1f/s); %s the 5%% target\n",
		pct, user.Round(time.Millisecond), sys.Round(time.Millisecond), wall.Round(time.Millisecond), pkts,
		float64(pkts)/wall.Seconds(), verdict)
	return nil
}

// runIdleChild is the child: a client with default configuration at the
// given gateway of the topology in topoFile, idle for d.
func runIdleChild(ctx context.Context, topoFile, gwHex string, d time.Duration) error {
	b, err := os.ReadFile(topoFile)
	if err != nil {
		return err
	}
	var dir dirapi.Topology
	if err := json.Unmarshal(b, &dir); err != nil {
		return err
	}
	top, rep := topology.FromDirectory(&dir, topology.Options{})
	if len(rep.Skipped) > 0 {
		return fmt.Errorf("topology skipped %+v", rep.Skipped)
	}
	gw, err := hex.DecodeString(gwHex)
	if err != nil || len(gw) != ed25519.PublicKeySize {
		return fmt.Errorf("bad gateway identity %q", gwHex)
	}
	_, id, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	enc, _, err := e2e.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	var ackKey [32]byte
	if _, err := rand.Read(ackKey[:]); err != nil {
		return err
	}
	c, err := client.New(client.Config{Gateway: gw}, client.Deps{Identity: id, Encryption: enc, AckKey: ackKey,
		Topology: func() *topology.Topology { return top }})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_ = c.Run(ctx)
	return nil
}
