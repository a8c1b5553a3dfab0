// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// Defaults for Limits fields left at zero.
const (
	// DefaultMaxMessages is the per-client message limit.
	DefaultMaxMessages = 10_000
	// DefaultMaxBytes is the per-client byte limit (64 MiB).
	DefaultMaxBytes = 64 << 20
	// DefaultRetention is how long a message is kept unacknowledged.
	DefaultRetention = 7 * 24 * time.Hour
	// LogInterval is the least time between two log lines about the same
	// client hitting a limit.
	LogInterval = time.Minute
)

// Limits bound what one client may have stored. For each field, 0 selects
// the default and a negative value means unlimited.
type Limits struct {
	// MaxMessages is the most messages stored per client.
	MaxMessages int
	// MaxBytes is the most Data bytes stored per client.
	MaxBytes int64
	// Retention is how long a message is kept; older ones are expired.
	Retention time.Duration
}

// WithDefaults returns l with zero fields replaced by the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessages == 0 {
		l.MaxMessages = DefaultMaxMessages
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.Retention == 0 {
		l.Retention = DefaultRetention
	}
	return l
}

// Admit reports whether a client with usage u may store size more bytes
// under l (already defaulted), returning a wrapped ErrQuotaMessages or
// ErrQuotaBytes if not.
func (l Limits) Admit(u Usage, size int) error {
	if l.MaxMessages >= 0 && u.Messages >= l.MaxMessages {
		return fmt.Errorf("%w (%d messages stored, limit %d)", ErrQuotaMessages, u.Messages, l.MaxMessages)
	}
	if l.MaxBytes >= 0 && u.Bytes+int64(size) > l.MaxBytes {
		return fmt.Errorf("%w (%d bytes stored + %d, limit %d)", ErrQuotaBytes, u.Bytes, size, l.MaxBytes)
	}
	return nil
}

// Cutoff returns the Stored time before which messages are expired at now,
// and false if retention is unlimited.
func (l Limits) Cutoff(now time.Time) (time.Time, bool) {
	if l.Retention < 0 {
		return time.Time{}, false
	}
	return now.Add(-l.Retention), true
}

// LogLimiter decides whether to log an event about a client, at most once
// per client per interval. The zero value is not usable; use NewLogLimiter.
type LogLimiter struct {
	mu       sync.Mutex
	interval time.Duration
	last     map[ClientID]time.Time
}

// maxLogClients bounds LogLimiter's memory; beyond it, stale entries are
// pruned, and if none are stale the map is reset.
const maxLogClients = 4096

// NewLogLimiter returns a LogLimiter for the given interval.
func NewLogLimiter(interval time.Duration) *LogLimiter {
	return &LogLimiter{interval: interval, last: map[ClientID]time.Time{}}
}

// Allow reports whether to log about client at now, and records it if so.
func (g *LogLimiter) Allow(client ClientID, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t, ok := g.last[client]; ok && now.Sub(t) < g.interval {
		return false
	}
	if len(g.last) >= maxLogClients {
		for c, t := range g.last {
			if now.Sub(t) >= g.interval {
				delete(g.last, c)
			}
		}
		if len(g.last) >= maxLogClients {
			clear(g.last)
		}
	}
	g.last[client] = now
	return true
}

// RunExpiry calls in.Expire with clk's time every interval until ctx ends,
// then returns nil. Errors from Expire other than ErrClosed are passed to
// onErr (may be nil) and do not stop the loop; ErrClosed stops it.
func RunExpiry(ctx context.Context, in Inbox, clk clock.Clock, interval time.Duration, onErr func(error)) error {
	if interval <= 0 {
		return fmt.Errorf("storage: expiry interval %v must be positive", interval)
	}
	t := clk.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C():
			if _, err := in.Expire(ctx, now); err != nil {
				if errors.Is(err, ErrClosed) {
					return err
				}
				if onErr != nil && ctx.Err() == nil {
					onErr(err)
				}
			}
			t.Reset(interval)
		}
	}
}

// IsQuotaMessages reports whether err is (or wraps) ErrQuotaMessages.
func IsQuotaMessages(err error) bool { return errors.Is(err, ErrQuotaMessages) }

// CheckKey returns a wrapped ErrBadKey unless key is 1..MaxKeySize bytes.
func CheckKey(key []byte) error {
	if len(key) == 0 || len(key) > MaxKeySize {
		return fmt.Errorf("%w: %d bytes, want 1..%d", ErrBadKey, len(key), MaxKeySize)
	}
	return nil
}
