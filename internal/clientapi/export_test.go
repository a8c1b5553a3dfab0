// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"errors"
	"testing"
)

// FailJSONEncoding makes every JSON response fail to encode until t ends.
// Call it before starting a server, so the server's goroutines see it.
func FailJSONEncoding(t testing.TB) {
	t.Helper()
	old := marshalJSON
	marshalJSON = func(any) ([]byte, error) { return nil, errors.New("test: JSON encoding disabled") }
	t.Cleanup(func() { marshalJSON = old })
}
