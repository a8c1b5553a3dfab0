// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/home"
)

// killAfter is how long a child has, after SIGTERM, before SIGKILL: the
// whole shutdown must end within ShutdownTimeout.
const killAfter = ShutdownTimeout - 500*time.Millisecond

// modulePath is this project's module; binaries are built only inside it.
const modulePath = "github.com/nym-go/nym"

// binaries are the paths of the programs Exec starts. socks5 may be empty
// when the place the others come from lacks nym-socks5-client: the network
// then runs without its SOCKS5 proxy (logged as a warning).
type binaries struct {
	node, client, socks5 string
}

// set records the path of the program name.
func (b *binaries) set(name, path string) {
	switch name {
	case "nym-node":
		b.node = path
	case "nym-client":
		b.client = path
	case "nym-socks5-client":
		b.socks5 = path
	}
}

// findBinaries locates nym-node (and nym-client when there are clients,
// and nym-socks5-client unless NoSOCKS5): in Config.BinDir if set; else
// next to os.Executable(); else in $PATH; else it builds them with go build
// into root/bin when the working directory is inside this module. The
// binaries come from one place, so they match each other. A place that has
// all but nym-socks5-client is used without it (the SOCKS5 proxy is then
// not started).
func (n *Net) findBinaries(ctx context.Context, root string) (binaries, error) {
	names := []string{"nym-node"}
	if n.cfg.Clients > 0 {
		names = append(names, "nym-client")
	}
	optional := ""
	if !n.cfg.NoSOCKS5 {
		optional = "nym-socks5-client"
	}
	executable := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
	}
	pick := func(dir string) (binaries, bool) {
		var b binaries
		for _, name := range names {
			p := filepath.Join(dir, name)
			if !executable(p) {
				return b, false
			}
			b.set(name, p)
		}
		if p := filepath.Join(dir, optional); optional != "" && executable(p) {
			b.socks5 = p
		}
		return b, true
	}
	if n.cfg.BinDir != "" {
		if b, ok := pick(n.cfg.BinDir); ok {
			return b, nil
		}
		return binaries{}, fmt.Errorf("exec: %s lacks %s", n.cfg.BinDir, strings.Join(names, " or "))
	}
	if exe, err := os.Executable(); err == nil {
		if b, ok := pick(filepath.Dir(exe)); ok {
			n.log.Info("using the binaries next to this program", "dir", filepath.Dir(exe))
			return b, nil
		}
	}
	var b binaries
	inPath := true
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			inPath = false
			break
		}
		b.set(name, p)
	}
	if inPath {
		if optional != "" {
			if p, err := exec.LookPath(optional); err == nil {
				b.socks5 = p
			}
		}
		n.log.Info("using the binaries in $PATH", "nym-node", b.node, "nym-client", b.client, "nym-socks5-client", b.socks5)
		return b, nil
	}
	if optional != "" {
		names = append(names, optional)
	}
	return n.build(ctx, root, names, pick)
}

// build runs go build for names into root/bin, from the root of this
// module found above the working directory.
func (n *Net) build(ctx context.Context, root string, names []string, pick func(string) (binaries, bool)) (binaries, error) {
	mod, err := moduleRoot()
	if err != nil {
		return binaries{}, fmt.Errorf("exec: %s not found next to this program or in $PATH, and cannot build them: %w",
			strings.Join(names, ", "), err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return binaries{}, fmt.Errorf("exec: building %s needs the go command: %w", strings.Join(names, ", "), err)
	}
	out := filepath.Join(root, "bin")
	args := []string{"build", "-o", out + string(filepath.Separator)}
	for _, name := range names {
		args = append(args, "./cmd/"+name)
	}
	n.log.Info("building binaries", "command", "go "+strings.Join(args, " "), "module", mod)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = mod
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return binaries{}, fmt.Errorf("exec: go build: %w\n%s", err, stderr.String())
	}
	b, ok := pick(out)
	if !ok {
		return binaries{}, fmt.Errorf("exec: go build left no binaries in %s", out)
	}
	return b, nil
}

// moduleRoot returns the directory of the go.mod of this module at or
// above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		raw, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			first, _, _ := strings.Cut(string(raw), "\n")
			if strings.TrimSpace(first) == "module "+modulePath {
				return dir, nil
			}
			return "", fmt.Errorf("%s is not module %s", dir, modulePath)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the working directory is not inside module " + modulePath)
		}
		dir = parent
	}
}

// startProcess starts bin with args and NYM_HOME=root as the part named
// id. Its stdout and stderr go to Deps.Stderr, each line prefixed with
// "[id] ". When the network stops, or stop is called, the child gets
// SIGTERM, then SIGKILL after killAfter; a child that exits before that
// stops the network. stop returns once the child has exited.
func (n *Net) startProcess(sup *supervisor, root, id, bin string, args ...string) (stop func(), err error) {
	pctx, cancel := sup.Part()
	cmd := exec.CommandContext(pctx, bin, args...)
	cmd.Env = append(os.Environ(), home.EnvVar+"="+root)
	cmd.Dir = root
	cmd.Cancel = func() error { return cmd.Process.Signal(n.ctl.stopSignal(id)) } // SIGTERM unless KillNode
	cmd.WaitDelay = killAfter
	out := n.prefixed(id)
	cmd.Stdout, cmd.Stderr = out, out
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	n.log.Info("started", "id", id, "pid", cmd.Process.Pid, "command", bin+" "+strings.Join(args, " "))
	return sup.GoPart(pctx, cancel, id+" (pid "+fmt.Sprint(cmd.Process.Pid)+")", func(ctx context.Context) error {
		err := cmd.Wait()
		out.Flush()
		if ctx.Err() == nil {
			n.log.Error("child process exited early", "id", id, "error", err)
			if err == nil {
				err = errors.New("exit status 0")
			}
			return fmt.Errorf("exited early: %w", err)
		}
		return err
	}), nil
}

// stderrMu serialises whole lines from all children onto Deps.Stderr.
var stderrMu sync.Mutex

// maxLine bounds a buffered partial line; a longer one is written in
// pieces.
const maxLine = 64 << 10

// prefixWriter writes complete lines to w, each prefixed.
type prefixWriter struct {
	w      io.Writer
	prefix []byte
	mu     sync.Mutex // guards buf; Stdout and Stderr share the writer
	buf    []byte
}

func (n *Net) prefixed(id string) *prefixWriter {
	return &prefixWriter{w: n.deps.Stderr, prefix: []byte("[" + id + "] ")}
}

// Write buffers p and writes every complete line.
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 && len(p.buf) < maxLine {
			break
		}
		end := i + 1
		if i < 0 {
			end = maxLine
		}
		p.emit(p.buf[:end])
		p.buf = p.buf[end:]
	}
	if len(p.buf) == 0 {
		p.buf = nil
	}
	return len(b), nil
}

// Flush writes a final partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = nil
	}
}

func (p *prefixWriter) emit(line []byte) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	w := bufio.NewWriterSize(p.w, len(p.prefix)+len(line))
	w.Write(p.prefix)
	w.Write(line)
	w.Flush() // errors writing our own stderr are not the child's problem
}
