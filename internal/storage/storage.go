// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package storage defines the gateway's durable stores: the Inbox, which
// keeps messages for clients that are offline (or have not acknowledged
// them yet), and the KeyStore, which keeps each registered client's shared
// key so that it can re-authenticate after either side restarts.
//
// Two implementations exist: storage/boltstore (durable, an embedded bbolt
// file, group-committed writes) and storage/memstore (in memory, same
// semantics, for tests). Both pass the conformance suite in
// storage/storagetest.
//
// Unlike Nym's gateway (delete-after-push, no retention limit), a stored
// message here is deleted only when the client acknowledges it (Delete) or
// when it outlives the retention period (Expire). A message may therefore be
// delivered more than once, if an acknowledgement is lost; clients drop
// duplicates by ID.
//
// Policies, stated once for both implementations:
//
//   - Quota: a Put that would take a client over Limits.MaxMessages or
//     Limits.MaxBytes is refused (tail drop): the new message is not stored,
//     the error wraps ErrQuotaMessages or ErrQuotaBytes, Totals counts it, and
//     the store logs it at most once per client per LogInterval.
//   - Retention: Expire deletes messages stored before now-Limits.Retention;
//     Totals counts them. RunExpiry calls Expire periodically.
//   - Full queue (boltstore): Put blocks until its write is queued or ctx
//     ends; PutAsync never blocks and fails with ErrBusy, counted.
package storage

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// ClientID is a client's Ed25519 identity public key.
type ClientID [32]byte

// Message is one stored message.
type Message struct {
	// ID identifies the message; IDs increase in arrival order (one
	// sequence shared by all clients of a store) and are never reused.
	ID uint64
	// Stored is when the store accepted the message (its clock's Now).
	Stored time.Time
	// Data is the message as given to Put.
	Data []byte
}

// Usage is what one client has stored.
type Usage struct {
	// Messages is the number of stored messages.
	Messages int
	// Bytes is the sum of their Data lengths.
	Bytes int64
}

// Totals sums a store's contents over all clients and counts what happened
// to messages since the store was opened (counters start at zero on Open).
type Totals struct {
	// Messages and Bytes are stored now, over all clients.
	Messages int64
	// Bytes is the sum of the stored messages' Data lengths.
	Bytes int64
	// Clients is the number of clients with at least one stored message.
	Clients int
	// Stored counts messages accepted.
	Stored uint64
	// Deleted counts messages removed by Delete (acknowledged).
	Deleted uint64
	// Expired counts messages removed by Expire (retention).
	Expired uint64
	// RefusedMessages counts Puts refused by the per-client message limit.
	RefusedMessages uint64
	// RefusedBytes counts Puts refused by the per-client byte limit.
	RefusedBytes uint64
	// RefusedBusy counts PutAsync calls refused because the write queue
	// was full.
	RefusedBusy uint64
	// Corrupt counts unreadable stored records found (and deleted) by
	// Expire.
	Corrupt uint64
}

// Errors returned (wrapped) by stores; test with errors.Is.
var (
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("storage: store closed")
	// ErrQuotaMessages means the client's message limit is reached.
	ErrQuotaMessages = errors.New("storage: client message limit reached")
	// ErrQuotaBytes means the message would take the client over its byte
	// limit (or is larger than the limit by itself).
	ErrQuotaBytes = errors.New("storage: client byte limit reached")
	// ErrBusy means PutAsync found the write queue full.
	ErrBusy = errors.New("storage: write queue full")
	// ErrBadKey means a shared key is empty or longer than MaxKeySize.
	ErrBadKey = errors.New("storage: bad shared key")
)

// MaxKeySize is the longest shared key a KeyStore accepts.
const MaxKeySize = 1024

// Inbox keeps messages for clients until they acknowledge them.
//
// Implementations are safe for concurrent use.
type Inbox interface {
	// Put stores data for client and returns once it is durable (fsynced),
	// possibly batched with concurrent Puts (group commit). ctx bounds the
	// wait for room in the write queue; once queued, Put waits for the
	// commit. Errors: ErrQuotaMessages or ErrQuotaBytes (wrapped) when the
	// client's limit is hit (the message is refused, counted), ErrClosed,
	// ctx's error, or an I/O error.
	Put(ctx context.Context, client ClientID, data []byte) (Message, error)
	// PutAsync enqueues without waiting; done (may be nil) is called once
	// with the result after the batch's fsync, or at once with ErrBusy
	// (queue full) or ErrClosed. done runs on the store's committer
	// goroutine (or the caller's): it must be quick and must not call the
	// store's blocking methods.
	PutAsync(client ClientID, data []byte, done func(Message, error))
	// Fetch returns up to max messages of client with ID > after, in
	// arrival order. max <= 0 returns none.
	Fetch(ctx context.Context, client ClientID, after uint64, max int) ([]Message, error)
	// Delete removes the given messages of client (acknowledged by the
	// client); unknown ids are ignored. Durable when it returns.
	Delete(ctx context.Context, client ClientID, ids []uint64) error
	// Usage reports a client's stored count and bytes.
	Usage(client ClientID) (Usage, error)
	// Totals reports totals over all clients and the counters.
	Totals() Totals
	// Expire deletes messages stored before now-Limits.Retention and
	// returns how many. It is a no-op when retention is unlimited.
	Expire(ctx context.Context, now time.Time) (int, error)
	// Close flushes queued writes and closes the store.
	Close() error
}

// KeyStore keeps each registered client's shared key.
//
// Implementations are safe for concurrent use.
type KeyStore interface {
	// PutKey stores (or replaces) client's key, durably. The key must be
	// 1..MaxKeySize bytes (else ErrBadKey).
	PutKey(ctx context.Context, client ClientID, key []byte) error
	// GetKey returns client's key and whether there is one.
	GetKey(ctx context.Context, client ClientID) ([]byte, bool, error)
	// DeleteKey removes client's key; deleting a missing key is no error.
	DeleteKey(ctx context.Context, client ClientID) error
	// CountKeys reports how many keys are stored.
	CountKeys() (int, error)
}

// KeyTouchGranularity is how coarsely a KeyExpirer may record uses: a
// TouchKey less than this after the recorded use may be skipped, so that
// a client that reconnects often does not cost a durable write each time.
const KeyTouchGranularity = time.Hour

// KeyExpirer is implemented by a KeyStore that records when each key was
// last used, so that the keys of clients that never come back can be
// forgotten. It is separate from KeyStore so that existing KeyStore
// implementations keep compiling; boltstore and memstore implement both.
//
// Implementations are safe for concurrent use.
type KeyExpirer interface {
	// TouchKey records that client's key was used (the client
	// authenticated) at t. A t before the recorded use leaves it as it is,
	// and a missing key is no error. PutKey records a use at the store
	// clock's present.
	TouchKey(ctx context.Context, client ClientID, t time.Time) error
	// ExpireKeys deletes, durably, every key last used before before and
	// returns the clients whose keys it deleted. A key with no recorded
	// use (stored before uses were recorded) is recorded as used at the
	// store clock's present and kept.
	ExpireKeys(ctx context.Context, before time.Time) ([]ClientID, error)
}

// Deps are a store's injected dependencies. Zero fields get defaults.
type Deps struct {
	// Clock stamps messages and paces logging; nil means clock.Real().
	Clock clock.Clock
	// Logger receives the store's logs; nil discards them.
	Logger *slog.Logger
}

// WithDefaults returns d with nil fields filled in.
func (d Deps) WithDefaults() Deps {
	if d.Clock == nil {
		d.Clock = clock.Real()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d
}

// Marks keeps small named counters durably: high-water marks that must
// never go back, such as the gateway's message-id ceiling. An Inbox may
// implement it; the gateway uses it when it does.
//
// Implementations are safe for concurrent use.
type Marks interface {
	// Mark returns the counter's value (0 if it was never raised).
	Mark(name string) (uint64, error)
	// RaiseMark sets the counter to v if v is higher, durably (fsynced)
	// before it returns; a lower v leaves it unchanged.
	RaiseMark(ctx context.Context, name string, v uint64) error
}
