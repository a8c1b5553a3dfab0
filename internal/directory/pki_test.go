// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"crypto/ed25519"
	"net/http"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
)

func identityKey(id int) string {
	return base58.Encode(identity(id).Public().(ed25519.PublicKey))
}

func TestSignedPresenceShowsIdentity(t *testing.T) {
	e := newEnv(t, Config{})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 2), 7, e.clock.Now()))
	top := e.topology()
	if len(top.MixNodes) != 1 {
		t.Fatalf("%d mix nodes", len(top.MixNodes))
	}
	n := top.MixNodes[0]
	if n.IdentityKey != identityKey(7) {
		t.Errorf("identityKey = %q, want %q", n.IdentityKey, identityKey(7))
	}
	// A reader can check the record itself.
	if _, err := dirapi.Verify(&n); err != nil {
		t.Errorf("topology entry does not verify: %v", err)
	}
}

func TestUnsignedRefusedByDefault(t *testing.T) {
	e := newEnv(t, Config{})
	for path, p := range map[string]any{
		dirapi.PathPresenceMixNodes:     mix(1, 1),
		dirapi.PathPresenceGateways:     gateway(1),
		dirapi.PathPresenceMixProviders: provider(1),
		dirapi.PathPresenceCocoNodes:    coco(1),
	} {
		wantError(t, e.post(path, p), http.StatusUnauthorized, "presence must be signed")
	}
	if top := e.topology(); len(top.MixNodes)+len(top.GatewayNodes)+len(top.MixProviderNodes)+len(top.CocoNodes) != 0 {
		t.Fatalf("refused presence stored: %+v", top)
	}
}

func TestBoundKeyCannotBeHijacked(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))

	e.clock.Advance(time.Second)
	hijack := mix(1, 3)
	hijack.Host = "6.6.6.6:1789"
	wantError(t, e.post(dirapi.PathPresenceMixNodes, hijack), http.StatusForbidden, "pubKey is bound")
	wantError(t, e.post(dirapi.PathPresenceMixNodes, signed(hijack, 2, e.clock.Now())), http.StatusForbidden,
		"pubKey is bound to another identityKey")
	// The binding is global across kinds.
	g := gateway(1)
	wantError(t, e.post(dirapi.PathPresenceGateways, g), http.StatusForbidden, "pubKey is bound")
	wantError(t, e.post(dirapi.PathPresenceGateways, signed(g, 2, e.clock.Now())), http.StatusForbidden, "pubKey is bound")

	top := e.topology()
	if len(top.MixNodes) != 1 || top.MixNodes[0].Host != "127.0.0.1:1789" || top.MixNodes[0].Layer != 1 ||
		len(top.GatewayNodes) != 0 {
		t.Fatalf("hijack changed the topology: %+v", top)
	}
	// The owner may still change its record.
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 2), 1, e.clock.Now()))
	if got := e.topology().MixNodes[0].Layer; got != 2 {
		t.Errorf("owner's change not applied: layer %d", got)
	}
}

func TestAllowUnsignedUpgrade(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	if n := e.topology().MixNodes[0]; n.IdentityKey != "" || n.Signature != "" || n.Timestamp != 0 {
		t.Fatalf("unsigned record shows signing fields: %+v", n)
	}
	// A signed announcement binds an unbound key, replacing the unsigned record...
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	if n := e.topology().MixNodes[0]; n.IdentityKey != identityKey(1) {
		t.Fatalf("signed record not shown as signed: %+v", n)
	}
	// ...after which unsigned announcements for it are refused.
	wantError(t, e.post(dirapi.PathPresenceMixNodes, mix(1, 1)), http.StatusForbidden, "pubKey is bound")
}

func TestTimestampWindow(t *testing.T) {
	e := newEnv(t, Config{})
	now := e.clock.Now()
	tests := []struct {
		offset time.Duration
		status int
	}{
		{-61 * time.Second, http.StatusUnauthorized},
		{61 * time.Second, http.StatusUnauthorized},
		{-60 * time.Second, http.StatusCreated},
		{60 * time.Second, http.StatusCreated},
		{-24 * time.Hour, http.StatusUnauthorized},
	}
	for i, tt := range tests {
		rec := e.post(dirapi.PathPresenceMixNodes, signed(mix(i, 1), i, now.Add(tt.offset)))
		if tt.status == http.StatusUnauthorized {
			wantError(t, rec, tt.status, "timestamp: ")
		} else if rec.Code != tt.status {
			t.Errorf("offset %v: %d %s", tt.offset, rec.Code, rec.Body)
		}
	}
}

func TestSignatureWindowConfigurable(t *testing.T) {
	e := newEnv(t, Config{SignatureWindow: 5 * time.Second})
	wantError(t, e.post(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now().Add(-6*time.Second))),
		http.StatusUnauthorized, "timestamp: ")
}

func TestBadSignature(t *testing.T) {
	e := newEnv(t, Config{})
	now := e.clock.Now()
	tampered := signed(mix(1, 1), 1, now)
	tampered.Layer = 2
	wantError(t, e.post(dirapi.PathPresenceMixNodes, tampered), http.StatusUnauthorized, "signature: does not verify")

	other := signed(mix(2, 1), 2, now)
	other.IdentityKey = identityKey(3) // someone else's key, same signature
	wantError(t, e.post(dirapi.PathPresenceMixNodes, other), http.StatusUnauthorized, "signature: does not verify")

	if len(e.topology().MixNodes) != 0 {
		t.Fatal("badly signed presence stored")
	}
	// Nor was anything bound: identity 3 may now take pubKey 2.
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(2, 1), 3, now))
}

func TestReplayRefused(t *testing.T) {
	e := newEnv(t, Config{})
	old := signed(mix(1, 1), 1, e.clock.Now())
	e.mustPost(dirapi.PathPresenceMixNodes, old)
	wantError(t, e.post(dirapi.PathPresenceMixNodes, old), http.StatusUnauthorized, "timestamp: not later")

	e.clock.Advance(2 * time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 2), 1, e.clock.Now()))
	// Replaying the older (still in-window) announcement cannot roll the
	// record back.
	wantError(t, e.post(dirapi.PathPresenceMixNodes, old), http.StatusUnauthorized, "timestamp: not later")
	if got := e.topology().MixNodes[0].Layer; got != 2 {
		t.Fatalf("replay rolled the record back to layer %d", got)
	}
}

// A binding outlives its record (else a hijacker would just wait for the
// node to go offline) but expires BindingTTL after the last signature.
func TestBindingOutlivesRecord(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, BindingTTL: time.Hour})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.clock.Advance(30 * time.Minute)
	if len(e.topology().MixNodes) != 0 {
		t.Fatal("record did not expire")
	}
	wantError(t, e.post(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 2, e.clock.Now())),
		http.StatusForbidden, "pubKey is bound")
	wantError(t, e.post(dirapi.PathPresenceMixNodes, mix(1, 1)), http.StatusForbidden, "pubKey is bound")

	e.clock.Advance(30 * time.Minute) // BindingTTL after the last signature
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 2, e.clock.Now()))
	if got := e.topology().MixNodes[0].IdentityKey; got != identityKey(2) {
		t.Fatalf("identityKey = %q after the binding expired", got)
	}
}

func TestBindingCap(t *testing.T) {
	e := newEnv(t, Config{MaxBindings: 2})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.clock.Advance(time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(2, 1), 2, e.clock.Now()))
	// Both bindings may have live records: no room.
	wantError(t, e.post(dirapi.PathPresenceMixNodes, signed(mix(3, 1), 3, e.clock.Now())),
		http.StatusServiceUnavailable, "directory is full")

	// Once node 1 has been silent for the presence TTL, its binding is the
	// oldest inactive one and makes room.
	e.clock.Advance(9 * time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(2, 1), 2, e.clock.Now())) // node 2 stays active
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(3, 1), 3, e.clock.Now()))
	if got := gauge(t, e.srv, "nym_directory_bindings"); got != 2 {
		t.Fatalf("%v bindings, want 2", got)
	}
	// pubKey 1's binding was the one evicted.
	e.srv.store.mu.Lock()
	_, bound1 := e.srv.store.bindings[sphinxKey(1)]
	_, bound2 := e.srv.store.bindings[sphinxKey(2)]
	e.srv.store.mu.Unlock()
	if bound1 || !bound2 {
		t.Fatalf("after eviction: pubKey 1 bound %v, pubKey 2 bound %v", bound1, bound2)
	}
}

func TestNodeCap(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, MaxNodes: 2})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.mustPost(dirapi.PathPresenceGateways, gateway(2))
	wantError(t, e.post(dirapi.PathPresenceMixNodes, mix(3, 1)), http.StatusServiceUnavailable, "directory is full")
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 2)) // existing nodes may re-announce
	e.clock.Advance(10 * time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, mix(3, 1)) // room after expiry
}
