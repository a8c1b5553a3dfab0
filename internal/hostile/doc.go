// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package hostile holds tests that attack running components on loopback:
// a mix node's mixnet listener, a gateway's client websocket and mixnet
// listener, the directory's HTTP API, a node's HTTP API, a client's local
// websocket API (clientapi.Server) and the SOCKS5 proxy
// (socks5client.Proxy, over an exit session in the same process). Each attack
// (random bytes, half-open connections that never send, oversized frames
// and bodies, connection floods) runs while a well-behaved peer keeps
// using the component, and the test checks that nothing crashed, that the
// attacker's connections were closed or refused and counted, that the
// well-behaved peer was served throughout, and that goroutines and heap
// came back within bounds afterwards. It also checks that replayed Sphinx
// packets are dropped, that a presence announcement cannot take over
// another node's key, and that nothing can inject lines into the
// directory's metrics websocket.
//
// Attackers dial from 127.0.0.3 and well-behaved peers from 127.0.0.1 or
// 127.0.0.2 (all of 127.0.0.0/8 reaches a listener on 127.0.0.1 on
// Linux), so per-IP limits are tested with LimitLoopback set.
//
// The package has no non-test code.
package hostile
