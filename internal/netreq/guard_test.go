// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/netreq"
	"github.com/nym-go/nym/internal/streams"
)

// fakeResolver answers from a table; a missing name is an error.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	if network != "ip" {
		return nil, errors.New("unexpected network " + network)
	}
	ips, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]netip.Addr, len(ips))
	for i, s := range ips {
		out[i] = netip.MustParseAddr(s)
	}
	return out, nil
}

// recordingDialer records every address dialled; it connects for real to
// the one address it is given and answers "connection refused" otherwise.
type recordingDialer struct {
	real string
	mu   sync.Mutex
	got  []string
}

func (d *recordingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.got = append(d.got, addr)
	d.mu.Unlock()
	if addr == d.real {
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
}

func (d *recordingDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// echoes checks that st echoes a message.
func echoes(t *testing.T, st *streams.Stream) {
	t.Helper()
	msg := []byte("ping through the exit")
	go func() {
		_, _ = st.Write(msg)
		_ = st.CloseWrite()
	}()
	got, err := io.ReadAll(st)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echoed %q (%v), want %q", got, err, msg)
	}
	st.Close()
}

// TestResolvedAddressesChecked: an allowed domain is resolved and its
// addresses are checked against the local ranges before anything is
// dialled; only an IP or CIDR rule inside a local range (or AllowPrivate)
// admits such an address, and only admitted addresses are dialled.
func TestResolvedAddressesChecked(t *testing.T) {
	leaktest.Check(t)
	echo := echoServer(t)
	_, port, _ := net.SplitHostPort(echo)
	for _, tt := range []struct {
		name    string
		allow   string
		private bool
		ips     []string
		want    string   // "" = accepted, else the refusal reason
		dialled []string // IPs dialled, in order
	}{
		{"loopback refused", "svc.test\n", false, []string{"127.0.0.1"}, "local or private", nil},
		{"loopback with a loopback rule", "svc.test\n127.0.0.0/8\n", false, []string{"127.0.0.1"}, "", []string{"127.0.0.1"}},
		{"loopback with its address as rule", "svc.test\n127.0.0.1\n", false, []string{"127.0.0.1"}, "", []string{"127.0.0.1"}},
		{"other loopback address", "svc.test\n127.0.0.2\n", false, []string{"127.0.0.1"}, "local or private", nil},
		{"a broad rule does not open loopback", "svc.test\n0.0.0.0/0\n::/0\n", false, []string{"127.0.0.1", "::1"}, "local or private", nil},
		{"IPv4-mapped loopback refused", "svc.test\n", false, []string{"::ffff:127.0.0.1"}, "local or private", nil},
		{"IPv4-mapped loopback with a rule", "svc.test\n127.0.0.0/8\n", false, []string{"::ffff:127.0.0.1"}, "", []string{"127.0.0.1"}},
		{"private and link-local refused", "svc.test\n", false,
			[]string{"10.1.2.3", "169.254.169.254", "192.168.1.1", "172.16.0.1", "100.64.0.1", "0.0.0.0", "fd00::1", "fe80::1", "::1", "::", "ff02::1", "224.0.0.1"},
			"local or private", nil},
		{"only the public records are dialled", "svc.test\n", false,
			[]string{"127.0.0.1", "10.0.0.5", "203.0.113.5", "fe80::1", "2001:db8::5"},
			"connect failed: connection refused", []string{"203.0.113.5", "2001:db8::5"}},
		{"allow private", "svc.test\n", true, []string{"127.0.0.1"}, "", []string{"127.0.0.1"}},
		{"not resolved", "nx.test\n", false, nil, "connect failed: unreachable", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &recordingDialer{real: echo}
			res := fakeResolver{"svc.test": tt.ips}
			h := startDeps(t, netreq.Config{AllowPrivate: tt.private, DialTimeout: 5 * time.Second}, tt.allow,
				netreq.Deps{Resolver: res, Dial: d.dial})
			host := "svc.test"
			if strings.HasPrefix(tt.allow, "nx.test") {
				host = "a.nx.test"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st, err := h.cli.Open(ctx, net.JoinHostPort(host, port))
			var want []string
			for _, ip := range tt.dialled {
				want = append(want, net.JoinHostPort(ip, port))
			}
			if got := d.dialled(); !slices.Equal(got, want) {
				t.Errorf("dialled %q, want %q", got, want)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				echoes(t, st)
				return
			}
			var ref *streams.RefusedError
			if !errors.As(err, &ref) || !strings.Contains(ref.Reason, tt.want) {
				t.Fatalf("Open: %v, want a refusal containing %q", err, tt.want)
			}
			if strings.Contains(ref.Reason, port) || strings.Contains(ref.Reason, "dial") {
				t.Errorf("the reason %q tells the client too much", ref.Reason)
			}
			s := h.r.Stats()
			if tt.want == "local or private" && (s.LocalRefused != 1 || s.StreamsRefused != 1 || s.DialFailures != 0) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestOpenProxyGuardsLocalRanges: an open proxy still refuses the exit's
// own and private addresses, as literals or resolved, unless AllowPrivate.
func TestOpenProxyGuardsLocalRanges(t *testing.T) {
	leaktest.Check(t)
	echo := echoServer(t)
	_, port, _ := net.SplitHostPort(echo)
	d := &recordingDialer{real: echo}
	h := startDeps(t, netreq.Config{OpenProxy: true}, "",
		netreq.Deps{Resolver: fakeResolver{"rebind.test": {"127.0.0.1"}, "public.test": {"203.0.113.9"}}, Dial: d.dial})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	local := []string{echo, "[::ffff:127.0.0.1]:" + port, "0.0.0.0:" + port, "169.254.169.254:80", "10.0.0.1:80",
		"[::1]:" + port, "[fe80::1]:80", "rebind.test:" + port}
	for _, target := range local {
		_, err := h.cli.Open(ctx, target)
		var ref *streams.RefusedError
		if !errors.As(err, &ref) || !strings.Contains(ref.Reason, "local or private") {
			t.Errorf("Open(%s): %v, want a local-range refusal", target, err)
		}
	}
	if _, err := h.cli.Open(ctx, "public.test:443"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Open(public.test): %v, want it dialled (and refused by the fake)", err)
	}
	if got := d.dialled(); !slices.Equal(got, []string{"203.0.113.9:443"}) {
		t.Errorf("dialled %q, want only the public address", got)
	}
	if s := h.r.Stats(); s.LocalRefused != uint64(len(local)) {
		t.Errorf("LocalRefused = %d, want %d", s.LocalRefused, len(local))
	}

	h2 := startDeps(t, netreq.Config{OpenProxy: true, AllowPrivate: true}, "",
		netreq.Deps{Resolver: fakeResolver{"rebind.test": {"127.0.0.1"}}})
	for _, target := range []string{echo, "rebind.test:" + port} {
		st, err := h2.cli.Open(ctx, target)
		if err != nil {
			t.Fatalf("allow_private: Open(%s): %v", target, err)
		}
		echoes(t, st)
	}
}

// TestZonedTargetRefused: an IPv6 literal with a zone is refused before
// any check or dial, even where a rule covers its address.
func TestZonedTargetRefused(t *testing.T) {
	leaktest.Check(t)
	for _, cfg := range []netreq.Config{{}, {OpenProxy: true, AllowPrivate: true}} {
		d := &recordingDialer{}
		h := startDeps(t, cfg, "fe80::/10\n", netreq.Deps{Dial: d.dial})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for _, target := range []string{"[fe80::1%eth0]:80", "[fe80::1%25lo]:80"} {
			_, err := h.cli.Open(ctx, target)
			var ref *streams.RefusedError
			if !errors.As(err, &ref) || ref.Reason != "bad target" {
				t.Errorf("%+v: Open(%s): %v, want a bad-target refusal", cfg, target, err)
			}
		}
		cancel()
		if got := d.dialled(); len(got) != 0 {
			t.Errorf("%+v: dialled %q", cfg, got)
		}
		if h.r.Allows("fe80::1%eth0") {
			t.Errorf("%+v: Allows a zoned literal", cfg)
		}
	}
}

// TestSessionNeedsOpenAndSURB: a message of an unknown session starts one
// only if it carries a reply SURB and an Open frame; other messages are
// dropped and counted, so random ids cannot fill the session table.
func TestSessionNeedsOpenAndSURB(t *testing.T) {
	leaktest.Check(t)
	mix := &fakeMixnet{recv: make(chan client.Received)}
	r, err := netreq.New(netreq.Config{}, netreq.Deps{Client: mix})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	id := func(b byte) [16]byte { return [16]byte{9, b} }
	ack := streams.AppendFrame(streams.AppendHeader(nil, id(3)),
		streams.Frame{Kind: streams.KindAck, Stream: 1, Seq: 1, Body: make([]byte, 8)})
	ping := streams.AppendFrame(streams.AppendHeader(nil, id(4)), streams.Frame{Kind: streams.KindPing, Seq: 1})
	bad := append(streams.AppendHeader(nil, id(5)), 0xff, 0xff)
	for _, m := range []client.Received{
		{Message: streams.AppendHeader(nil, id(1)), ReplySURBs: surbs(5)}, // no frame
		{Message: openMsg(id(2), "example.com:80")},                       // no SURB
		{Message: ack, ReplySURBs: surbs(1)},                              // no Open
		{Message: ping, ReplySURBs: surbs(1)},
		{Message: bad, ReplySURBs: surbs(1)}, // undecodable
	} {
		mix.recv <- m
	}
	mix.recv <- client.Received{Message: openMsg(id(6), "example.com:80"), ReplySURBs: surbs(2)}
	mix.recv <- client.Received{Message: streams.AppendHeader(nil, id(6)), ReplySURBs: surbs(1)} // its session exists
	mix.recv <- client.Received{Message: streams.AppendHeader(nil, id(6))}                       // Run is done with the ones before
	s := r.Stats()
	if s.UnknownSession != 5 || s.SessionsOpened != 1 || s.SessionsActive != 1 || s.SURBsStored != 3 ||
		s.MessagesDropped != 5 {
		t.Fatalf("stats %+v", s)
	}
	var b strings.Builder
	if err := s.WriteMetrics(&b); err != nil || !strings.Contains(b.String(), "nym_netreq_messages_unknown_session_total 5\n") {
		t.Fatalf("metrics:\n%s", b.String())
	}
}
