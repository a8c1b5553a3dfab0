// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dirapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func sampleReport() *ReliabilityReport {
	return &ReliabilityReport{
		RunTimestamp: 1_800_000_000_000_000_000,
		Nodes: []NodeReliability{
			{PubKey: "a", LastRun: 100, LastHour: 99.5, LastDay: 98.25, Sent: 10, Received: 10},
			{PubKey: "bc", LastRun: 0, LastHour: 50, LastDay: 75, Sent: 10, Received: 0},
		},
	}
}

func TestReliabilityReportSignVerify(t *testing.T) {
	key := testKey(3)
	r := sampleReport()
	Sign(r, key, testNow)
	if _, err := Verify(r); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// The signature survives the JSON round trip (float64 values encode
	// exactly).
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back ReliabilityReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(&back); err != nil {
		t.Fatalf("Verify after JSON: %v", err)
	}
	tamper := []func(r *ReliabilityReport){
		func(r *ReliabilityReport) { r.Nodes[0].LastRun = 99.99 },
		func(r *ReliabilityReport) { r.Nodes[1].LastDay = 76 },
		func(r *ReliabilityReport) { r.Nodes[1].Received = 1 },
		func(r *ReliabilityReport) { r.Nodes[0].PubKey = "b" },
		func(r *ReliabilityReport) { r.Nodes = r.Nodes[:1] },
		func(r *ReliabilityReport) { r.RunTimestamp++ },
		func(r *ReliabilityReport) { r.Timestamp++ },
	}
	for i, f := range tamper {
		c := back
		c.Nodes = append([]NodeReliability(nil), back.Nodes...)
		f(&c)
		if _, err := Verify(&c); !errors.Is(err, ErrForged) {
			t.Errorf("tamper %d: Verify = %v, want ErrForged", i, err)
		}
	}
}

// A report's message starts with its own domain, so neither signature can
// stand for the other.
func TestReliabilityDomainSeparated(t *testing.T) {
	m := sampleReport().SigningMessage()
	if !bytes.HasPrefix(m, []byte(ReliabilitySigningDomain+"\x0breliability")) {
		t.Fatalf("message starts %q", m[:48])
	}
	if bytes.HasPrefix(m, []byte(SigningDomain)) {
		t.Fatal("report message starts with the presence domain")
	}
	// Moving bytes between a pubKey and the next field changes the message.
	a := &ReliabilityReport{Nodes: []NodeReliability{{PubKey: "ab"}}}
	b := &ReliabilityReport{Nodes: []NodeReliability{{PubKey: "a"}, {PubKey: "b"}}}
	if bytes.Equal(a.SigningMessage(), b.SigningMessage()) {
		t.Fatal("different node lists encode the same")
	}
}
