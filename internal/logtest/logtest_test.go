// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package logtest

import (
	"sync"
	"testing"
)

func TestBufferConcurrent(t *testing.T) {
	log, buf := New()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				log.Debug("tick", "j", j)
			}
		}()
	}
	wg.Wait()
	if got := buf.Lines(); got != 400 {
		t.Fatalf("Lines() = %d, want 400", got)
	}
	if got := buf.Count("msg=tick"); got != 400 {
		t.Fatalf("Count = %d, want 400", got)
	}
}
