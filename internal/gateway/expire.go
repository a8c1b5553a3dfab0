// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

// expireFetch is how many stored messages of a forgotten client are
// deleted per inbox call.
const expireFetch = 1000

// touchKey records that client's key was just used, when the key store
// records uses (storage.KeyExpirer). A failure only delays the client's
// expiry by what it did not record, so it is logged, not returned.
func (g *Gateway) touchKey(ctx context.Context, client storage.ClientID) {
	kx, ok := g.deps.Keys.(storage.KeyExpirer)
	if !ok || g.cfg.ClientKeyRetention < 0 {
		return
	}
	if err := kx.TouchKey(ctx, client, g.clk.Now()); err != nil {
		g.log.Debug("recording a key's use failed", "error", err)
	}
}

// ExpireClients forgets the clients whose key was last used (registered
// or authenticated) before now - Config.ClientKeyRetention: their keys and
// their stored mail are deleted, and mail arriving for them afterwards is
// dropped as unknown_recipient until they register again. A client
// connected now counts as using its key now. It returns how many clients
// it forgot. It does nothing when the retention is negative or Deps.Keys
// does not implement storage.KeyExpirer. The node calls it from its inbox
// expiry loop.
func (g *Gateway) ExpireClients(ctx context.Context, now time.Time) (int, error) {
	kx, ok := g.deps.Keys.(storage.KeyExpirer)
	if !ok || g.cfg.ClientKeyRetention < 0 {
		return 0, nil
	}
	g.reg.mu.Lock()
	live := make([]storage.ClientID, 0, len(g.reg.sessions))
	for client := range g.reg.sessions {
		live = append(live, client)
	}
	g.reg.mu.Unlock()
	for _, client := range live {
		if err := kx.TouchKey(ctx, client, now); err != nil {
			return 0, fmt.Errorf("gateway: expire clients: %w", err)
		}
	}
	gone, err := kx.ExpireKeys(ctx, now.Add(-g.cfg.ClientKeyRetention))
	if err != nil {
		return 0, fmt.Errorf("gateway: expire clients: %w", err)
	}
	for _, client := range gone {
		if _, ok := g.known.LoadAndDelete(client); ok {
			g.knownN.Add(-1)
		}
		if err := g.deleteMail(ctx, client); err != nil {
			return len(gone), fmt.Errorf("gateway: expire clients: %w", err)
		}
	}
	if len(gone) > 0 {
		g.log.Info("forgot clients whose keys went unused", "count", len(gone), "retention", g.cfg.ClientKeyRetention)
	}
	return len(gone), nil
}

// deleteMail deletes every stored message of client.
func (g *Gateway) deleteMail(ctx context.Context, client storage.ClientID) error {
	for {
		msgs, err := g.deps.Inbox.Fetch(ctx, client, 0, expireFetch)
		if err != nil || len(msgs) == 0 {
			return err
		}
		ids := make([]uint64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		if err := g.deps.Inbox.Delete(ctx, client, ids); err != nil {
			return err
		}
	}
}
