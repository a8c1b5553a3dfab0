// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/sphinx"
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

// smallTopology returns a topology of one mix per layer and one gateway.
func smallTopology(t *testing.T) (*topology.Topology, topology.Gateway) {
	t.Helper()
	var dir dirapi.Topology
	key := func() string {
		k, err := sphinx.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub := k.Public()
		return base58.Encode(pub[:])
	}
	for layer := uint64(1); layer <= topology.Layers; layer++ {
		dir.MixNodes = append(dir.MixNodes, dirapi.MixNodePresence{
			Host: fmt.Sprintf("10.0.0.%d:1789", layer), PubKey: key(), Layer: layer})
	}
	gwPub, gwKey, _ := ed25519.GenerateKey(rand.Reader)
	p := dirapi.GatewayPresence{MixnetListener: "10.0.1.1:1789", ClientListener: "ws://10.0.1.1:9000", PubKey: key()}
	dirapi.Sign(&p, gwKey, time.Unix(1e9, 0))
	dir.GatewayNodes = append(dir.GatewayNodes, p)
	top, rep := topology.FromDirectory(&dir, topology.Options{})
	if len(rep.Skipped) > 0 {
		t.Fatalf("topology skipped %+v", rep.Skipped)
	}
	gw, ok := top.GatewayByIdentity(gwPub)
	if !ok {
		t.Fatal("gateway not in the topology")
	}
	return top, gw
}

// TestHopDelay: 0 takes the default mean, a negative HopDelay means every
// mix forwards at once, a positive one is the mean.
func TestHopDelay(t *testing.T) {
	top, gw := smallTopology(t)
	for _, tt := range []struct {
		name     string
		hopDelay time.Duration
		wantMean time.Duration // 0: every delay must be exactly 0
	}{
		{"zero means default", 0, cover.DefaultHopDelay},
		{"negative means none", -1, 0},
		{"positive is the mean", 3 * time.Millisecond, 3 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, deps := validArgs(t)
			cfg.HopDelay = tt.hopDelay
			deps.Rand = mrand.New(mrand.NewPCG(1, 2))
			c, err := New(cfg, deps)
			if err != nil {
				t.Fatal(err)
			}
			const routes = 2000
			var sum time.Duration
			for range routes {
				c.mu.Lock()
				route, total, err := c.routeVia(top, gw)
				c.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
				var s time.Duration
				for _, h := range route {
					s += h.Delay
				}
				if s != total {
					t.Fatalf("route delays add up to %v, routeVia says %v", s, total)
				}
				sum += total
			}
			mean := sum / (routes * topology.Layers)
			if tt.wantMean == 0 {
				if sum != 0 {
					t.Fatalf("delays add up to %v, want 0", sum)
				}
				return
			}
			// 6000 exponential draws: the mean is within 10% with
			// overwhelming probability (and exactly reproducible: seeded).
			if mean < tt.wantMean*9/10 || mean > tt.wantMean*11/10 {
				t.Fatalf("mean delay %v, want about %v", mean, tt.wantMean)
			}
		})
	}
}
