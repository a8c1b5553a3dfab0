// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package storagetest is the conformance suite every storage.Inbox and
// storage.KeyStore implementation passes: Run checks the semantics (arrival
// order, acknowledged delete, quotas, retention under a fake clock, keys,
// concurrency, closed-store errors) and RunDurable checks that a durable
// store keeps everything across Close and reopen.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
)

// Opener returns a new, empty store using lim and clk. The Inbox and the
// KeyStore may be the same value. The suite closes the Inbox itself (a
// second Close may fail; the suite ignores that error).
type Opener func(t *testing.T, lim storage.Limits, clk clock.Clock) (storage.Inbox, storage.KeyStore)

// OpenerAt opens the store kept in dir (empty on the first call), using lim
// and clk. Each call after a Close of the previous store must see its data.
type OpenerAt func(t *testing.T, dir string, lim storage.Limits, clk clock.Clock) (storage.Inbox, storage.KeyStore)

// Epoch is the fake clock's start in the suite.
var Epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// unlimited is a Limits with every limit off.
var unlimited = storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: -1}

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"ArrivalOrder", testArrivalOrder},
		{"Paging", testPaging},
		{"DeleteAcknowledged", testDelete},
		{"QuotaMessages", testQuotaMessages},
		{"QuotaBytes", testQuotaBytes},
		{"Unlimited", testUnlimited},
		{"Retention", testRetention},
		{"PutAsync", testPutAsync},
		{"DataIsCopied", testCopies},
		{"CancelledContext", testCancelled},
		{"Keys", testKeys},
		{"KeyExpiry", testKeyExpiry},
		{"Concurrent", testConcurrent},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaktest.Check(t)
			tt.fn(t, open)
		})
	}
}

// env is one store under test with its fake clock.
type env struct {
	in  storage.Inbox
	ks  storage.KeyStore
	clk *clocktest.Fake
	ctx context.Context
}

func newEnv(t *testing.T, open Opener, lim storage.Limits) *env {
	t.Helper()
	clk := clocktest.NewFake(Epoch)
	in, ks := open(t, lim, clk)
	t.Cleanup(func() { _ = in.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &env{in: in, ks: ks, clk: clk, ctx: ctx}
}

// Client returns a distinct ClientID for i.
func Client(i int) storage.ClientID {
	var c storage.ClientID
	copy(c[:], fmt.Sprintf("client-%d", i))
	c[31] = byte(i)
	return c
}

// payload is the test message body for client i, message j.
func payload(i, j int) []byte { return []byte(fmt.Sprintf("msg %d/%d", i, j)) }

func (e *env) put(t *testing.T, c storage.ClientID, data []byte) storage.Message {
	t.Helper()
	m, err := e.in.Put(e.ctx, c, data)
	if err != nil {
		t.Fatalf("Put(%x, %q): %v", c[:4], data, err)
	}
	return m
}

func (e *env) fetchAll(t *testing.T, c storage.ClientID) []storage.Message {
	t.Helper()
	ms, err := e.in.Fetch(e.ctx, c, 0, 1<<20)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return ms
}

func (e *env) usage(t *testing.T, c storage.ClientID) storage.Usage {
	t.Helper()
	u, err := e.in.Usage(c)
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	return u
}

// sameMessages fails t unless got and want hold the same IDs, Stored times
// and data in the same order.
func sameMessages(t *testing.T, what string, got, want []storage.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d messages, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || !g.Stored.Equal(w.Stored) || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("%s: message %d = {%d %v %q}, want {%d %v %q}",
				what, i, g.ID, g.Stored, g.Data, w.ID, w.Stored, w.Data)
		}
	}
}

func sumBytes(ms []storage.Message) int64 {
	var n int64
	for _, m := range ms {
		n += int64(len(m.Data))
	}
	return n
}

func testArrivalOrder(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a, b := Client(1), Client(2)
	var wantA, wantB []storage.Message
	var last uint64
	for j := range 30 {
		ma := e.put(t, a, payload(1, j))
		e.clk.Advance(time.Millisecond)
		mb := e.put(t, b, payload(2, j))
		if ma.ID <= last || mb.ID <= ma.ID {
			t.Fatalf("IDs not increasing in arrival order: %d then %d after %d", ma.ID, mb.ID, last)
		}
		last = mb.ID
		if !bytes.Equal(ma.Data, payload(1, j)) {
			t.Fatalf("Put returned data %q", ma.Data)
		}
		wantA, wantB = append(wantA, ma), append(wantB, mb)
	}
	if !wantA[0].Stored.Equal(Epoch) || !wantB[0].Stored.Equal(Epoch.Add(time.Millisecond)) {
		t.Fatalf("Stored = %v, %v; want the clock's time %v, %v", wantA[0].Stored, wantB[0].Stored,
			Epoch, Epoch.Add(time.Millisecond))
	}
	sameMessages(t, "client A", e.fetchAll(t, a), wantA)
	sameMessages(t, "client B", e.fetchAll(t, b), wantB)
	if got := e.fetchAll(t, Client(3)); len(got) != 0 {
		t.Fatalf("unknown client has %d messages", len(got))
	}
	if u := e.usage(t, a); u.Messages != 30 || u.Bytes != sumBytes(wantA) {
		t.Fatalf("Usage(A) = %+v, want 30 messages, %d bytes", u, sumBytes(wantA))
	}
	tot := e.in.Totals()
	if tot.Messages != 60 || tot.Clients != 2 || tot.Stored != 60 {
		t.Fatalf("Totals = %+v, want 60 messages, 2 clients, 60 stored", tot)
	}
}

func testPaging(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	c := Client(1)
	var want []storage.Message
	for j := range 25 {
		want = append(want, e.put(t, c, payload(1, j)))
	}
	var got []storage.Message
	after := uint64(0)
	for range 10 {
		page, err := e.in.Fetch(e.ctx, c, after, 10)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(page) > 10 {
			t.Fatalf("Fetch(max 10) returned %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].ID
	}
	sameMessages(t, "paged", got, want)
	if page, err := e.in.Fetch(e.ctx, c, 0, 0); err != nil || len(page) != 0 {
		t.Fatalf("Fetch(max 0) = %d messages, %v; want none", len(page), err)
	}
	if page, _ := e.in.Fetch(e.ctx, c, want[24].ID, 10); len(page) != 0 {
		t.Fatalf("Fetch after the last ID returned %d", len(page))
	}
}

func testDelete(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a, b := Client(1), Client(2)
	var ms []storage.Message
	for j := range 10 {
		ms = append(ms, e.put(t, a, payload(1, j)))
	}
	other := e.put(t, b, payload(2, 0))
	// Acknowledge 0, 3, 9, an unknown id, and b's message under a's name.
	ids := []uint64{ms[0].ID, ms[3].ID, ms[9].ID, 1 << 60, other.ID}
	if err := e.in.Delete(e.ctx, a, ids); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	want := []storage.Message{ms[1], ms[2], ms[4], ms[5], ms[6], ms[7], ms[8]}
	sameMessages(t, "after delete", e.fetchAll(t, a), want)
	sameMessages(t, "other client", e.fetchAll(t, b), []storage.Message{other})
	if err := e.in.Delete(e.ctx, a, ids); err != nil {
		t.Fatalf("Delete again: %v", err)
	}
	if err := e.in.Delete(e.ctx, a, nil); err != nil {
		t.Fatalf("Delete(nil): %v", err)
	}
	if u := e.usage(t, a); u.Messages != 7 || u.Bytes != sumBytes(want) {
		t.Fatalf("Usage = %+v, want 7 messages", u)
	}
	var rest []uint64
	for _, m := range want {
		rest = append(rest, m.ID)
	}
	if err := e.in.Delete(e.ctx, a, rest); err != nil {
		t.Fatalf("Delete rest: %v", err)
	}
	if u := e.usage(t, a); u != (storage.Usage{}) {
		t.Fatalf("Usage after deleting all = %+v", u)
	}
	tot := e.in.Totals()
	if tot.Deleted != 10 || tot.Messages != 1 || tot.Clients != 1 || tot.Bytes != int64(len(other.Data)) {
		t.Fatalf("Totals = %+v, want 10 deleted, 1 message of 1 client", tot)
	}
}

func testQuotaMessages(t *testing.T, open Opener) {
	e := newEnv(t, open, storage.Limits{MaxMessages: 5, MaxBytes: -1, Retention: -1})
	a, b := Client(1), Client(2)
	var first storage.Message
	for j := range 5 {
		m := e.put(t, a, payload(1, j))
		if j == 0 {
			first = m
		}
	}
	for range 3 {
		if _, err := e.in.Put(e.ctx, a, []byte("one too many")); !errors.Is(err, storage.ErrQuotaMessages) {
			t.Fatalf("Put over the message limit: %v, want ErrQuotaMessages", err)
		}
	}
	e.put(t, b, payload(2, 0)) // another client is not affected
	if got := e.fetchAll(t, a); len(got) != 5 || got[0].ID != first.ID {
		t.Fatalf("refusal changed the stored messages (tail drop expected): %d", len(got))
	}
	if err := e.in.Delete(e.ctx, a, []uint64{first.ID}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	e.put(t, a, []byte("fits again"))
	if tot := e.in.Totals(); tot.RefusedMessages != 3 || tot.RefusedBytes != 0 || tot.Stored != 7 {
		t.Fatalf("Totals = %+v, want 3 refused by messages, 7 stored", tot)
	}
}

func testQuotaBytes(t *testing.T, open Opener) {
	e := newEnv(t, open, storage.Limits{MaxMessages: -1, MaxBytes: 100, Retention: -1})
	a := Client(1)
	e.put(t, a, make([]byte, 60))
	if _, err := e.in.Put(e.ctx, a, make([]byte, 50)); !errors.Is(err, storage.ErrQuotaBytes) {
		t.Fatalf("Put over the byte limit: %v, want ErrQuotaBytes", err)
	}
	e.put(t, a, make([]byte, 40)) // exactly at the limit
	if _, err := e.in.Put(e.ctx, a, []byte{1}); !errors.Is(err, storage.ErrQuotaBytes) {
		t.Fatalf("Put over the byte limit: %v, want ErrQuotaBytes", err)
	}
	if _, err := e.in.Put(e.ctx, Client(2), make([]byte, 101)); !errors.Is(err, storage.ErrQuotaBytes) {
		t.Fatalf("Put of a message larger than the limit: %v, want ErrQuotaBytes", err)
	}
	if u := e.usage(t, a); u.Messages != 2 || u.Bytes != 100 {
		t.Fatalf("Usage = %+v, want 2 messages, 100 bytes", u)
	}
	if tot := e.in.Totals(); tot.RefusedBytes != 3 || tot.RefusedMessages != 0 {
		t.Fatalf("Totals = %+v, want 3 refused by bytes", tot)
	}
}
