// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// fit3 is a SURBsFit like the SOCKS client's: a short message carries 3
// SURBs in one packet, a message over 1200 bytes none.
func fit3(msgLen int) int { return max(0, min(3, (1560-msgLen)/400)) }

// TestSURBsSplitIntoPackets: after the first message (the Open, which
// carries all its SURBs because the exit may not know the session yet),
// every message carries only what fits in one packet, and the messages of
// SURBs alone leave at most one per SURBInterval after a burst of 3.
func TestSURBsSplitIntoPackets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const iv = 20 * time.Millisecond
		l := &link{minDelay: 100 * time.Millisecond, maxDelay: 100 * time.Millisecond, fit: fit3}
		p := newPair(t, 7, Config{SURBInterval: iv}, Config{}, l)
		const n = 400_000
		if got := fetch(t, p.client, fmt.Sprintf("gen:%d:1", n)); sum(got) != sum(pattern(fmt.Sprintf("gen:%d:1", n), n)) {
			t.Fatal("download corrupted")
		}
		l.mu.Lock()
		sent := append([]sentMsg(nil), l.sent...)
		l.mu.Unlock()
		if len(sent) == 0 || sent[0].surbs != DefaultSURBsPerOpen {
			t.Fatalf("first message carried %+v, want the Open's %d SURBs", sent[:min(1, len(sent))], DefaultSURBsPerOpen)
		}
		var surbOnly []time.Time
		total := sent[0].surbs
		for i, m := range sent[1:] {
			total += m.surbs
			if m.surbs > fit3(m.len) {
				t.Errorf("message %d: %d bytes with %d SURBs, more than the %d that fit", i+1, m.len, m.surbs, fit3(m.len))
			}
			if m.len == HeaderLen && m.surbs > 0 {
				surbOnly = append(surbOnly, m.at)
			}
		}
		if len(surbOnly) < 10 {
			t.Fatalf("%d messages of SURBs alone; want the supply split into many", len(surbOnly))
		}
		// In any window of k intervals at most k+3 such messages leave.
		for i := range surbOnly {
			for j := i + 4; j < len(surbOnly); j++ {
				if span := surbOnly[j].Sub(surbOnly[i]); span < time.Duration(j-i-3)*iv {
					t.Fatalf("%d SURB messages within %v: pacing at %v not kept", j-i+1, span, iv)
				}
			}
		}
		cs := p.client.Stats()
		if cs.SURBsSent != uint64(total) || cs.Wants == 0 || cs.SURBsWanted == 0 {
			t.Errorf("client stats %+v; link saw %d SURBs", cs, total)
		}
		t.Logf("%d messages, %d with SURBs alone, %d SURBs, %d wants for %d", len(sent), len(surbOnly), total, cs.Wants, cs.SURBsWanted)
	})
}

// TestSupplyKeepsUp: on a slow path (about 400 ms round trip) the exit
// sizes its Wants from its sending rate and the round trip, so the SURB
// supply runs at the client's paced rate: a download takes close to what
// the supply allows (3 SURBs per 20 ms), where fixed asks of WantBatch
// left the exit waiting for every batch.
func TestSupplyKeepsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const iv = 20 * time.Millisecond
		l := &link{minDelay: 180 * time.Millisecond, maxDelay: 40 * time.Millisecond, fit: fit3}
		p := newPair(t, 11, Config{SURBInterval: iv}, Config{}, l)
		const n = 2 << 20
		start := time.Now()
		if got := fetch(t, p.client, fmt.Sprintf("gen:%d:2", n)); len(got) != n {
			t.Fatalf("got %d bytes", len(got))
		}
		took := time.Since(start)
		// The exit's messages carry about 1,500 bytes of data each.
		perReply := 1600 - HeaderLen - FrameHeaderLen
		ideal := time.Duration(float64(n) / float64(perReply) / (3 / iv.Seconds()) * float64(time.Second))
		es := p.exit.Stats()
		t.Logf("%d bytes in %v (supply bound %v); exit: %d wants for %d SURBs, rate %.0f/s, round trip %v, %d stalls",
			n, took, ideal, es.Wants, es.SURBsWanted, es.SendRate, es.SURBRoundTrip, es.CreditStalls)
		if took > ideal*13/10+time.Second {
			t.Errorf("download took %v, more than 1.3 × the supply bound %v + 1 s", took, ideal)
		}
		if es.Wants == 0 || es.SURBsWanted/es.Wants <= DefaultWantBatch {
			t.Errorf("exit asked %d SURBs in %d wants; want asks sized above WantBatch", es.SURBsWanted, es.Wants)
		}
		if es.SURBRoundTrip < 360*time.Millisecond || es.SURBRoundTrip > time.Second {
			t.Errorf("measured round trip %v, the path's is 360-440 ms", es.SURBRoundTrip)
		}
	})
}

// TestMaxCreditsRespected: the exit never asks for more than MaxCredits
// minus what it holds and has asked for.
func TestMaxCreditsRespected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{minDelay: 180 * time.Millisecond, maxDelay: 40 * time.Millisecond, fit: fit3}
		const maxCredits = 60
		p := newPair(t, 12, Config{}, Config{MaxCredits: maxCredits, WantBatch: 100}, l)
		const n = 500_000
		if got := fetch(t, p.client, fmt.Sprintf("gen:%d:3", n)); len(got) != n {
			t.Fatalf("got %d bytes", len(got))
		}
		l.mu.Lock()
		held, asked := l.maxHeld, l.maxWant
		l.mu.Unlock()
		es := p.exit.Stats()
		if held > maxCredits {
			t.Errorf("the exit held %d SURBs at once, MaxCredits is %d", held, maxCredits)
		}
		if asked > maxCredits {
			t.Errorf("the exit asked for %d SURBs at once, MaxCredits is %d", asked, maxCredits)
		}
		if es.Wants < 2 {
			t.Errorf("%d wants: the download needs several", es.Wants)
		}
		t.Logf("held at most %d SURBs; largest want %d; %d wants for %d", held, asked, es.Wants, es.SURBsWanted)
	})
}

// TestWantsAreCumulative: each Want adds to what the client owes, up to
// MaxPendingSURBs.
func TestWantsAreCumulative(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []int
		id := [16]byte{9}
		c, err := New(Config{Role: Client, SessionID: id, ProbeSURBs: -1, ExitTimeout: -1},
			Deps{Send: func(_ context.Context, _ []byte, surbs int) error { got = append(got, surbs); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		want := func(n uint64) []byte {
			return AppendFrame(AppendHeader(nil, id), Frame{Kind: KindWant, Seq: n})
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		for _, n := range []uint64{100, 50} {
			if err := c.Handle(want(n)); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		total := 0
		for _, n := range got {
			total += n
		}
		if total != 150 {
			t.Errorf("sent %d SURBs (%v) for wants of 100 and 50, want 150", total, got)
		}
		got = nil
		for range 5 {
			c.Handle(want(MaxWant))
		}
		synctest.Wait()
		total = 0
		for _, n := range got {
			total += n
		}
		if total > MaxPendingSURBs || total < MaxWant {
			t.Errorf("sent %d SURBs for 5 wants of %d, want at most MaxPendingSURBs %d", total, MaxWant, MaxPendingSURBs)
		}
		if s := c.Stats(); s.Wants != 7 {
			t.Errorf("Stats.Wants %d, want 7", s.Wants)
		}
		cancel()
		<-done
	})
}
