// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"time"
)

// loadState loads the saved reply keys from Deps.State into c.replies. A
// missing or corrupt blob is logged and ignored: the client starts with no
// reply keys, and replies to SURBs handed out before are lost.
func (c *Client) loadState() {
	if c.deps.State == nil {
		return
	}
	data, err := c.deps.State.LoadReplyKeys()
	if err != nil {
		c.deps.Logger.Warn("client: cannot load reply keys; starting without them", "err", err)
		return
	}
	if data == nil {
		return
	}
	if err := c.replies.UnmarshalBinary(data); err != nil {
		c.deps.Logger.Warn("client: saved reply keys are corrupt; starting without them", "err", err)
		return
	}
	c.deps.Logger.Debug("client: loaded reply keys", "count", c.replies.Len())
}

// markDirtyLocked records that the reply keys changed since the last save.
// Call with mu held.
func (c *Client) markDirtyLocked() { c.keysGen++ }

// kickSave asks the saver for a save at once; it never blocks.
func (c *Client) kickSave() {
	select {
	case c.saveKick <- struct{}{}:
	default: // a save is asked for already
	}
}

// saveState saves the reply keys to Deps.State if they changed since the
// last save, then lets every message whose keys the save covered leave
// (passGen). A failed save is logged, counted and retried at the next
// one; the messages it covered leave anyway, their keys in memory only,
// so a failing store does not stop traffic. Only the saver (and Run, once
// the saver has stopped) calls it, so saves never race each other.
func (c *Client) saveState() {
	if c.deps.State == nil {
		return
	}
	now := c.deps.Clock.Now()
	c.mu.Lock()
	if c.replies.Expire(now) > 0 {
		c.markDirtyLocked()
	}
	gen := c.keysGen
	if gen == c.savedGen {
		c.passGen = max(c.passGen, gen)
		c.mu.Unlock()
		return
	}
	data, err := c.replies.MarshalBinary()
	c.mu.Unlock()
	if err == nil {
		err = c.deps.State.SaveReplyKeys(data)
	}
	c.mu.Lock()
	if err == nil {
		c.savedGen = max(c.savedGen, gen)
	}
	c.passGen = max(c.passGen, gen)
	c.mu.Unlock()
	if err != nil {
		c.saveErrors.Add(1)
		c.deps.Logger.Warn("client: cannot save reply keys; messages carrying SURBs leave with their keys in memory only", "err", err)
		return
	}
	c.saves.Add(1)
}

// saveLoop saves dirty reply keys every StateSaveInterval, and at once
// when the sender waits for a save (saveKick), until ctx ends.
func (c *Client) saveLoop(ctx context.Context) {
	if c.deps.State == nil {
		return
	}
	t := c.deps.Clock.NewTimer(c.cfg.StateSaveInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.saveKick:
			c.saveState()
		case <-t.C():
			c.saveState()
			t.Reset(c.cfg.StateSaveInterval)
		}
	}
}

// topologyFailed tells Deps.TopologyFailed that no route could be built.
func (c *Client) topologyFailed() {
	if c.deps.TopologyFailed != nil {
		c.deps.TopologyFailed()
	}
}

// sweepEvery is the least time between two sweeps of expired reply keys and
// incomplete messages: each sweep walks every entry, so it is not done for
// every packet. An expired key may thus open a reply up to sweepEvery late.
const sweepEvery = time.Second

// sweepLocked forgets expired reply keys and incomplete messages, at most
// once per sweepEvery on the client's clock. Call with mu held.
func (c *Client) sweepLocked(now time.Time) {
	if !c.sweepAt.IsZero() && now.Before(c.sweepAt) && !now.Before(c.sweepAt.Add(-sweepEvery)) {
		return // swept within the last sweepEvery (and the clock did not go back)
	}
	c.sweepAt = now.Add(sweepEvery)
	if c.replies.Expire(now) > 0 {
		c.markDirtyLocked()
	}
	c.reasm.Expire(now)
}
