// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
)

// acceptAll accepts on a fresh 127.0.0.1 listener and hands each accepted
// connection to the returned channel.
func acceptAll(t *testing.T) (net.Listener, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for len(conns) > 0 {
			(<-conns).Close()
		}
	})
	return ln, conns
}

// TestLinkDialerCut: a cut closes the open connections to the cut address
// (the peer reads EOF, the dialler's writes fail), refuses new dials to it
// with ErrLinkCut, leaves other addresses alone, and heal lets dials
// through again.
func TestLinkDialerCut(t *testing.T) {
	leaktest.Check(t)
	a, aConns := acceptAll(t)
	b, _ := acceptAll(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := newLinkDialer()
	ca, err := d.DialContext(ctx, a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := d.DialContext(ctx, b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	peer := <-aConns

	d.setCut([]string{a.Addr().String()})
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := peer.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the peer of a cut link reads %d, %v; want EOF", n, err)
	}
	if _, err := ca.Write([]byte("x")); err == nil {
		t.Fatal("a write on a cut connection succeeded")
	}
	if _, err := d.DialContext(ctx, a.Addr().String()); !errors.Is(err, ErrLinkCut) {
		t.Fatalf("dial over a cut link: %v, want ErrLinkCut", err)
	}
	if _, err := cb.Write([]byte("y")); err != nil {
		t.Fatalf("a link not cut was affected: %v", err)
	}
	if st := d.linkStats(); st != (LinkStats{Dials: 2, Closed: 1, Refused: 1}) {
		t.Fatalf("stats after the cut %+v", st)
	}

	d.setCut(nil) // every link
	if _, err := d.DialContext(ctx, b.Addr().String()); !errors.Is(err, ErrLinkCut) {
		t.Fatalf("dial with every link cut: %v", err)
	}
	if _, err := cb.Write([]byte("z")); err == nil {
		t.Fatal("cutting every link left a connection open")
	}

	d.heal()
	c, err := d.DialContext(ctx, a.Addr().String())
	if err != nil {
		t.Fatalf("dial after heal: %v", err)
	}
	c.Close()
	d.mu.Lock()
	open := len(d.conns)
	d.mu.Unlock()
	if open != 0 {
		t.Fatalf("%d closed connections still tracked", open)
	}
	if st := d.linkStats(); st != (LinkStats{Dials: 3, Closed: 2, Refused: 2}) {
		t.Fatalf("stats at the end %+v", st)
	}
}
