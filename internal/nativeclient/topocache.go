// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/topology"
)

// maxCacheSize bounds the topology cache file read at start.
const maxCacheSize = 64 << 20

// topologyCache wraps the directory fetch of a topology.Watcher with the
// on-disk cache data/topology.json.
//
// Policy:
//   - A successful fetch that is usable (every mix layer has a node and
//     there is a gateway, after topology.FromDirectory) and differs from
//     what was last written is written to the cache atomically. An
//     unusable fetch (say, a directory that has just restarted and lists
//     nobody yet) is returned to the watcher but not cached, so it can't
//     overwrite a good cache.
//   - A failed fetch while the watcher has no topology yet (hasCurrent
//     reports false) returns the cached topology instead, so a client
//     restarted while its directory is down still runs. The cached signed
//     entries are checked again by topology.FromDirectory, like fresh ones.
//   - A failed fetch while the watcher has a topology returns the error:
//     the watcher keeps its last good topology.
//
// Fetch runs only on the watcher's goroutine; mu guards last against
// Init's direct use.
type topologyCache struct {
	path       string
	fetch      func(context.Context) (*dirapi.Topology, error)
	opts       topology.Options
	hasCurrent func() bool
	log        *slog.Logger

	mu     sync.Mutex
	last   []byte           // the JSON last written or read
	primed *dirapi.Topology // returned by the next Fetch instead of fetching
}

// prime fetches once (as Fetch does) for Run to have a topology before the
// watcher's first fetch, and has the watcher's first Fetch return the same
// result instead of asking the directory again at once.
func (c *topologyCache) prime(ctx context.Context) (*dirapi.Topology, error) {
	t, err := c.Fetch(ctx)
	if err == nil {
		c.mu.Lock()
		c.primed = t
		c.mu.Unlock()
	}
	return t, err
}

// Fetch is the watcher's Deps.Fetch.
func (c *topologyCache) Fetch(ctx context.Context) (*dirapi.Topology, error) {
	c.mu.Lock()
	t := c.primed
	c.primed = nil
	c.mu.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := c.fetch(ctx)
	if err == nil {
		if usable(t, c.opts) {
			if werr := c.store(t); werr != nil {
				c.log.Warn("topology cache not written", "path", c.path, "error", werr)
			}
		}
		return t, nil
	}
	if c.hasCurrent != nil && c.hasCurrent() {
		return nil, err
	}
	cached, cerr := c.load()
	if cerr != nil {
		if !errors.Is(cerr, fs.ErrNotExist) {
			c.log.Warn("topology cache unreadable", "path", c.path, "error", cerr)
		}
		return nil, err
	}
	c.log.Warn("directory unreachable: using the cached topology", "path", c.path, "error", err)
	return cached, nil
}

// store writes t to the cache if it differs from what was last written.
func (c *topologyCache) store(t *dirapi.Topology) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Equal(b, c.last) {
		return nil
	}
	if err := writeFileAtomic(c.path, b, 0o600); err != nil {
		return err
	}
	c.last = b
	return nil
}

// load reads the cache.
func (c *topologyCache) load() (*dirapi.Topology, error) {
	f, err := os.Open(c.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxCacheSize+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxCacheSize {
		return nil, fmt.Errorf("larger than %d bytes", maxCacheSize)
	}
	t := new(dirapi.Topology)
	if err := json.Unmarshal(buf.Bytes(), t); err != nil {
		return nil, fmt.Errorf("%s: %w", c.path, err)
	}
	c.mu.Lock()
	c.last = buf.Bytes()
	c.mu.Unlock()
	return t, nil
}

// usable reports whether t gives routes: a node in every mix layer and a
// gateway.
func usable(t *dirapi.Topology, opts topology.Options) bool {
	top, _ := topology.FromDirectory(t, opts)
	for l := 1; l <= topology.Layers; l++ {
		if len(top.Layer(l)) == 0 {
			return false
		}
	}
	return len(top.Gateways()) > 0
}
