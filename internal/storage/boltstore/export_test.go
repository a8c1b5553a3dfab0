// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import bolt "go.etcd.io/bbolt"

// SetExpireChunk sets how many messages one Expire transaction deletes and
// returns a function that restores the previous value.
func SetExpireChunk(n int) (restore func()) {
	old := expireChunk
	expireChunk = n
	return func() { expireChunk = old }
}

// CorruptRecord overwrites the stored record of message id with val,
// bypassing the committer, as a disk fault would.
func CorruptRecord(s *Store, id uint64, val []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMsgs).Put(be64(id), val) })
}
