// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"strings"
	"testing"
)

// TestStopStartClientRefusals: before Run has started the clients, and for
// unknown or already stopped clients, StopClient and StartClient refuse
// with an error naming the reason. (internal/netsuite exercises a real
// stop and start on running networks.)
func TestStopStartClientRefusals(t *testing.T) {
	n, err := New(Config{}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.StopClient("client-1"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("StopClient before Run = %v", err)
	}
	if err := n.StartClient(context.Background(), "client-1"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("StartClient before Run = %v", err)
	}
	stopped := false
	n.live = &liveClients{
		stop: map[string]func(){"client-1": func() { stopped = true }},
		info: map[string]ClientInfo{"client-1": {ID: "client-1"}, "client-2": {ID: "client-2"}},
	}
	if err := n.StopClient("client-9"); err == nil || !strings.Contains(err.Error(), `no client "client-9"`) {
		t.Fatalf("StopClient of an unknown client = %v", err)
	}
	if err := n.StartClient(context.Background(), "client-1"); err == nil || !strings.Contains(err.Error(), "is running") {
		t.Fatalf("StartClient of a running client = %v", err)
	}
	if err := n.StopClient("client-1"); err != nil || !stopped {
		t.Fatalf("StopClient = %v, stop called %v", err, stopped)
	}
	if err := n.StopClient("client-1"); err == nil || !strings.Contains(err.Error(), "stopped already") {
		t.Fatalf("second StopClient = %v", err)
	}
	n.endClients()
	if err := n.StopClient("client-2"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("StopClient after the end = %v", err)
	}
}
