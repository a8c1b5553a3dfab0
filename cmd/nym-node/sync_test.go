// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"sync"
)

// syncWriter is a concurrency-safe buffer for a running command's output;
// wrote is signalled after each write.
type syncWriter struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newSyncWriter() *syncWriter { return &syncWriter{wrote: make(chan struct{}, 1)} }

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
