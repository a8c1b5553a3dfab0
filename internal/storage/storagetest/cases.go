// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package storagetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

func testUnlimited(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a := Client(1)
	for j := range 50 {
		e.put(t, a, make([]byte, 1000+j))
	}
	e.clk.Advance(100 * 365 * 24 * time.Hour)
	n, err := e.in.Expire(e.ctx, e.clk.Now())
	if err != nil || n != 0 {
		t.Fatalf("Expire with unlimited retention = %d, %v; want 0", n, err)
	}
	if u := e.usage(t, a); u.Messages != 50 {
		t.Fatalf("Usage = %+v, want 50 messages", u)
	}
}

func testRetention(t *testing.T, open Opener) {
	const ret = time.Hour
	e := newEnv(t, open, storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: ret})
	a, b := Client(1), Client(2)
	a1 := e.put(t, a, payload(1, 1))
	e.clk.Advance(30 * time.Minute)
	a2 := e.put(t, a, payload(1, 2))
	b1 := e.put(t, b, payload(2, 1))
	expire := func(now time.Time, want int) {
		t.Helper()
		n, err := e.in.Expire(e.ctx, now)
		if err != nil || n != want {
			t.Fatalf("Expire(%v) = %d, %v; want %d", now.Sub(Epoch), n, err, want)
		}
	}
	expire(Epoch.Add(ret), 0) // a1 is exactly at the cutoff: kept
	expire(Epoch.Add(ret+time.Nanosecond), 1)
	sameMessages(t, "after first expiry", e.fetchAll(t, a), []storage.Message{a2})
	sameMessages(t, "other client", e.fetchAll(t, b), []storage.Message{b1})
	if u := e.usage(t, a); u.Messages != 1 || u.Bytes != int64(len(a2.Data)) {
		t.Fatalf("Usage = %+v after expiry", u)
	}
	expire(Epoch.Add(ret+time.Nanosecond), 0)
	expire(Epoch.Add(ret+30*time.Minute+time.Nanosecond), 2)
	tot := e.in.Totals()
	if tot.Expired != 3 || tot.Messages != 0 || tot.Clients != 0 || tot.Bytes != 0 {
		t.Fatalf("Totals = %+v, want 3 expired, nothing stored", tot)
	}
	_ = a1
}

func testPutAsync(t *testing.T, open Opener) {
	e := newEnv(t, open, storage.Limits{MaxMessages: 3, MaxBytes: -1, Retention: -1})
	a := Client(1)
	type result struct {
		m   storage.Message
		err error
	}
	results := make(chan result, 10)
	for j := range 5 {
		e.in.PutAsync(a, payload(1, j), func(m storage.Message, err error) { results <- result{m, err} })
	}
	e.in.PutAsync(Client(2), []byte("no callback"), nil)
	var ok, refused int
	for range 5 {
		select {
		case r := <-results:
			switch {
			case r.err == nil:
				ok++
			case errors.Is(r.err, storage.ErrQuotaMessages):
				refused++
			default:
				t.Fatalf("PutAsync: %v", r.err)
			}
		case <-e.ctx.Done():
			t.Fatal("PutAsync: done not called")
		}
	}
	if ok != 3 || refused != 2 {
		t.Fatalf("PutAsync: %d stored, %d refused; want 3 and 2", ok, refused)
	}
	got := e.fetchAll(t, a)
	for j, m := range got {
		if !bytes.Equal(m.Data, payload(1, j)) {
			t.Fatalf("message %d = %q, want arrival order", j, m.Data)
		}
	}
	// Put after PutAsync sees the async message (same queue, in order).
	e.put(t, Client(2), []byte("sync"))
	if u := e.usage(t, Client(2)); u.Messages != 2 {
		t.Fatalf("Usage of the client with a nil-callback message = %+v, want 2", u)
	}
	select {
	case r := <-results:
		t.Fatalf("done called more than once: %+v", r)
	default:
	}
}

func testCopies(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a := Client(1)
	data := []byte("original")
	e.put(t, a, data)
	copy(data, "XXXXXXXX")
	got := e.fetchAll(t, a)
	if string(got[0].Data) != "original" {
		t.Fatalf("store kept the caller's slice: %q", got[0].Data)
	}
	copy(got[0].Data, "YYYYYYYY")
	if again := e.fetchAll(t, a); string(again[0].Data) != "original" {
		t.Fatalf("Fetch returned the store's own slice: %q", again[0].Data)
	}
	empty := e.put(t, a, nil)
	if got := e.fetchAll(t, a); len(got) != 2 || got[1].ID != empty.ID || len(got[1].Data) != 0 {
		t.Fatalf("empty message not stored: %+v", got)
	}
}

func testCancelled(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := e.in.Put(ctx, Client(1), []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v, want context.Canceled", err)
	}
	if u := e.usage(t, Client(1)); u.Messages != 0 {
		t.Fatalf("Put with a cancelled context stored %+v", u)
	}
}

func testKeys(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a, b := Client(1), Client(2)
	if _, ok, err := e.ks.GetKey(e.ctx, a); ok || err != nil {
		t.Fatalf("GetKey of a missing key = %v, %v", ok, err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := e.ks.PutKey(e.ctx, a, key); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	key[0] = 'X'
	got, ok, err := e.ks.GetKey(e.ctx, a)
	if err != nil || !ok || string(got) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("GetKey = %q, %v, %v", got, ok, err)
	}
	got[1] = 'Y'
	if err := e.ks.PutKey(e.ctx, b, []byte("b")); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	if err := e.ks.PutKey(e.ctx, a, []byte("replaced")); err != nil {
		t.Fatalf("PutKey replace: %v", err)
	}
	if got, _, _ := e.ks.GetKey(e.ctx, a); string(got) != "replaced" {
		t.Fatalf("GetKey after replace = %q", got)
	}
	if n, err := e.ks.CountKeys(); n != 2 || err != nil {
		t.Fatalf("CountKeys = %d, %v; want 2", n, err)
	}
	for _, bad := range [][]byte{nil, {}, make([]byte, storage.MaxKeySize+1)} {
		if err := e.ks.PutKey(e.ctx, a, bad); !errors.Is(err, storage.ErrBadKey) {
			t.Fatalf("PutKey(%d bytes): %v, want ErrBadKey", len(bad), err)
		}
	}
	if err := e.ks.DeleteKey(e.ctx, a); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if err := e.ks.DeleteKey(e.ctx, a); err != nil {
		t.Fatalf("DeleteKey of a missing key: %v", err)
	}
	if _, ok, _ := e.ks.GetKey(e.ctx, a); ok {
		t.Fatal("key still there after DeleteKey")
	}
	if n, _ := e.ks.CountKeys(); n != 1 {
		t.Fatalf("CountKeys = %d, want 1", n)
	}
}

func testConcurrent(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	const writers, per, clients = 8, 40, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers*per+clients)
	for w := range writers {
		wg.Go(func() {
			for j := range per {
				c := Client((w + j) % clients)
				if j%2 == 0 {
					if _, err := e.in.Put(e.ctx, c, payload(w, j)); err != nil {
						errs <- err
					}
					continue
				}
				done := make(chan error, 1)
				e.in.PutAsync(c, payload(w, j), func(_ storage.Message, err error) { done <- err })
				if err := <-done; err != nil && !errors.Is(err, storage.ErrBusy) {
					errs <- err
				}
			}
		})
	}
	for c := range clients {
		wg.Go(func() {
			for range 20 {
				ms, err := e.in.Fetch(e.ctx, Client(c), 0, 5)
				if err != nil {
					errs <- err
					return
				}
				ids := make([]uint64, 0, len(ms))
				for _, m := range ms {
					ids = append(ids, m.ID)
				}
				if err := e.in.Delete(e.ctx, Client(c), ids); err != nil {
					errs <- err
				}
				_ = e.in.Totals()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent use: %v", err)
	}
	tot := e.in.Totals()
	var sum int64
	for c := range clients {
		ms := e.fetchAll(t, Client(c))
		for i := 1; i < len(ms); i++ {
			if ms[i].ID <= ms[i-1].ID {
				t.Fatalf("client %d: IDs out of order: %d after %d", c, ms[i].ID, ms[i-1].ID)
			}
		}
		sum += int64(len(ms))
	}
	if sum != tot.Messages || tot.Stored-tot.Deleted != uint64(sum) {
		t.Fatalf("Totals = %+v but %d messages stored", tot, sum)
	}
}

func testClosed(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	a := Client(1)
	e.put(t, a, []byte("before close"))
	if err := e.ks.PutKey(e.ctx, a, []byte("k")); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	if err := e.in.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", what, err)
		}
	}
	_, err := e.in.Put(e.ctx, a, []byte("x"))
	check("Put", err)
	done := make(chan error, 1)
	e.in.PutAsync(a, []byte("x"), func(_ storage.Message, err error) { done <- err })
	select {
	case err := <-done:
		check("PutAsync", err)
	case <-e.ctx.Done():
		t.Fatal("PutAsync after Close: done not called")
	}
	e.in.PutAsync(a, []byte("x"), nil)
	_, err = e.in.Fetch(e.ctx, a, 0, 10)
	check("Fetch", err)
	check("Delete", e.in.Delete(e.ctx, a, []uint64{1}))
	_, err = e.in.Usage(a)
	check("Usage", err)
	_, err = e.in.Expire(e.ctx, e.clk.Now())
	check("Expire", err)
	check("PutKey", e.ks.PutKey(e.ctx, a, []byte("k")))
	_, _, err = e.ks.GetKey(e.ctx, a)
	check("GetKey", err)
	check("DeleteKey", e.ks.DeleteKey(e.ctx, a))
	_, err = e.ks.CountKeys()
	check("CountKeys", err)
	check("second Close", e.in.Close())
	_ = e.in.Totals() // must not panic
}
