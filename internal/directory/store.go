// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"cmp"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

// refusal is why an announcement or report is refused: an HTTP status, a
// short reason (the Prometheus label) and the text of the error body.
type refusal struct {
	status int
	reason string
	msg    string
}

func (r *refusal) Error() string { return r.msg }

// Refusals the store and the signature checks produce.
var (
	errOtherIdentity = &refusal{http.StatusForbidden, "bound",
		"pubKey is bound to another identityKey; only that identity may announce it"}
	errBoundUnsigned = &refusal{http.StatusForbidden, "bound",
		"pubKey is bound to an identityKey; announcements for it must be signed by that identity"}
	errReplay = &refusal{http.StatusUnauthorized, "replay",
		"timestamp: not later than the last accepted announcement for this pubKey (replayed or reordered)"}
	errNodesFull = &refusal{http.StatusServiceUnavailable, "full",
		"directory is full: too many live nodes; try again later"}
	errBindingsFull = &refusal{http.StatusServiceUnavailable, "full",
		"directory is full: too many bound pubKeys; try again later"}
	errStateWrite = &refusal{http.StatusServiceUnavailable, "state",
		"directory could not save the new binding to its state file; try again later"}
)

// record is one live presence record.
type record struct {
	heapItem // due: when the record expires (lastSeen + TTL)
	kind     kind
	a        *announcement
	lastSeen int64 // Unix ns
}

// binding ties a pubKey to the identity that first signed for it.
type binding struct {
	heapItem      // due: when the binding expires (lastSigned + BindingTTL)
	pubKey        string
	identity      string
	lastSigned    time.Time
	lastTimestamp int64 // the newest accepted signed timestamp
	// gen is the binding generation that created it: the state file must
	// be written at least up to gen before the binding is relied on.
	gen uint64
}

// store keeps the live presence records of every kind, the pubKey →
// identity bindings, and their expiry. All fields below mu are guarded by
// it; the generation counters are written under mu and may be read
// without it.
type store struct {
	ttl          time.Duration
	bindingTTL   time.Duration
	maxNodes     int
	maxNodeBytes int
	maxBindings  int

	// structGen counts changes a reader must see at once: a record added,
	// removed or changed in a field other than lastSeen, signature and
	// timestamp. seenGen counts changes of only those.
	structGen atomic.Uint64
	seenGen   atomic.Uint64
	// bindGen counts changes to the bindings (new, refreshed, removed);
	// the state file is rewritten when it moves.
	bindGen atomic.Uint64

	mu            sync.Mutex
	nodes         [numKinds]map[string]*record // by pubKey
	count         int
	nodeBytes     int
	expiry        timeHeap[*record]
	bindings      map[string]*binding // by pubKey, across kinds
	bindingExpiry timeHeap[*binding]
}

func newStore(c Config) *store {
	s := &store{
		ttl:          c.PresenceTTL,
		bindingTTL:   c.BindingTTL,
		maxNodes:     c.MaxNodes,
		maxNodeBytes: c.MaxNodeBytes,
		maxBindings:  c.MaxBindings,
		bindings:     make(map[string]*binding),
	}
	for k := range s.nodes {
		s.nodes[k] = make(map[string]*record)
	}
	return s
}

// announce stores a validated announcement received at now, whose
// signature (if any) has been verified. It returns a *refusal if the
// binding rules or the caps refuse it; then nothing is changed. For a
// signed announcement it also returns the binding generation that must be
// durable before the announcement is acknowledged (the binding's
// creation; see stateSaver).
func (s *store) announce(a *announcement, now time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)

	b := s.bindings[a.pubKey]
	switch {
	case !a.isSigned() && b != nil:
		return 0, errBoundUnsigned
	case b != nil && b.identity != a.signed.IdentityKey:
		return 0, errOtherIdentity
	case b != nil && a.signed.Timestamp <= b.lastTimestamp:
		return 0, errReplay
	}
	rec := s.nodes[a.kind][a.pubKey]
	bytes := s.nodeBytes + a.size
	if rec != nil {
		bytes -= rec.a.size
	}
	if (rec == nil && s.count >= s.maxNodes) || bytes > s.maxNodeBytes {
		return 0, errNodesFull
	}
	if a.isSigned() && b == nil {
		if len(s.bindings) >= s.maxBindings && !s.evictBindingLocked(now) {
			return 0, errBindingsFull
		}
		b = &binding{pubKey: a.pubKey, identity: a.signed.IdentityKey, gen: s.bindGen.Add(1)}
		s.bindings[a.pubKey] = b
		s.bindingExpiry.add(b, now.Add(s.bindingTTL))
	} else if b != nil {
		s.bindingExpiry.reschedule(b, now.Add(s.bindingTTL))
	}
	var need uint64
	if b != nil {
		b.lastSigned = now
		b.lastTimestamp = a.signed.Timestamp
		s.bindGen.Add(1)
		need = b.gen
	}

	s.nodeBytes = bytes
	if rec == nil {
		rec = &record{kind: a.kind, a: a}
		s.nodes[a.kind][a.pubKey] = rec
		s.count++
		s.expiry.add(rec, now.Add(s.ttl))
		s.structGen.Add(1)
	} else {
		if sameFields(rec.a.p, a.p) {
			s.seenGen.Add(1)
		} else {
			s.structGen.Add(1)
		}
		rec.a = a
		s.expiry.reschedule(rec, now.Add(s.ttl))
	}
	rec.lastSeen = now.UnixNano()
	return need, nil
}

// evictBindingLocked removes the least recently signed binding if no live
// record can depend on it (its last signature is older than the presence
// TTL), and reports whether it did.
func (s *store) evictBindingLocked(now time.Time) bool {
	if len(s.bindingExpiry) == 0 {
		return false
	}
	b := s.bindingExpiry[0]
	if now.Before(b.lastSigned.Add(s.ttl)) {
		return false
	}
	s.bindingExpiry.popDue(b.due) // b is the earliest, so this pops b
	delete(s.bindings, b.pubKey)
	s.bindGen.Add(1)
	return true
}

// sweepLocked removes the records and bindings that have expired at now:
// a record whose lastSeen <= now-TTL, a binding whose last signature is
// BindingTTL old.
func (s *store) sweepLocked(now time.Time) {
	for {
		r, ok := s.expiry.popDue(now)
		if !ok {
			break
		}
		delete(s.nodes[r.kind], r.a.pubKey)
		s.count--
		s.nodeBytes -= r.a.size
		s.structGen.Add(1)
	}
	for {
		b, ok := s.bindingExpiry.popDue(now)
		if !ok {
			break
		}
		delete(s.bindings, b.pubKey)
		s.bindGen.Add(1)
	}
}

// restore adds bindings read from the state file, leaving out those
// expired at now and, beyond MaxBindings, the least recently signed.
func (s *store) restore(bs []stateBinding, now time.Time) {
	slices.SortFunc(bs, func(a, b stateBinding) int { return cmp.Compare(b.LastSigned, a.LastSigned) })
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sb := range bs {
		last := time.Unix(0, sb.LastSigned)
		if len(s.bindings) >= s.maxBindings || !now.Before(last.Add(s.bindingTTL)) {
			continue
		}
		b := &binding{pubKey: sb.PubKey, identity: sb.IdentityKey, lastSigned: last, lastTimestamp: sb.LastTimestamp}
		s.bindings[sb.PubKey] = b
		s.bindingExpiry.add(b, last.Add(s.bindingTTL))
	}
	s.bindGen.Add(1) // so the first flush rewrites the file without what was left out
}

// exportBindings copies the bindings for the state file, with the binding
// generation they reflect.
func (s *store) exportBindings() ([]stateBinding, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]stateBinding, 0, len(s.bindings))
	for _, b := range s.bindings {
		out = append(out, stateBinding{PubKey: b.pubKey, IdentityKey: b.identity,
			LastSigned: b.lastSigned.UnixNano(), LastTimestamp: b.lastTimestamp})
	}
	return out, s.bindGen.Load()
}

// live reports whether pubKey has a record of any kind (possibly one
// expired but not yet swept).
func (s *store) live(pubKey string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.nodes {
		if _, ok := m[pubKey]; ok {
			return true
		}
	}
	return false
}

// counts returns the number of live records of each kind and of bindings.
func (s *store) counts(now time.Time) (nodes [numKinds]int, bindings int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	for k, m := range s.nodes {
		nodes[k] = len(m)
	}
	return nodes, len(s.bindings)
}

// snapshot is a copy of the live topology at one moment.
type snapshot struct {
	topology           dirapi.Topology
	structGen, seenGen uint64
	// validUntil is when the first record in it expires (zero if none).
	validUntil time.Time
}

// snapshot copies the live records at now into a topology sorted by
// layer then pubKey (mix nodes) or by pubKey (the other kinds); every list
// is non-nil, so it encodes as [] when empty.
func (s *store) snapshot(now time.Time) *snapshot {
	s.mu.Lock()
	s.sweepLocked(now)
	snap := &snapshot{
		structGen:  s.structGen.Load(),
		seenGen:    s.seenGen.Load(),
		validUntil: s.expiry.next(),
	}
	t := &snap.topology
	*t = dirapi.Topology{
		MixNodes:         make([]dirapi.MixNodePresence, 0, len(s.nodes[kindMixNode])),
		MixProviderNodes: make([]dirapi.MixProviderPresence, 0, len(s.nodes[kindMixProvider])),
		CocoNodes:        make([]dirapi.CocoPresence, 0, len(s.nodes[kindCocoNode])),
		GatewayNodes:     make([]dirapi.GatewayPresence, 0, len(s.nodes[kindGateway])),
	}
	for _, r := range s.nodes[kindMixNode] {
		v := *r.a.p.(*dirapi.MixNodePresence)
		v.LastSeen = r.lastSeen
		t.MixNodes = append(t.MixNodes, v)
	}
	for _, r := range s.nodes[kindMixProvider] {
		v := *r.a.p.(*dirapi.MixProviderPresence)
		v.LastSeen = r.lastSeen
		t.MixProviderNodes = append(t.MixProviderNodes, v)
	}
	for _, r := range s.nodes[kindCocoNode] {
		v := *r.a.p.(*dirapi.CocoPresence)
		v.LastSeen = r.lastSeen
		t.CocoNodes = append(t.CocoNodes, v)
	}
	for _, r := range s.nodes[kindGateway] {
		v := *r.a.p.(*dirapi.GatewayPresence)
		v.LastSeen = r.lastSeen
		t.GatewayNodes = append(t.GatewayNodes, v)
	}
	s.mu.Unlock()

	slices.SortFunc(t.MixNodes, func(a, b dirapi.MixNodePresence) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.PubKey, b.PubKey))
	})
	slices.SortFunc(t.MixProviderNodes, func(a, b dirapi.MixProviderPresence) int { return cmp.Compare(a.PubKey, b.PubKey) })
	slices.SortFunc(t.CocoNodes, func(a, b dirapi.CocoPresence) int { return cmp.Compare(a.PubKey, b.PubKey) })
	slices.SortFunc(t.GatewayNodes, func(a, b dirapi.GatewayPresence) int { return cmp.Compare(a.PubKey, b.PubKey) })
	return snap
}
