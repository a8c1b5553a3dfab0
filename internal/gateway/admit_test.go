// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// tryDial is e.dial that returns Dial's error.
func (e *env) tryDial(u *user) (*gwclient.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := gwclient.Dial(ctx, e.url, u.id, e.gwPub(), u.keys, nil)
	if err == nil {
		e.t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// At the connected-client limit, a client whose old connection is still
// registered (stale, half-open) must be able to replace it; only other
// clients are refused, after authentication.
func TestAtCapacityAClientReplacesItsOwnSession(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{MaxClients: 1})
	a, b := newUser(t), newUser(t)
	e.dial(a)
	if _, err := e.tryDial(a); err != nil {
		t.Fatalf("reconnect at capacity: %v", err)
	}
	if _, err := e.tryDial(b); err == nil || !strings.Contains(err.Error(), "gateway_full") {
		t.Fatalf("another client at capacity: err %v, want gateway_full", err)
	}
	if st := e.gw.Stats(); st.Refused["too_many_clients"] != 1 || st.Replaced != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRegistrationLimits(t *testing.T) {
	leaktest.Check(t)
	t.Run("registered keys", func(t *testing.T) {
		e := newEnvConfig(t, storage.Limits{}, gateway.Config{MaxRegistered: 2})
		u1, u2 := newUser(t), newUser(t)
		e.dial(u1).Close()
		e.dial(u2).Close()
		if _, err := e.tryDial(newUser(t)); err == nil || !strings.Contains(err.Error(), "gateway_full") {
			t.Fatalf("third registration: err %v, want gateway_full", err)
		}
		e.dial(u1) // registered clients still authenticate
		if st := e.gw.Stats(); st.Refused["registrations_full"] != 1 || st.RegisteredClients != 2 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("rate per address", func(t *testing.T) {
		e := newEnvConfig(t, storage.Limits{}, gateway.Config{RegisterRate: 1, RegisterBurst: 2, RateLimitLoopback: true})
		e.dial(newUser(t)).Close()
		e.dial(newUser(t)).Close()
		if _, err := e.tryDial(newUser(t)); err == nil || !strings.Contains(err.Error(), "rate_limited") {
			t.Fatalf("third registration in a burst: err %v, want rate_limited", err)
		}
		e.clk.Advance(time.Minute)
		e.dial(newUser(t)).Close()
		if st := e.gw.Stats(); st.Refused["registrations_rate_limited"] != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// Packets that do not open (flagged reply; garbage looks the same) may
// fill only ReplyQuota of a client's inbox; real mail still gets stored.
func TestReplyFlaggedMessagesHaveASubQuota(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{ReplyQuota: 3})
	u := newUser(t)
	e.dial(u).Close()
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 0 })
	for range 10 {
		raw := make([]byte, sphinx.Regular.PayloadSize())
		rand.Read(raw)
		e.gw.Final(&sphinx.Unwrapped{Action: sphinx.Final, Size: sphinx.Regular, Destination: u.dest(), Payload: raw})
	}
	for i := range 5 {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), []byte("real")))
	}
	if st := e.gw.Stats(); st.StoredMessages != 8 || st.Dropped["reply_quota"] != 7 {
		t.Fatalf("stored %d, reply_quota drops %d; want 8 and 7", st.StoredMessages, st.Dropped["reply_quota"])
	}
}

// The inbox as a whole is bounded: beyond InboxTotalBytes new messages
// are refused (no SURB-ack), counted.
func TestInboxTotalBytesLimit(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{InboxTotalBytes: 3000})
	u := newUser(t)
	e.dial(u).Close()
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 0 })
	body := make([]byte, 1000)
	for i := range 5 {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), body))
	}
	if st := e.gw.Stats(); st.StoredMessages != 2 || st.Dropped["inbox_full"] != 3 || e.fwd.count() != 2 {
		t.Fatalf("stored %d, inbox_full %d, acks %d; want 2, 3, 2", st.StoredMessages, st.Dropped["inbox_full"], e.fwd.count())
	}
}
