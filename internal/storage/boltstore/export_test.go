// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

// SetExpireChunk sets how many messages one Expire transaction deletes and
// returns a function that restores the previous value.
func SetExpireChunk(n int) (restore func()) {
	old := expireChunk
	expireChunk = n
	return func() { expireChunk = old }
}
