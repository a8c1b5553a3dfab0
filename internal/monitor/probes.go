// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import "time"

// Accounting of test packets. The receivers (one goroutine per gateway
// connection, reading and acknowledging every delivery as it comes, during
// and between runs) report arrivals; Run's goroutine registers packets,
// waits and scores. Both go through the Monitor's mu.
//
// A packet is counted against the node under test only when it was handed
// to a gateway and did not come back before the run's wait ended. Packets
// of the run before that arrive later (while the monitor sleeps between
// runs or during the next run) are late, not lost: they are added to that
// run's record (Count.Late) before the history is next written.

// maxWaitFactor bounds a phase's wait: at most maxWaitFactor ×
// Config.WaitTimeout after the latest arrival time drawn for its packets,
// however long arrivals keep trickling in.
const maxWaitFactor = 3

// RunStats counts what happened to a run's test packets at the monitor,
// so that losses in the network can be told from the monitor's own.
type RunStats struct {
	// Sent is how many test packets (both phases) were handed to gateways.
	Sent uint64
	// SendFailed is how many could not be handed to a gateway (no
	// connection, a send error). They count against no node, except
	// against the sending gateway when it is the node under test.
	SendFailed uint64
	// Received is how many of Sent came back before the run's wait ended.
	Received uint64
	// Late is how many packets of the previous run came back during this
	// run or in the pause before it; they were added to that run's record.
	Late uint64
	// Duplicates is how many test packets came back more than once (a
	// gateway delivers again when an acknowledgement was lost).
	Duplicates uint64
	// SURBAcks is how many SURB-acks of test packets came back.
	SURBAcks uint64
	// Stray is how many deliveries matched no packet of this or the
	// previous run, or could not be opened.
	Stray uint64
}

// probe is one test packet.
type probe struct {
	node     string // the pubKey it counts for ("" for validation packets)
	route    int    // the candidate route it validates (-1 for tests)
	phase    int
	received bool
	late     bool // received after its run ended
}

// runProbes are one run's test packets by nonce.
type runProbes struct {
	id     uint64
	probes map[uint64]*probe
	// The current phase: its number, probes not yet received, the latest
	// time its packets should arrive given the delays drawn for them, and
	// the last arrival of one of them.
	phase       int
	left        int
	due         time.Time
	lastArrival time.Time
	// late counts, by node, test packets received after the run ended.
	late map[string]uint64
}

func newRunProbes(id uint64) *runProbes {
	return &runProbes{id: id, probes: make(map[uint64]*probe), late: make(map[string]uint64)}
}

// startPhase starts counting a new phase. Probes of earlier phases of the
// run stay: they still count if they arrive late.
func (r *runProbes) startPhase() {
	r.phase++
	r.left = 0
	r.due = time.Time{}
	r.lastArrival = time.Time{}
}

// add registers a probe of the current phase under a free nonce near
// nonce, due to arrive at due, and returns the nonce used.
func (r *runProbes) add(nonce uint64, node string, route int, due time.Time) uint64 {
	for r.probes[nonce] != nil {
		nonce++
	}
	r.probes[nonce] = &probe{node: node, route: route, phase: r.phase}
	r.left++
	if due.After(r.due) {
		r.due = due
	}
	return nonce
}

// remove forgets a probe that was never sent.
func (r *runProbes) remove(nonce uint64) {
	p := r.probes[nonce]
	if p == nil {
		return
	}
	delete(r.probes, nonce)
	if p.phase == r.phase && !p.received {
		r.left--
	}
}

// arrival is what an arrival turned out to be.
type arrival int

const (
	arrivalStray arrival = iota
	arrivalOnTime
	arrivalLate
	arrivalDuplicate
)

// arrive records the arrival of nonce at now. ended says whether the run
// has ended (then a first arrival is late).
func (r *runProbes) arrive(nonce uint64, now time.Time, ended bool) arrival {
	p := r.probes[nonce]
	switch {
	case p == nil:
		return arrivalStray
	case p.received:
		return arrivalDuplicate
	}
	p.received = true
	if ended {
		p.late = true
		if p.node != "" {
			r.late[p.node]++
		}
		return arrivalLate
	}
	if p.phase == r.phase {
		r.left--
		r.lastArrival = now
	}
	return arrivalOnTime
}

// deadline returns when the current phase's wait ends, given that its
// last packet was sent at sent: Config.WaitTimeout after the latest
// arrival time drawn for its packets, extended to half a WaitTimeout after
// the last arrival while packets keep coming, and never more than
// maxWaitFactor WaitTimeouts after the drawn time.
func (r *runProbes) deadline(sent time.Time, wait time.Duration) time.Time {
	base := sent
	if r.due.After(base) {
		base = r.due
	}
	d := base.Add(wait)
	if ext := r.lastArrival.Add(wait / 2); ext.After(d) {
		d = ext
	}
	if limit := base.Add(maxWaitFactor * wait); d.After(limit) {
		d = limit
	}
	return d
}
