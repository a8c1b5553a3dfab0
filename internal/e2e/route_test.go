// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
)

// mixnet is a mixnet without a network: the nodes' processors by address.
type mixnet map[sphinx.NodeAddress]*sphinx.Processor

// node adds a node at 10.0.0.i:1789 and returns its hop.
func (n mixnet) node(t *testing.T, r io.Reader, i int, delay time.Duration) sphinx.Hop {
	t.Helper()
	addr, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(fmt.Sprintf("10.0.0.%d:1789", i)))
	if err != nil {
		t.Fatal(err)
	}
	k, err := sphinx.GenerateKey(r)
	if err != nil {
		t.Fatal(err)
	}
	n[addr] = sphinx.NewProcessor(k)
	return sphinx.Hop{Address: addr, PublicKey: k.Public(), Delay: delay}
}

// walk sends pkt to first and unwraps it hop by hop until a node is its
// final hop; it returns that node and the final result.
func (n mixnet) walk(t *testing.T, first sphinx.NodeAddress, pkt []byte) (sphinx.NodeAddress, sphinx.Unwrapped) {
	t.Helper()
	addr := first
	for range sphinx.MaxHops {
		p, ok := n[addr]
		if !ok {
			t.Fatalf("no node at %v", addr)
		}
		u, err := p.Unwrap(pkt)
		if err != nil {
			t.Fatalf("unwrap at %v: %v", addr, err)
		}
		if u.Action == sphinx.Final {
			return addr, u
		}
		addr, pkt = u.NextHop, u.Packet
	}
	t.Fatal("packet did not reach a final hop")
	return addr, sphinx.Unwrapped{}
}

type client struct {
	addr address.Address
	priv [KeySize]byte
}

func newClient(t *testing.T, r io.Reader, gw byte) client {
	t.Helper()
	priv, pub, err := GenerateKey(r)
	if err != nil {
		t.Fatal(err)
	}
	c := client{priv: priv}
	c.addr.Encryption = pub
	if _, err := io.ReadFull(r, c.addr.Identity[:]); err != nil {
		t.Fatal(err)
	}
	c.addr.Gateway[0] = gw
	return c
}

type world struct {
	net               mixnet
	route, ackRoute   []sphinx.Hop // to the recipient's gateway, to the sender's
	gwRecv, gwSend    sphinx.NodeAddress
	sender, recipient client
	r                 io.Reader
}

func newWorld(t *testing.T) *world {
	r := testRand(42)
	w := &world{net: mixnet{}, r: r}
	ms := time.Millisecond
	for i := 1; i <= 3; i++ {
		w.route = append(w.route, w.net.node(t, r, i, time.Duration(i)*ms))
		w.ackRoute = append(w.ackRoute, w.net.node(t, r, 10+i, time.Duration(10*i)*ms))
	}
	w.route = append(w.route, w.net.node(t, r, 100, 0))
	w.ackRoute = append(w.ackRoute, w.net.node(t, r, 200, 0))
	w.gwRecv, w.gwSend = w.route[3].Address, w.ackRoute[3].Address
	w.sender, w.recipient = newClient(t, r, 2), newClient(t, r, 1)
	return w
}

// gateway opens a forward packet's payload and splits off the SURB-ack as a
// gateway does, checking this package's split against gwproto's.
func gateway(t *testing.T, u sphinx.Unwrapped) (SURBAck, []byte, bool) {
	t.Helper()
	plaintext, err := sphinx.OpenPayload(u.Payload)
	if err != nil {
		t.Fatalf("OpenPayload at the gateway: %v", err)
	}
	hop, ackPkt, body, ok, err := gwproto.SplitSURBAck(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	a, sealed, ok2, err := SplitSURBAck(plaintext)
	if err != nil || ok != ok2 || hop != a.FirstHop || !bytes.Equal(ackPkt, a.Packet) || !bytes.Equal(body, sealed) {
		t.Fatalf("SplitSURBAck disagrees with gwproto: %v", err)
	}
	return a, sealed, ok
}

func TestForwardAndAck(t *testing.T) {
	w := newWorld(t)
	msg := bytes.Repeat([]byte("a message through the mixnet. "), 100)
	capacity := FragmentCapacity(sphinx.Regular)
	msgID, frags, err := fragment.Split(rand.New(rand.NewPCG(1, 2)), msg, capacity, 0)
	if err != nil {
		t.Fatal(err)
	}
	ackKey := bytes.Repeat([]byte{7}, ack.KeySize)
	for i, frag := range frags {
		id := fragment.ID{Message: msgID, Index: uint32(i)}
		surbAck, delay, err := BuildSURBAck(w.r, w.ackRoute, w.sender.addr, ackKey, id)
		if err != nil {
			t.Fatal(err)
		}
		if delay != 60*time.Millisecond || surbAck.FirstHop != w.ackRoute[0].Address {
			t.Fatalf("SURB-ack delay %v, first hop %v", delay, surbAck.FirstHop)
		}
		sealed, err := Seal(w.r, w.recipient.addr.Encryption, frag)
		if err != nil {
			t.Fatal(err)
		}
		hop, pkt, err := Compose(w.r, w.route, w.recipient.addr, surbAck, sealed, sphinx.Regular)
		if err != nil {
			t.Fatal(err)
		}
		if hop != w.route[0].Address || len(pkt) != sphinx.Regular.PacketSize() {
			t.Fatalf("Compose: hop %v, %d bytes", hop, len(pkt))
		}

		at, u := w.net.walk(t, hop, pkt)
		if at != w.gwRecv || u.Destination != sphinx.Destination(w.recipient.addr.Identity) {
			t.Fatalf("delivered at %v to %x", at, u.Destination)
		}
		a, data, ok := gateway(t, u)
		if !ok {
			t.Fatal("SURB-ack missing")
		}
		got, err := OpenDelivery(w.recipient.priv, data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, frag) || IsCover(got) {
			t.Fatalf("fragment %d did not survive", i)
		}
		if _, err := OpenDelivery(w.sender.priv, data); !errors.Is(err, ErrOpen) {
			t.Fatalf("another client opened the fragment: %v", err)
		}

		// The gateway forwards the SURB-ack; it reaches the sender's
		// gateway, which delivers its plaintext with the ack flag.
		at, u = w.net.walk(t, a.FirstHop, bytes.Clone(a.Packet))
		if at != w.gwSend || u.Destination != sphinx.Destination(w.sender.addr.Identity) || u.Size != sphinx.Ack {
			t.Fatalf("ack delivered at %v to %x, size %v", at, u.Destination, u.Size)
		}
		plain, err := sphinx.OpenPayload(u.Payload)
		if err != nil {
			t.Fatal(err)
		}
		gotID, err := ack.OpenAck(ackKey, plain)
		if err != nil || gotID != id {
			t.Fatalf("OpenAck = %v, %v; want %v", gotID, err, id)
		}
	}
}

func TestLoopCover(t *testing.T) {
	w := newWorld(t)
	self := w.recipient
	hop, pkt, err := ComposeCover(w.r, w.route, self.addr, NoAck, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkt) != sphinx.Regular.PacketSize() {
		t.Fatalf("cover packet of %d bytes", len(pkt))
	}
	_, u := w.net.walk(t, hop, pkt)
	_, data, ok := gateway(t, u)
	if ok {
		t.Fatal("NoAck cover carries a SURB-ack")
	}
	if len(data) != FragmentCapacity(sphinx.Regular)+SealOverhead {
		t.Fatalf("cover data of %d bytes", len(data))
	}
	frag, err := OpenDelivery(self.priv, data)
	if err != nil {
		t.Fatal(err)
	}
	if !IsCover(frag) {
		t.Fatal("cover not recognised")
	}
}

func TestReplySURB(t *testing.T) {
	w := newWorld(t)
	store := NewReplyStore(0)
	// Reply route: three mixes, then the sender's own gateway.
	replyRoute := append(w.route[:3:3], w.ackRoute[3])
	// An unrelated SURB's keys, so Open has to pick the right ones.
	_, otherKeys, otherID, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	surb, keys, id, err := NewReplySURB(w.r, replyRoute, w.sender.addr, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Add(otherID, otherKeys); err != nil {
		t.Fatal(err)
	}
	if err := store.Add(id, keys); err != nil {
		t.Fatal(err)
	}
	body, err := AttachSURB(surb, []byte("ping"))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != 1+sphinx.SURBSize+4 {
		t.Fatalf("body of %d bytes", len(body))
	}

	// The recipient reassembles body and answers through the SURB.
	held, msg, err := SplitBody(body)
	if err != nil || string(msg) != "ping" || held == nil {
		t.Fatalf("SplitBody: %v %q", err, msg)
	}
	hop, pkt, err := Reply(held, []byte("pong"))
	if err != nil {
		t.Fatal(err)
	}
	at, u := w.net.walk(t, hop, pkt)
	if at != w.gwSend || u.Destination != sphinx.Destination(w.sender.addr.Identity) || u.Identifier != id {
		t.Fatalf("reply delivered at %v to %x", at, u.Destination)
	}
	if _, err := sphinx.OpenPayload(bytes.Clone(u.Payload)); err == nil {
		t.Fatal("the gateway could open a reply")
	}
	got, gotID, err := store.Open(u.Payload)
	if err != nil || string(got) != "pong" || gotID != id {
		t.Fatalf("ReplyStore.Open = %q, %x, %v", got, gotID, err)
	}
	if store.Len() != 1 {
		t.Fatalf("store holds %d key sets after the reply, want 1", store.Len())
	}
	if _, _, err := store.Open(u.Payload); !errors.Is(err, ErrNoReplyKeys) {
		t.Fatalf("second Open = %v, want ErrNoReplyKeys", err)
	}
}

func TestReplyStoreFull(t *testing.T) {
	s := NewReplyStore(1)
	if err := s.Add(sphinx.Identifier{1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(sphinx.Identifier{2}, nil); err != nil {
		t.Fatalf("Add to a full store = %v, want the old key set evicted", err)
	}
	if _, ok := s.keys[sphinx.Identifier{2}]; !ok || s.Len() != 1 || s.Evicted() != 1 {
		t.Fatalf("after Add to a full store: new stored %v, %d stored, %d evicted", ok, s.Len(), s.Evicted())
	}
	s.Remove(sphinx.Identifier{2})
	if s.Len() != 0 {
		t.Fatal("Remove kept the keys")
	}
}

func TestComposeRejects(t *testing.T) {
	w := newWorld(t)
	long := make([]byte, FragmentCapacity(sphinx.Regular)+SealOverhead+1)
	if _, _, err := Compose(w.r, w.route, w.recipient.addr, NoAck, long, sphinx.Regular); !errors.Is(err, sphinx.ErrPlaintextTooLong) {
		t.Fatalf("oversized sealed fragment: %v", err)
	}
	if _, _, err := Compose(w.r, w.route, w.recipient.addr, NoAck, nil, sphinx.Ack); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Ack-size packet: %v", err)
	}
	if _, _, err := Compose(w.r, nil, w.recipient.addr, NoAck, nil, sphinx.Regular); !errors.Is(err, sphinx.ErrBadRoute) {
		t.Fatalf("empty route: %v", err)
	}
	if _, _, err := BuildSURBAck(w.r, nil, w.sender.addr, make([]byte, ack.KeySize), fragment.ID{}); !errors.Is(err, sphinx.ErrBadRoute) {
		t.Fatalf("empty ack route: %v", err)
	}
}
