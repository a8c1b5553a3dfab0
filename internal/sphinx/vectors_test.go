// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the fixed seeds")

const vectorsPath = "testdata/vectors.json"

// hexBytes is a byte string written as hex in JSON.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	d, err := hex.DecodeString(string(b))
	*h = d
	return err
}

type vectorFile struct {
	Comment []string        `json:"comment"`
	Packets []packetVector  `json:"packets"`
	SURBs   []surbVector    `json:"surbs"`
	Sizes   []sizeTypeEntry `json:"size_types"`
}

type sizeTypeEntry struct {
	SizeType  uint8 `json:"size_type"`
	Plaintext int   `json:"plaintext"`
	Payload   int   `json:"payload"`
	Packet    int   `json:"packet"`
}

type vectorHop struct {
	PrivateKey   hexBytes `json:"private_key"`
	PublicKey    hexBytes `json:"public_key"`
	Address      string   `json:"address"`
	AddressBytes hexBytes `json:"address_bytes"`
	DelayNS      int64    `json:"delay_ns"`
}

// vectorStep is what one hop gets from unwrapping.
type vectorStep struct {
	Action    string   `json:"action"`
	ReplayTag hexBytes `json:"replay_tag"`
	// Forward hops.
	NextHop      hexBytes `json:"next_hop,omitempty"`
	DelayNS      int64    `json:"delay_ns,omitempty"`
	PacketSHA256 hexBytes `json:"packet_sha256,omitempty"`
	// The final hop.
	Destination   hexBytes `json:"destination,omitempty"`
	Identifier    hexBytes `json:"identifier,omitempty"`
	PayloadSHA256 hexBytes `json:"payload_sha256,omitempty"`
}

type packetVector struct {
	Name        string       `json:"name"`
	SizeType    uint8        `json:"size_type"`
	Route       []vectorHop  `json:"route"`
	Destination hexBytes     `json:"destination"`
	Identifier  hexBytes     `json:"identifier"`
	Plaintext   hexBytes     `json:"plaintext"`
	Randomness  hexBytes     `json:"randomness"`
	Packet      hexBytes     `json:"packet"`
	Steps       []vectorStep `json:"steps"`
}

type surbVector struct {
	Name        string       `json:"name"`
	SizeType    uint8        `json:"size_type"`
	Route       []vectorHop  `json:"route"`
	Destination hexBytes     `json:"destination"`
	Identifier  hexBytes     `json:"identifier"`
	Randomness  hexBytes     `json:"randomness"`
	SURB        hexBytes     `json:"surb"`
	ReplyKeys   hexBytes     `json:"reply_keys"`
	Reply       hexBytes     `json:"reply"`
	Packet      hexBytes     `json:"packet"`
	Steps       []vectorStep `json:"steps"`
}

// recorder copies what is read through it.
type recorder struct {
	r   io.Reader
	got []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.got = append(r.got, p[:n]...)
	return n, err
}

type vectorCase struct {
	name string
	size sphinx.SizeType
	hops int
	text []byte
}

func vectorRoute(t *testing.T, name string, hops int) ([]testNode, []vectorHop, io.Reader) {
	rng := seededReader("vectors/" + name)
	nodes := newNodes(t, rng, hops)
	route := make([]vectorHop, hops)
	for i, n := range nodes {
		pub := n.hop.PublicKey
		route[i] = vectorHop{n.key[:], pub[:], n.hop.Address.String(), n.hop.Address[:], int64(n.hop.Delay)}
	}
	return nodes, route, rng
}

// stepOf records what a hop got from Unwrap.
func stepOf(res sphinx.Unwrapped) vectorStep {
	st := vectorStep{Action: res.Action.String(), ReplayTag: res.ReplayTag[:]}
	if res.Action == sphinx.Forward {
		sum := sha256.Sum256(res.Packet)
		st.NextHop, st.DelayNS, st.PacketSHA256 = res.NextHop[:], int64(res.Delay), sum[:]
	} else {
		sum := sha256.Sum256(res.Payload)
		st.Destination, st.Identifier, st.PayloadSHA256 = res.Destination[:], res.Identifier[:], sum[:]
	}
	return st
}

// vectorSteps unwraps pkt along nodes and records each hop's result.
func vectorSteps(t *testing.T, nodes []testNode, pkt []byte) ([]vectorStep, []byte) {
	t.Helper()
	var steps []vectorStep
	for _, n := range nodes {
		res, err := n.proc.Unwrap(pkt)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, stepOf(res))
		if res.Action == sphinx.Final {
			return steps, res.Payload
		}
	}
	t.Fatal("no final hop")
	return nil, nil
}

func generateVectors(t *testing.T) *vectorFile {
	v := &vectorFile{Comment: []string{
		"Sphinx test vectors for internal/sphinx; see docs/protocol/sphinx.md.",
		"Regenerate with: go test ./internal/sphinx -run Vectors -update",
		"randomness is every byte NewPacket or NewSURB read from its io.Reader, in order.",
		"Each step is what the route's next hop gets from Unwrap; hashes are SHA-256 of the forwarded packet or the final payload.",
	}}
	for _, size := range sizes {
		v.Sizes = append(v.Sizes, sizeTypeEntry{uint8(size), size.PlaintextSize(), size.PayloadSize(), size.PacketSize()})
	}
	for _, c := range []vectorCase{
		{"ack-1hop", sphinx.Ack, 1, []byte("ack!")},
		{"regular-3mixes-gateway", sphinx.Regular, 4, []byte("hello, mixnet")},
		{"regular-5hops-full", sphinx.Regular, 5, fullPlaintext(sphinx.Regular)},
	} {
		nodes, route, rng := vectorRoute(t, c.name, c.hops)
		dest, id := sphinx.Destination(sha256.Sum256([]byte("dest "+c.name))), sphinx.Identifier{1, 2, 3, 4}
		rec := &recorder{r: rng}
		pkt, err := sphinx.NewPacket(rec, routeOf(nodes), dest, id, c.size, c.text)
		if err != nil {
			t.Fatal(err)
		}
		pv := packetVector{c.name, uint8(c.size), route, dest[:], id[:], c.text, rec.got, bytes.Clone(pkt), nil}
		var payload []byte
		pv.Steps, payload = vectorSteps(t, nodes, pkt)
		if got, err := sphinx.OpenPayload(payload); err != nil || !bytes.Equal(got, c.text) {
			t.Fatalf("%s: opened %x, %v", c.name, got, err)
		}
		v.Packets = append(v.Packets, pv)
	}
	for _, c := range []vectorCase{
		{"surb-ack-4hops", sphinx.Ack, 4, []byte("reply ack")},
		{"surb-regular-2hops", sphinx.Regular, 2, []byte("an anonymous reply")},
	} {
		nodes, route, rng := vectorRoute(t, c.name, c.hops)
		dest, id := sphinx.Destination(sha256.Sum256([]byte("dest "+c.name))), sphinx.Identifier{0xee, 15: 0xff}
		rec := &recorder{r: rng}
		surb, keys, err := sphinx.NewSURB(rec, routeOf(nodes), dest, id, c.size)
		if err != nil {
			t.Fatal(err)
		}
		sb, _ := surb.MarshalBinary()
		kb, _ := keys.MarshalBinary()
		pkt, _, err := surb.Use(c.text)
		if err != nil {
			t.Fatal(err)
		}
		sv := surbVector{c.name, uint8(c.size), route, dest[:], id[:], rec.got, sb, kb, c.text, bytes.Clone(pkt), nil}
		var payload []byte
		sv.Steps, payload = vectorSteps(t, nodes, pkt)
		if got, err := keys.Open(payload); err != nil || !bytes.Equal(got, c.text) {
			t.Fatalf("%s: opened %x, %v", c.name, got, err)
		}
		v.SURBs = append(v.SURBs, sv)
	}
	return v
}

// TestVectors regenerates the vectors from their fixed seeds and compares
// them with testdata/vectors.json, so any change to the format shows up as
// a diff of that file.
func TestVectors(t *testing.T) {
	got, err := json.MarshalIndent(generateVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(vectorsPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("generated vectors differ from %s; if the format changed on purpose, run with -update and review the diff", vectorsPath)
	}
}

// TestVectorsUnwrap processes the stored packets with the stored keys,
// independently of how they were built: the check another implementation
// of the format would run.
func TestVectorsUnwrap(t *testing.T) {
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	check := func(name string, route []vectorHop, pkt []byte, steps []vectorStep) []byte {
		t.Helper()
		if len(steps) != len(route) {
			t.Fatalf("%s: %d steps for %d hops", name, len(steps), len(route))
		}
		pkt = bytes.Clone(pkt)
		for i, h := range route {
			res, err := sphinx.NewProcessor(sphinx.PrivateKey(h.PrivateKey)).Unwrap(pkt)
			if err != nil {
				t.Fatalf("%s hop %d: %v", name, i, err)
			}
			gotJSON, _ := json.Marshal(stepOf(res))
			wantJSON, _ := json.Marshal(steps[i])
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Fatalf("%s hop %d: got %s, want %s", name, i, gotJSON, wantJSON)
			}
			if res.Action == sphinx.Final {
				return res.Payload
			}
		}
		t.Fatalf("%s: no final hop", name)
		return nil
	}
	if len(v.Packets) == 0 || len(v.SURBs) == 0 {
		t.Fatal("no vectors")
	}
	for _, pv := range v.Packets {
		payload := check(pv.Name, pv.Route, pv.Packet, pv.Steps)
		if got, err := sphinx.OpenPayload(payload); err != nil || !bytes.Equal(got, pv.Plaintext) {
			t.Fatalf("%s: plaintext %x, %v; want %x", pv.Name, got, err, pv.Plaintext)
		}
	}
	for _, sv := range v.SURBs {
		var keys sphinx.ReplyKeys
		if err := keys.UnmarshalBinary(sv.ReplyKeys); err != nil {
			t.Fatal(err)
		}
		var surb sphinx.SURB
		if err := surb.UnmarshalBinary(sv.SURB); err != nil {
			t.Fatal(err)
		}
		if pkt, _, err := surb.Use(sv.Reply); err != nil || !bytes.Equal(pkt, sv.Packet) {
			t.Fatalf("%s: SURB.Use does not give the stored packet (%v)", sv.Name, err)
		}
		payload := check(sv.Name, sv.Route, sv.Packet, sv.Steps)
		if got, err := keys.Open(payload); err != nil || !bytes.Equal(got, sv.Reply) {
			t.Fatalf("%s: reply %x, %v; want %x", sv.Name, got, err, sv.Reply)
		}
	}
}
