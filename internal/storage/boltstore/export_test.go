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

// ForgetKeyUse removes client's recorded key use, as in a file written
// before uses were recorded.
func ForgetKeyUse(s *Store, client [32]byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bKeyUsed).Delete(client[:]) })
}
