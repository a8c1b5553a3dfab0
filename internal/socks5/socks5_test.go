// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
)

func TestReadRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []byte
		target string
		code   byte // reply code of the *Error, 0 when accepted
	}{
		{"ipv4", []byte{5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90}, "127.0.0.1:8080", 0},
		{"ipv6", append(append([]byte{5, 1, 0, 4}, net.ParseIP("2001:db8::1")...), 0, 80), "[2001:db8::1]:80", 0},
		{"domain", append(append([]byte{5, 1, 0, 3, 11}, "example.com"...), 1, 187), "example.com:443", 0},
		{"bind", []byte{5, 2, 0, 1, 1, 2, 3, 4, 0, 80}, "1.2.3.4:80", ReplyCommandNotSupported},
		{"udp", []byte{5, 3, 0, 1, 1, 2, 3, 4, 0, 80}, "1.2.3.4:80", ReplyCommandNotSupported},
		{"atyp 5", []byte{5, 1, 0, 5, 1, 2, 3, 4, 0, 80}, "", ReplyAddressNotSupported},
		{"empty domain", []byte{5, 1, 0, 3, 0, 0, 80}, "", ReplyGeneralFailure},
		{"bad domain", append(append([]byte{5, 1, 0, 3, 4}, "a[:b"...), 0, 80), "", ReplyGeneralFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ReadRequest(bytes.NewReader(tc.in))
			var e *Error
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("ReadRequest: %v", err)
			case tc.code != 0 && (!errors.As(err, &e) || e.Code != tc.code):
				t.Fatalf("ReadRequest = %v, want reply code %d", err, tc.code)
			}
			if tc.target != "" && req.Target() != tc.target {
				t.Errorf("target %q, want %q", req.Target(), tc.target)
			}
		})
	}
	for name, in := range map[string][]byte{
		"version 4": {4, 1, 0, 1, 127, 0, 0, 1, 0, 80},
		"truncated": {5, 1, 0, 1, 127, 0},
		"empty":     {},
	} {
		if _, err := ReadRequest(bytes.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGreeting(t *testing.T) {
	m, err := ReadGreeting(bytes.NewReader([]byte{5, 2, 2, 0}))
	if err != nil || ChooseMethod(m) != MethodNoAuth {
		t.Errorf("no-auth among others: %v, %v", m, err)
	}
	m, err = ReadGreeting(bytes.NewReader([]byte{5, 1, 2}))
	if err != nil || ChooseMethod(m) != MethodNoAcceptable {
		t.Errorf("password only: %v, %v", m, err)
	}
	for _, in := range [][]byte{{4, 1, 0}, {5, 0}, {5, 3, 0}} {
		if _, err := ReadGreeting(bytes.NewReader(in)); err == nil {
			t.Errorf("greeting %v accepted", in)
		}
	}
}

func TestCode(t *testing.T) {
	if c := Code(&Error{Code: ReplyNotAllowed, Err: errors.New("x")}); c != ReplyNotAllowed {
		t.Errorf("wrapped code = %d", c)
	}
	if c := Code(context.DeadlineExceeded); c != ReplyHostUnreachable {
		t.Errorf("timeout = %d", c)
	}
	if c := Code(errors.New("boom")); c != ReplyGeneralFailure {
		t.Errorf("other = %d", c)
	}
}

// pipeConn is a Dialer's Conn over one end of a TCP loopback connection.
type tcpConn struct{ *net.TCPConn }

func dialTCP(ctx context.Context, target string) (Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, &Error{Code: ReplyConnectionRefused, Err: err}
	}
	return tcpConn{c.(*net.TCPConn)}, nil
}

// serve starts a SOCKS server on 127.0.0.1:0 with dial.
func serve(t *testing.T, dial Dialer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go Serve(ctx, c, dial, 5*time.Second, 5*time.Second)
		}
	}()
	t.Cleanup(func() { cancel(); ln.Close(); <-done })
	return ln.Addr().String()
}

// connect speaks the client side: greeting, CONNECT, reply code.
func connect(t *testing.T, proxy string, req []byte) (net.Conn, byte) {
	t.Helper()
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte{5, 1, 0})
	var m [2]byte
	if _, err := io.ReadFull(c, m[:]); err != nil || m != [2]byte{5, 0} {
		t.Fatalf("method reply %v, %v", m, err)
	}
	c.Write(req)
	var rep [10]byte
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		t.Fatalf("reply: %v", err)
	}
	return c, rep[1]
}

func TestServeConnect(t *testing.T) {
	leaktest.Check(t)
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		c, err := up.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c) // until the client's half-close
		c.Write(append([]byte("got "), b...))
	}()
	proxy := serve(t, dialTCP)
	port := up.Addr().(*net.TCPAddr).Port
	c, code := connect(t, proxy, []byte{5, 1, 0, 1, 127, 0, 0, 1, byte(port >> 8), byte(port)})
	defer c.Close()
	if code != ReplySucceeded {
		t.Fatalf("reply %d", code)
	}
	c.Write([]byte("ping"))
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "got ping" {
		t.Errorf("read %q, %v", b, err)
	}
}

func TestServeErrors(t *testing.T) {
	leaktest.Check(t)
	proxy := serve(t, func(ctx context.Context, target string) (Conn, error) {
		switch target {
		case "denied.example:80":
			return nil, &Error{Code: ReplyNotAllowed, Err: errors.New("not on the list")}
		case "slow.example:80":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return nil, errors.New("boom")
	})
	dom := func(cmd byte, host string) []byte {
		return append(append([]byte{5, cmd, 0, 3, byte(len(host))}, host...), 0, 80)
	}
	for _, tc := range []struct {
		name string
		req  []byte
		code byte
	}{
		{"refused by the exit", dom(1, "denied.example"), ReplyNotAllowed},
		{"other failure", dom(1, "x.example"), ReplyGeneralFailure},
		{"bind", dom(2, "x.example"), ReplyCommandNotSupported},
		{"bad address type", []byte{5, 1, 0, 9, 0, 0}, ReplyAddressNotSupported},
	} {
		c, code := connect(t, proxy, tc.req)
		c.Close()
		if code != tc.code {
			t.Errorf("%s: reply %d, want %d", tc.name, code, tc.code)
		}
	}
	// No acceptable method.
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte{5, 1, 2})
	var m [2]byte
	if _, err := io.ReadFull(c, m[:]); err != nil || m != [2]byte{5, 0xFF} {
		t.Errorf("method reply %v, %v; want 5 FF", m, err)
	}
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte{5, 1, 0, 1, 127, 0, 0, 1, 0, 80})
	f.Add(append(append([]byte{5, 1, 0, 3, 3}, "a.b"...), 0, 80))
	f.Add([]byte{5, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80})
	f.Fuzz(func(t *testing.T, in []byte) {
		req, err := ReadRequest(bytes.NewReader(in))
		if err == nil {
			if req.Command != CmdConnect || req.Host == "" {
				t.Fatalf("accepted %+v", req)
			}
			if _, _, err := net.SplitHostPort(req.Target()); err != nil {
				t.Fatalf("target %q: %v", req.Target(), err)
			}
		}
		ReadGreeting(bytes.NewReader(in))
	})
}
