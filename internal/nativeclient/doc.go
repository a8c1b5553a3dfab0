// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package nativeclient wires the nym-client daemon together from its files:
// the client core (internal/client), a topology watcher with an on-disk
// cache, and the local websocket API for applications (internal/clientapi).
// Only cmd/nym-client and the local network launcher import it.
//
// # Files
//
// A client lives under $NYM_HOME/clients/<id>/:
//
//	config/config.toml            Config (TOML; durations as strings like "20ms")
//	keys/ed25519_identity(.pub)   identity: the gateway delivers to it
//	keys/x25519_encryption(.pub)  end-to-end encryption key (internal/e2e)
//	keys/ack_key                  seals the client's acks (internal/ack)
//	data/gateway_keys/<gateway>   key shared with the gateway at registration
//	data/reply-keys               keys of reply SURBs handed out (client.StateStore)
//	data/topology.json            last usable topology from the directory
//
// Private keys and data files are 0600, keys/ and data/ 0700.
//
// # Use from a program (the local network launcher)
//
// Init creates a client and registers it with a gateway. The gateway is
// picked at random from the directory's topology unless
// InitOptions.Gateway names one (base58 identity). InitOptions.APIPort is
// the local API's port; 0 (the zero value) writes api.listen =
// "127.0.0.1:0", which picks a free port at each run, and the bound address
// is then reported by RunOptions.Ready. InitOptions.Traffic sets the
// [traffic] section (zero fields take the defaults), for example short
// mixing delays for a local network.
//
//	cfg, addr, err := nativeclient.Init(ctx, nativeclient.InitOptions{
//		Home: root, ID: "alice", Directory: dirURL, Gateway: gwIdentity})
//	err = nativeclient.Run(ctx, nativeclient.RunOptions{Home: root, ID: "alice",
//		Ready: func(a nativeclient.Addrs) { /* a.API, a.Address */ }})
//
// Run stops within ShutdownTimeout of its context ending.
//
// # No mixing delay
//
// traffic.hop_delay = "0s" in the file (NoHopDelay in TrafficConfig)
// means no mixing delay: every mix forwards a packet at once. An absent
// hop_delay (the zero value in Go) means DefaultHopDelay. No delay gives
// no anonymity against a timing observer; it is for local networks,
// tests and latency benchmarks.
package nativeclient
