// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/directory"
)

// nodeCtl is what the fault controls (KillNode, StartNode, StopDirectory,
// StartDirectory) need of a running network. sup, root, bins and the
// directory fields are guarded by Net.mu; killed by its own mutex, since
// a child's cancel function reads it while StopNode or KillNode holds
// Net.mu and waits for the child.
type nodeCtl struct {
	sup  *supervisor // set with the directory
	root string      // set with the nodes
	bins binaries

	dirAddr string           // the directory's listen address, host:port
	dirCfg  directory.Config // how it was built
	dirStop func()           // stops the directory; nil while stopped

	killMu sync.Mutex
	killed map[string]bool // ids whose process is to be stopped with SIGKILL
}

// stopSignal is the signal that stops child id: SIGKILL once KillNode
// chose it, else SIGTERM.
func (c *nodeCtl) stopSignal(id string) os.Signal {
	c.killMu.Lock()
	defer c.killMu.Unlock()
	if c.killed[id] {
		return os.Kill
	}
	return syscall.SIGTERM
}

// setKilled records whether child id is to be stopped with SIGKILL.
func (c *nodeCtl) setKilled(id string, kill bool) {
	c.killMu.Lock()
	defer c.killMu.Unlock()
	if c.killed == nil {
		c.killed = make(map[string]bool)
	}
	c.killed[id] = kill
}

// KillNode kills node id's process with SIGKILL (kill -9: no shutdown, no
// flush, its stores as the crash left them) and returns once it has exited.
// The rest of the network keeps running; StartNode starts the node again
// from its files. It needs Config.Exec (an in-process node cannot crash
// alone: use StopNode), and fails if the network is not running or id is
// unknown or stopped already.
func (n *Net) KillNode(id string) error {
	if !n.cfg.Exec {
		return errors.New("localnet: KillNode: needs Exec (nodes run as processes); in-process, use StopNode")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nodeStop == nil {
		return errors.New("localnet: KillNode: the network is not running")
	}
	stop, ok := n.nodeStop[id]
	switch {
	case !ok:
		return fmt.Errorf("localnet: KillNode: no node %q", id)
	case stop == nil:
		return fmt.Errorf("localnet: KillNode: %s is stopped already", id)
	}
	// The child's context is cancelled first, so its exit is not taken
	// for a failure of the network; its cancel function then sends SIGKILL.
	n.ctl.setKilled(id, true)
	stop()
	n.nodeStop[id] = nil
	n.log.Warn("node killed (SIGKILL)", "id", id)
	return nil
}

// StartNode starts node id, stopped by StopNode or KillNode, again from its
// files (same keys, config, ports and stores), in-process or as a process
// as the network runs its nodes, and returns once its HTTP API answers its
// health route, or with an error after ctx ends or Config.ReadyTimeout.
// The node then announces itself to the directory within its presence
// interval (1 s).
func (n *Net) StartNode(ctx context.Context, id string) error {
	n.mu.Lock()
	if n.nodeStop == nil || n.ctl.sup == nil {
		n.mu.Unlock()
		return errors.New("localnet: StartNode: the network is not running")
	}
	stop, ok := n.nodeStop[id]
	info := n.nodes[id]
	if !ok || stop != nil {
		n.mu.Unlock()
		if ok {
			return fmt.Errorf("localnet: StartNode: %s is running", id)
		}
		return fmt.Errorf("localnet: StartNode: no node %q", id)
	}
	sup := n.ctl.sup
	n.ctl.setKilled(id, false)
	stop, err := n.startNode(sup, n.ctl.root, n.ctl.bins, id)
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("localnet: StartNode: %w", err)
	}
	n.nodeStop[id] = stop
	n.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopWait := context.AfterFunc(sup.ctx, cancel) // the network stopping ends the wait too
	defer stopWait()
	hc := &http.Client{Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	err = n.poll(ctx, "node "+id, func() ([]string, error) {
		if err := healthy(ctx, hc, info.HTTPAddress); err != nil {
			return []string{id + " (HTTP API: " + err.Error() + ")"}, nil
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("localnet: StartNode: %w", err)
	}
	n.log.Info("node started again", "id", id)
	return nil
}

// serveDirectory runs srv (built with cfg) on ln as a part of sup that
// StopDirectory can stop alone.
func (n *Net) serveDirectory(sup *supervisor, ln net.Listener, srv *directory.Server, cfg directory.Config) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.serveDirectoryLocked(sup, ln, srv, cfg)
}

// serveDirectoryLocked is serveDirectory with n.mu held.
func (n *Net) serveDirectoryLocked(sup *supervisor, ln net.Listener, srv *directory.Server, cfg directory.Config) {
	ctx, cancel := sup.Part()
	stop := sup.GoPart(ctx, cancel, "directory", func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	n.ctl.sup, n.ctl.dirAddr, n.ctl.dirCfg, n.ctl.dirStop = sup, ln.Addr().String(), cfg, stop
}

// StopDirectory stops the network's directory (in this process in both
// modes) and returns once it has stopped: its port is closed, and what it
// knew (presence, bindings, metrics, reliability scores) is gone. Nodes and
// clients keep running on the topology they fetched last. StartDirectory
// serves a fresh directory on the same address. It fails if the network is
// not running or the directory is stopped already.
func (n *Net) StopDirectory() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.ctl.sup == nil || n.ctl.sup.ctx.Err() != nil:
		return errors.New("localnet: StopDirectory: the network is not running")
	case n.ctl.dirStop == nil:
		return errors.New("localnet: StopDirectory: the directory is stopped already")
	}
	n.ctl.dirStop()
	n.ctl.dirStop = nil
	n.log.Warn("directory stopped", "address", n.ctl.dirAddr)
	return nil
}

// StartDirectory serves a fresh directory, with the same config (the
// monitor's key trusted), on the address StopDirectory closed. It starts
// empty: nodes are back in its topology once they re-announce (every
// presence interval, 1 s). It retries binding the port until ctx ends or
// Config.ReadyTimeout passes, and fails if the network is not running or
// the directory is running.
func (n *Net) StartDirectory(ctx context.Context) error {
	n.mu.Lock()
	sup, addr, cfg, running := n.ctl.sup, n.ctl.dirAddr, n.ctl.dirCfg, n.ctl.dirStop != nil
	n.mu.Unlock()
	switch {
	case sup == nil || sup.ctx.Err() != nil:
		return errors.New("localnet: StartDirectory: the network is not running")
	case running:
		return errors.New("localnet: StartDirectory: the directory is running")
	}
	var ln net.Listener
	err := n.poll(ctx, "directory", func() ([]string, error) {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return []string{"listen " + addr + ": " + err.Error()}, nil
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("localnet: StartDirectory: %w", err)
	}
	srv, err := directory.New(cfg, directory.Deps{Logger: n.deps.Logger})
	if err != nil {
		ln.Close()
		return fmt.Errorf("localnet: StartDirectory: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ctl.dirStop != nil || sup.ctx.Err() != nil { // raced with another StartDirectory or the end
		ln.Close()
		return errors.New("localnet: StartDirectory: the directory is running, or the network stopped")
	}
	n.serveDirectoryLocked(sup, ln, srv, cfg)
	n.log.Warn("directory started again", "address", addr)
	return nil
}
