// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// filter holds the current allow list, reloads it when the file's
// modification time or size changes, and records refused hosts in
// unknown.list next to it.
type filter struct {
	path     string
	open     bool
	maxUnk   int
	logger   *slog.Logger
	mu       sync.Mutex
	list     *AllowList
	modTime  time.Time
	size     int64
	loaded   bool
	unknown  map[string]bool // hosts already in unknown.list
	unkFull  bool
	reloads  uint64
	loadErrs uint64
}

func newFilter(cfg Config, logger *slog.Logger) *filter {
	f := &filter{path: cfg.AllowList, open: cfg.OpenProxy, maxUnk: cfg.MaxUnknown, logger: logger,
		unknown: make(map[string]bool)}
	f.reload()
	return f
}

// reload re-reads the allow list if its file changed since the last load
// (modification time or size). A missing file is an empty list; a file
// that does not parse keeps the previous list and is logged.
func (f *filter) reload() {
	if f.open || f.path == "" {
		return
	}
	st, err := os.Stat(f.path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		if f.list.Rules() > 0 || !f.loaded {
			f.logger.Warn("netreq: allow list missing; nothing is allowed", "path", f.path)
		}
		f.list, f.loaded, f.modTime, f.size = nil, true, time.Time{}, 0
		return
	}
	if err != nil {
		f.loadErrs++
		f.logger.Warn("netreq: allow list unreadable; keeping the previous one", "path", f.path, "err", err)
		return
	}
	if f.loaded && st.ModTime().Equal(f.modTime) && st.Size() == f.size {
		return
	}
	file, err := os.Open(f.path)
	if err != nil {
		f.loadErrs++
		f.logger.Warn("netreq: allow list unreadable; keeping the previous one", "path", f.path, "err", err)
		return
	}
	defer file.Close()
	list, err := ParseAllowList(file)
	if err != nil {
		f.loadErrs++
		f.logger.Warn("netreq: allow list invalid; keeping the previous one", "path", f.path, "err", err)
		return
	}
	f.list, f.loaded, f.modTime, f.size = list, true, st.ModTime(), st.Size()
	f.reloads++
	f.logger.Info("netreq: allow list loaded", "path", f.path, "rules", list.Rules())
}

// allows reports whether host may be connected to.
func (f *filter) allows(host string) bool {
	if f.open {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list.Allows(host)
}

// refused appends host to unknown.list (next to the allow list) once, up to
// maxUnk hosts, so an operator can see what users asked for.
func (f *filter) refused(host string) {
	if f.path == "" || !printable(host) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unknown[host] || f.unkFull {
		return
	}
	if len(f.unknown) >= f.maxUnk {
		f.unkFull = true
		f.logger.Warn("netreq: unknown.list is full; further refused hosts are only logged", "max", f.maxUnk)
		return
	}
	f.unknown[host] = true
	p := filepath.Join(filepath.Dir(f.path), "unknown.list")
	file, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err == nil {
		_, err = fmt.Fprintln(file, host)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		f.logger.Warn("netreq: cannot append to unknown.list", "path", p, "err", err)
	}
}

// printable reports whether host is safe to write as a line: a hostname or
// an IP literal (so a target cannot inject lines into unknown.list).
func printable(host string) bool {
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	_, ok := normDomain(host)
	return ok
}
