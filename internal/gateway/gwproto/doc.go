// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package gwproto is the wire format of the client↔gateway websocket
// protocol, shared by the gateway (internal/gateway) and its client
// (internal/gateway/gwclient): the JSON handshake messages, the key
// derivations, the AEAD framing and the layouts of the encrypted frames.
// docs/protocol/gateway.md describes it byte by byte.
//
// The package is pure: no goroutines, no clock, no sockets. Randomness is
// passed in as an io.Reader.
//
// # Concurrency
//
// A Sealer and an Opener each belong to one goroutine (or are guarded by
// their owner's mutex): each keeps a frame counter that advances on every
// call.
package gwproto
