// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nym-go/nym/internal/atomicfile"
)

// History windows and bounds.
const (
	Hour = time.Hour
	Day  = 24 * time.Hour
	// MaxRuns bounds the runs a History keeps (the oldest go first); a day
	// of runs at a 10 s interval fits.
	MaxRuns        = 10_000
	historyVersion = 1
)

// Count is one node's test packets in one run.
type Count struct {
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`
	// Late is how many of Received arrived after the run's wait ended
	// (added to the record later, see History.AddLate); the run's
	// published last-run score did not include them.
	Late uint64 `json:"late,omitempty"`
}

// Percent returns received/sent × 100 (0 when nothing was sent).
func (c Count) Percent() float64 {
	if c.Sent == 0 {
		return 0
	}
	return float64(c.Received) / float64(c.Sent) * 100
}

// RunRecord is one finished run.
type RunRecord struct {
	// ID is the run's random id.
	ID uint64 `json:"id"`
	// Time is when the run ended, Unix nanoseconds.
	Time int64 `json:"time"`
	// Nodes are the counts of every node the run tested, by pubKey.
	Nodes map[string]Count `json:"nodes"`
}

// History is the monitor's record of its runs over the last day. The
// zero value is empty and ready to use; it is not safe for concurrent use.
type History struct {
	Runs []RunRecord `json:"runs"`
}

type historyFile struct {
	Version int         `json:"version"`
	Runs    []RunRecord `json:"runs"`
}

// LoadHistory reads a history file; a missing file is an empty history.
func LoadHistory(path string) (*History, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &History{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("monitor history: %w", err)
	}
	var f historyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("monitor history %s: %w", path, err)
	}
	if f.Version != historyVersion {
		return nil, fmt.Errorf("monitor history %s: version %d, want %d", path, f.Version, historyVersion)
	}
	return &History{Runs: f.Runs}, nil
}

// Save writes the history to path atomically: a temporary file beside
// it, synced, renamed over it, then the directory synced.
func (h *History) Save(path string) error {
	b, err := json.Marshal(historyFile{Version: historyVersion, Runs: h.Runs})
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("monitor history: %w", err)
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return fmt.Errorf("monitor history: %w", err)
	}
	return nil
}

// Add appends a run and forgets runs older than a day before it (and the
// oldest beyond MaxRuns).
func (h *History) Add(r RunRecord) {
	h.Runs = append(h.Runs, r)
	cut := r.Time - int64(Day)
	i := 0
	for i < len(h.Runs) && h.Runs[i].Time <= cut {
		i++
	}
	if n := len(h.Runs) - i; n > MaxRuns {
		i = len(h.Runs) - MaxRuns
	}
	h.Runs = append(h.Runs[:0], h.Runs[i:]...)
}

// AddLate adds n packets of pubKey that arrived after run id ended to the
// run's record, as received and late (never beyond what was sent). It
// reports whether the record changed.
func (h *History) AddLate(id uint64, pubKey string, n uint64) bool {
	for i := len(h.Runs) - 1; i >= 0; i-- {
		r := &h.Runs[i]
		if r.ID != id {
			continue
		}
		c, ok := r.Nodes[pubKey]
		if !ok {
			return false
		}
		n = min(n, c.Sent-c.Received)
		if n == 0 {
			return false
		}
		c.Received += n
		c.Late += n
		r.Nodes[pubKey] = c
		return true
	}
	return false
}

// Last returns the newest run, if any.
func (h *History) Last() (RunRecord, bool) {
	if len(h.Runs) == 0 {
		return RunRecord{}, false
	}
	return h.Runs[len(h.Runs)-1], true
}

// Window sums pubKey's counts over the runs that ended in (at-d, at] and
// tested it. Runs that did not test the node (it was not in the topology,
// or the monitor was down) do not count, neither as 0 nor as 100.
func (h *History) Window(pubKey string, at time.Time, d time.Duration) Count {
	var sum Count
	lo, hi := at.Add(-d).UnixNano(), at.UnixNano()
	for _, r := range h.Runs {
		if r.Time <= lo || r.Time > hi {
			continue
		}
		if c, ok := r.Nodes[pubKey]; ok {
			sum.Sent += c.Sent
			sum.Received += c.Received
		}
	}
	return sum
}
