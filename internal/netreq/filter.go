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
	path         string
	open         bool
	allowPrivate bool
	maxUnk       int
	logger       *slog.Logger
	// appendLine appends one line to a file (a test hook); it runs under
	// unkMu only, never under mu.
	appendLine func(path, line string) error
	unkMu      sync.Mutex // serializes appends to unknown.list

	mu       sync.Mutex // guards the fields below
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
	f := &filter{path: cfg.AllowList, open: cfg.OpenProxy, allowPrivate: cfg.AllowPrivate, maxUnk: cfg.MaxUnknown,
		logger: logger, appendLine: appendLine, unknown: make(map[string]bool)}
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

// allows reports whether host (a domain or an IP literal) passes the
// allow list (every host does with OpenProxy).
func (f *filter) allows(host string) bool {
	if f.open {
		ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
		return err != nil || ip.Zone() == ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list.Allows(host)
}

// allowsAddr reports whether the exit may connect to ip (unmapped, no
// zone): any address outside localRanges; one inside only with
// AllowPrivate or when an IP or CIDR rule inside its block admits it.
func (f *filter) allowsAddr(ip netip.Addr) bool {
	block, local := localRange(ip)
	if !local || f.allowPrivate {
		return true
	}
	if f.open {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list.admitsLocal(ip, block)
}

// refused appends host to unknown.list (next to the allow list) once, up to
// maxUnk hosts, so an operator can see what users asked for. The file is
// written outside mu, so a slow disk never holds up allows.
func (f *filter) refused(host string) {
	if f.path == "" || !printable(host) {
		return
	}
	f.mu.Lock()
	if f.unknown[host] || f.unkFull {
		f.mu.Unlock()
		return
	}
	if len(f.unknown) >= f.maxUnk {
		f.unkFull = true
		f.mu.Unlock()
		f.logger.Warn("netreq: unknown.list is full; further refused hosts are only logged", "max", f.maxUnk)
		return
	}
	f.unknown[host] = true
	f.mu.Unlock()
	p := filepath.Join(filepath.Dir(f.path), "unknown.list")
	f.unkMu.Lock()
	err := f.appendLine(p, host)
	f.unkMu.Unlock()
	if err != nil {
		f.logger.Warn("netreq: cannot append to unknown.list", "path", p, "err", err)
	}
}

// appendLine appends line and a newline to the file at path, creating it.
func appendLine(path, line string) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(file, line)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
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
