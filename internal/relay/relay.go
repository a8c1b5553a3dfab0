// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package relay copies bytes both ways between two connections, passing
// each direction's end on as a half-close. The SOCKS5 front end
// (internal/socks5) relays between an application's TCP connection and a
// mixnet stream; the network requester (internal/netreq) between a mixnet
// stream and a target's TCP connection.
package relay

import (
	"io"
	"sync"
	"sync/atomic"
)

// halfCloser is a connection whose write side closes alone (*net.TCPConn,
// *streams.Stream, socks5.Conn).
type halfCloser interface{ CloseWrite() error }

// Copy copies a to b and b to a, each in its own goroutine, until both
// directions end; it returns when they have. A direction that reads EOF
// half-closes its destination (CloseWrite, or Close when the destination
// has no CloseWrite), so the other direction goes on. An error in either
// direction (a reset or a closed connection, not an EOF) closes both a
// and b, which ends the other direction too.
//
// If aToB or bToA is not nil, the bytes copied that way are added to it
// when the direction ends, before its end is passed on: whoever sees the
// half-close also sees the count.
//
// Copy closes a and b only on an error; the caller closes them when Copy
// returns. To stop a relay early (its context ends), close a and b.
func Copy(a, b io.ReadWriteCloser, aToB, bToA *atomic.Uint64) {
	abort := func() {
		a.Close()
		b.Close()
	}
	var wg sync.WaitGroup
	wg.Go(func() { direction(b, a, aToB, abort) })
	direction(a, b, bToA, abort)
	wg.Wait()
}

// direction copies src to dst; see Copy.
func direction(dst, src io.ReadWriteCloser, count *atomic.Uint64, abort func()) {
	n, err := io.Copy(dst, src)
	if count != nil {
		count.Add(uint64(n))
	}
	if err != nil {
		abort()
		return
	}
	if hc, ok := dst.(halfCloser); ok {
		_ = hc.CloseWrite()
	} else {
		dst.Close()
	}
}
