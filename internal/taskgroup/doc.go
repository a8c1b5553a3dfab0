// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package taskgroup runs the named long-lived tasks of a daemon (listeners,
// loops, servers) as one unit: the first task to fail, or to return while
// the group is still running, cancels all the others, and Wait bounds how
// long the shutdown may take.
//
//	g := taskgroup.New(ctx)
//	g.Go("http", srv.Run)
//	g.Go("announce", ann.Run)
//	err := g.Wait(5 * time.Second) // after ctx ends or a task fails
package taskgroup
