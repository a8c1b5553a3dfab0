// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package socks5e2e holds the end-to-end tests of the SOCKS5 proxy through
// a whole local network (internal/localnet: nym-socks5-client → 3 mix
// layers → gateway-1's network requester → a test HTTP server on
// 127.0.0.1), run against the in-process network and, unless -short,
// against the --exec network of nym-node and nym-socks5-client processes:
//
//   - curl --socks5-hostname fetches a page (the real /usr/bin/curl;
//     skipped with a message when curl is missing);
//   - a 10 MiB download arrives byte-identical (SHA-256; 2 MiB under the
//     race detector, which makes every packet several times dearer);
//   - 20 concurrent streams all complete, each with its own content;
//   - a host not on the exit's allow list gets a SOCKS refusal (curl exit
//     code 97, reply 0x02 to the Go client);
//   - an exit that goes away mid-download (Net.StopNode("gateway-1"))
//     ends the stream with an error within a bound (the proxy's stream
//     idle timeout), not a hang.
//
// Its only non-test code is Dial, a minimal SOCKS5 CONNECT client that the
// tests and bench/socks5 use.
//
//	go test -race -count=1 -short ./internal/socks5e2e/   # in-process only
//	go test -count=1 ./internal/socks5e2e/                # both modes
package socks5e2e
