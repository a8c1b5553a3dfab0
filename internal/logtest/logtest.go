// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package logtest captures what code under test writes to a logger (or any
// writer) from several goroutines, so tests can check what was logged.
package logtest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer that is safe for concurrent use. The zero value
// is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Count returns how many times s occurs in what was written.
func (b *Buffer) Count(s string) int { return strings.Count(b.String(), s) }

// Lines returns the number of complete lines written.
func (b *Buffer) Lines() int { return b.Count("\n") }

// New returns a debug-level text logger that writes to a new Buffer.
func New() (*slog.Logger, *Buffer) {
	b := new(Buffer)
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
