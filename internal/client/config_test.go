// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/topology"
)

func validArgs(t *testing.T) (Config, Deps) {
	t.Helper()
	gwPub, _, _ := ed25519.GenerateKey(rand.Reader)
	_, id, _ := ed25519.GenerateKey(rand.Reader)
	enc, _, err := e2e.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Gateway: gwPub}, Deps{Identity: id, Encryption: enc, AckKey: [32]byte{1},
		Topology: func() *topology.Topology { return nil }}
}

func TestNewChecks(t *testing.T) {
	for name, mod := range map[string]func(*Config, *Deps){
		"no gateway":  func(c *Config, d *Deps) { c.Gateway = nil },
		"no identity": func(c *Config, d *Deps) { d.Identity = nil },
		"no enc key":  func(c *Config, d *Deps) { d.Encryption = [32]byte{} },
		"no ack key":  func(c *Config, d *Deps) { d.AckKey = [32]byte{} },
		"no topology": func(c *Config, d *Deps) { d.Topology = nil },
	} {
		cfg, deps := validArgs(t)
		mod(&cfg, &deps)
		if _, err := New(cfg, deps); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	cfg, deps := validArgs(t)
	c, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Address()
	if a.Encryption != e2e.PublicKey(deps.Encryption) || string(a.Gateway[:]) != string(cfg.Gateway) {
		t.Fatalf("address %v does not match the keys", a)
	}
}

// TestSendChecks: oversized messages and missing topologies are refused
// without queuing anything.
func TestSendChecks(t *testing.T) {
	cfg, deps := validArgs(t)
	cfg.MaxMessage = 100
	c, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Send(ctx, address.Address{}, make([]byte, 101), false); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized Send = %v", err)
	}
	if _, err := c.Send(ctx, address.Address{}, []byte("x"), true); !errors.Is(err, ErrNoTopology) {
		t.Fatalf("Send with a SURB and no topology = %v", err)
	}
	if err := c.Reply(ctx, nil, []byte("x")); err == nil {
		t.Fatal("Reply without a SURB accepted")
	}
	if len(c.queue) != 0 || c.replies.Len() != 0 {
		t.Fatalf("queued %d items, %d reply keys", len(c.queue), c.replies.Len())
	}
}
