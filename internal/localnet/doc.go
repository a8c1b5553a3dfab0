// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package localnet starts a whole network on this machine: a directory,
// Layers x MixesPerLayer mix nodes, entry gateways and native clients, over
// loopback TCP with fresh keys. cmd/nym-localnet is its command line;
// end-to-end tests use it too.
//
// # What Run does
//
//  1. Creates Config.Dir (or a temporary directory), laid out as a
//     NYM_HOME: nym-nodes/<id>/, clients/<id>/ and socks5-clients/<id>/
//     as nym-node init, nym-client init and nym-socks5-client init write
//     them.
//  2. Serves a directory (internal/directory) in this process, in both
//     modes, on Config.DirectoryListen.
//  3. Picks a free 127.0.0.1 port for every listener (mixnet, HTTP API,
//     client websocket) and writes it into each node's config with
//     node.Init, with presence and topology intervals of 1 s.
//  4. Runs the nodes: node.Run in this process, or with Config.Exec
//     "nym-node run --id ID" with NYM_HOME=Dir, one process each.
//  5. Waits until every node is in the directory's topology (with its
//     key, address and layer) and answers on its HTTP API; then
//     initialises the clients (nativeclient.Init registers client-i at
//     gateway-((i-1) mod Gateways+1)), runs them (nativeclient.Run, or
//     "nym-client run --id ID"), and waits until each API answers
//     selfAddress with the client's address, and until every node has
//     fetched the full topology (settleTime after the last node joined).
//     Meanwhile it initialises and runs the SOCKS5 proxy (socks5.go:
//     socks5client.Init/Run, or "nym-socks5-client run --id socks5-1"),
//     whose provider is gateway-1's network requester, and waits until
//     its port accepts connections (unless Config.NoSOCKS5).
//  6. Writes localnet.json (Info) atomically, prints a table to
//     Deps.Stdout and calls Deps.Ready. The file never exists before.
//     Then it starts the network monitor (monitor.go; in this process in
//     both modes, unless Config.NoMonitor), whose key the directory trusts.
//  7. With Config.Traffic, the clients send each other messages (see
//     traffic.go), and the counts are logged every 5 s.
//  8. Runs until its context ends or a part fails (a node or client
//     returning, a child process exiting), then stops everything within
//     ShutdownTimeout: in-process parts are cancelled; children get
//     SIGTERM, and SIGKILL 4.5 s later. A temporary Dir is removed.
//
// # Child processes
//
// With Exec, children run in their own process group (a Ctrl-C in the
// terminal reaches only the launcher, which stops them in order) and, on
// Linux, are killed by the kernel if the launcher dies. Their stdout and
// stderr go to Deps.Stderr, each line prefixed with "[id] ". The binaries
// are looked up as described at Config.BinDir.
//
// # Ports
//
// Free ports are found by listening on 127.0.0.1:0 and closing. Another
// program may take one before a node or client binds it. In-process, such
// a node or client ("address already in use") is started again on fresh
// ports with its config rewritten, up to 4 times (ports.go). With Exec the
// child fails and Run returns its error (run again).
//
// # Links
//
// In-process, each node dials its next hops through a switch (links.go):
// Net.CutLinks cuts some of its TCP links (dials fail, open connections
// close) until Net.HealLinks.
package localnet
