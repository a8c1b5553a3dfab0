// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// keyState is a client.StateStore in memory that counts saves and can be
// made to fail.
type keyState struct {
	mu    sync.Mutex
	data  []byte
	saves int
	fail  error
}

func (s *keyState) LoadReplyKeys() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data), nil
}

func (s *keyState) SaveReplyKeys(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.data, s.saves = bytes.Clone(b), s.saves+1
	return nil
}

// stored returns how many key sets the last save holds, and the saves.
func (s *keyState) stored() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return 0, s.saves
	}
	st := e2e.NewReplyStore(1 << 20)
	if err := st.UnmarshalBinary(s.data); err != nil {
		return -1, s.saves
	}
	return st.Len(), s.saves
}

// snapSent is a packet handed to the gateway and the reply key sets saved
// at that moment.
type snapSent struct {
	hop   sphinx.NodeAddress
	pkt   []byte
	saved int
}

// snapConn is a gateway connection that records each packet with what the
// state store held when it was sent, and delivers nothing.
type snapConn struct {
	st   *keyState
	mu   sync.Mutex
	sent []snapSent
}

func (c *snapConn) Send(_ context.Context, hop sphinx.NodeAddress, _ sphinx.SizeType, pkt []byte) error {
	saved, _ := c.st.stored()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, snapSent{hop: hop, pkt: slices.Clone(pkt), saved: saved})
	return nil
}

func (c *snapConn) Receive(ctx context.Context) (gwclient.Delivery, error) {
	<-ctx.Done()
	return gwclient.Delivery{}, ctx.Err()
}

func (c *snapConn) Ack(context.Context, ...uint64) error { return nil }
func (c *snapConn) Close() error                         { return nil }

func (c *snapConn) from(i int) []snapSent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sent[min(i, len(c.sent)):])
}

// recipient returns a made-up recipient at pn's second gateway whose
// identity starts with i, so the destination of a packet tells which
// message it belongs to.
func recipient(pn *paperNet, i byte) address.Address {
	var to address.Address
	to.Identity[0], to.Encryption = i, e2e.PublicKey([32]byte{i, 2})
	copy(to.Gateway[:], pn.gws[1])
	return to
}

// newSaveClient returns a client on pn with state st, a fake clock and
// conn as its gateway connection, whose periodic save never comes during
// the test.
func newSaveClient(t testing.TB, pn *paperNet, st client.StateStore, conn client.Conn, clk *clocktest.Fake) *client.Client {
	t.Helper()
	rnd := mrand.NewChaCha8([32]byte{0x5a})
	_, id, err := ed25519.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	enc, _, err := e2e.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Gateway: pn.gws[0], StateSaveInterval: time.Hour},
		client.Deps{
			Identity: id, Encryption: enc, AckKey: [32]byte{0x5a},
			Topology: func() *topology.Topology { return pn.top },
			Dial:     func(context.Context) (client.Conn, error) { return conn, nil },
			Clock:    clk, Rand: mrand.New(mrand.NewPCG(5, 6)), CryptoRand: rnd, State: st,
		})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stepUntil moves the fake clock from one timer deadline to the next
// (the cover scheduler's and the saver's are armed) until done, at most
// max times.
func stepUntil(t *testing.T, clk *clocktest.Fake, max int, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 0; !done(); i++ {
		if i == max {
			t.Fatalf("not done after %d timer steps", max)
		}
		if err := clk.WaitForTimers(ctx, 2); err != nil {
			t.Fatal(err)
		}
		clk.Set(slices.MinFunc(clk.Deadlines(), time.Time.Compare))
	}
}

// TestSURBKeysSavedBeforeSend: with Deps.State, no packet of a message
// carrying SURBs leaves before the SURBs' keys are saved, so a crash right
// after cannot lose them; messages queued together cost one save.
func TestSURBKeysSavedBeforeSend(t *testing.T) {
	leaktest.Check(t)
	pn := newPaperNet(t, mrand.NewChaCha8([32]byte{0x51}))
	st := &keyState{}
	conn := &snapConn{st: st}
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	c := newSaveClient(t, pn, st, conn, clk)
	ctx := context.Background()
	const batch = 10
	keysBefore := make(map[sphinx.Destination]int) // key sets the client held once the message was queued
	send := func(i int) {
		to := recipient(pn, byte(0xd0+i))
		if _, err := c.SendWithSURBs(ctx, to, fmt.Appendf(nil, "message %d", i), 2); err != nil {
			t.Fatal(err)
		}
		keysBefore[sphinx.Destination(to.Identity)] = 2 * (i + 1)
	}
	for i := range batch { // queued before Run: one save covers them all
		send(i)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() {
		cancel()
		<-done
	}()

	first := make(map[sphinx.Destination]int) // saved key sets when the first packet to each recipient left
	read := 0
	seen := func(n int) func() bool {
		return func() bool {
			for _, s := range conn.from(read) {
				read++
				d := pn.destination(t, s.hop, s.pkt)
				if _, ok := keysBefore[d]; ok {
					if _, dup := first[d]; !dup {
						first[d] = s.saved
					}
				}
			}
			return len(first) == n
		}
	}
	stepUntil(t, clk, 2000, seen(batch))
	if _, saves := st.stored(); saves != 1 {
		t.Errorf("%d saves for %d messages queued together, want 1", saves, batch)
	}
	send(batch) // one more, while running
	stepUntil(t, clk, 2000, seen(batch+1))
	for d, want := range keysBefore {
		if got := first[d]; got < want {
			t.Errorf("message to %x left with %d key sets saved, want at least %d", d[:1], got, want)
		}
	}
	if _, saves := st.stored(); saves != 2 {
		t.Errorf("%d saves, want 2 (the batch, then the later message)", saves)
	}
	if ks := c.ReplyKeyStats(); ks.Saves != 2 || ks.Stored != 2*(batch+1) || ks.SaveErrors != 0 {
		t.Errorf("ReplyKeyStats = %+v", ks)
	}
}

// TestSURBKeysSaveFailing: a failing state store does not hold messages
// back: they leave with their keys in memory, and the failure is counted.
func TestSURBKeysSaveFailing(t *testing.T) {
	leaktest.Check(t)
	pn := newPaperNet(t, mrand.NewChaCha8([32]byte{0x52}))
	st := &keyState{fail: errors.New("disk full")}
	conn := &snapConn{st: st}
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	c := newSaveClient(t, pn, st, conn, clk)
	to := recipient(pn, 0xe0)
	if _, err := c.SendWithSURBs(context.Background(), to, []byte("anyway"), 3); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	read, left := 0, false
	stepUntil(t, clk, 2000, func() bool {
		for _, s := range conn.from(read) {
			read++
			left = left || pn.destination(t, s.hop, s.pkt) == sphinx.Destination(to.Identity)
		}
		return left
	})
	if ks := c.ReplyKeyStats(); ks.SaveErrors == 0 || ks.Saves != 0 || ks.Stored != 3 {
		t.Fatalf("ReplyKeyStats = %+v, want save errors, no saves, 3 stored", ks)
	}
}

// fileState is a client.StateStore in one file, replaced the durable way
// (temporary file, fsync, rename, fsync of the directory), as a daemon
// keeps it.
type fileState struct{ path string }

func (f fileState) LoadReplyKeys() ([]byte, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (f fileState) SaveReplyKeys(b []byte) error {
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, ".reply-keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// nopConn takes every packet and delivers nothing.
type nopConn struct{}

func (nopConn) Send(context.Context, sphinx.NodeAddress, sphinx.SizeType, []byte) error { return nil }
func (nopConn) Receive(ctx context.Context) (gwclient.Delivery, error) {
	<-ctx.Done()
	return gwclient.Delivery{}, ctx.Err()
}
func (nopConn) Ack(context.Context, ...uint64) error { return nil }
func (nopConn) Close() error                         { return nil }

// BenchmarkSendWithSURBs measures a message with 3 SURBs (one packet) from
// SendWithSURBs until its packet is built to leave, with the reply key
// store full (1,000 key sets, so every message evicts 3), kept in memory
// only (none), in a StateStore in memory (mem) or in a file (file: write,
// fsync, rename). burst=1 waits for each message to leave before the
// next; burst=64 queues 64 at once, which one save covers. saves/op is
// the writes per message.
func BenchmarkSendWithSURBs(b *testing.B) {
	for _, store := range []string{"none", "mem", "file"} {
		for _, burst := range []int{1, 64} {
			b.Run(fmt.Sprintf("state=%s/burst=%d", store, burst), func(b *testing.B) {
				benchSendWithSURBs(b, store, burst)
			})
		}
	}
}

func benchSendWithSURBs(b *testing.B, store string, burst int) {
	pn := newPaperNet(b, mrand.NewChaCha8([32]byte{0x53}))
	var st client.StateStore
	var saves func() int
	switch store {
	case "mem":
		ks := &keyState{}
		st, saves = ks, func() int { _, n := ks.stored(); return n }
	case "file":
		counted := &countingState{StateStore: fileState{path: filepath.Join(b.TempDir(), "reply-keys")}}
		st, saves = counted, counted.count
	}
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	c := newSaveClient(b, pn, st, nopConn{}, clk)
	c.SetConn(nopConn{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.RunSaver(ctx) })
	defer func() { cancel(); wg.Wait() }()
	to := recipient(pn, 0xf0)
	const surbs = 3
	msg := make([]byte, 100)
	drain := func(n int) {
		for n > 0 {
			if c.NextPacket() {
				n--
			} else {
				runtime.Gosched() // waiting for the saver
			}
		}
	}
	// Fill the store, so each message evicts as it will in steady state.
	const fill = 334
	for range fill {
		if _, err := c.SendWithSURBs(ctx, to, msg, surbs); err != nil {
			b.Fatal(err)
		}
	}
	drain(fill)
	if c.NextPacket() || c.ReplyKeyStats().Evicted == 0 {
		b.Fatalf("not one packet per message, or the store is not full: %+v", c.ReplyKeyStats())
	}
	before := 0
	if saves != nil {
		before = saves()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += burst {
		n := min(burst, b.N-i)
		for range n {
			if _, err := c.SendWithSURBs(ctx, to, msg, surbs); err != nil {
				b.Fatal(err)
			}
		}
		drain(n)
	}
	b.StopTimer()
	if saves != nil {
		b.ReportMetric(float64(saves()-before)/float64(b.N), "saves/op")
	}
}

// countingState counts the saves of the StateStore it wraps.
type countingState struct {
	client.StateStore
	mu sync.Mutex
	n  int
}

func (s *countingState) SaveReplyKeys(b []byte) error {
	err := s.StateStore.SaveReplyKeys(b)
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	return err
}

func (s *countingState) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
