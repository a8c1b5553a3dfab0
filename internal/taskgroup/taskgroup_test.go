// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package taskgroup_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/taskgroup"
)

// untilDone is a well-behaved task: it runs until its context ends.
func untilDone(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

func TestParentCancelStopsAll(t *testing.T) {
	leaktest.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	g := taskgroup.New(ctx)
	stopped := make(chan string, 3)
	for _, name := range []string{"a", "b", "c"} {
		g.Go(name, func(ctx context.Context) error {
			<-ctx.Done()
			stopped <- name
			return ctx.Err() // an error after the group ended still counts
		})
	}
	cancel()
	err := g.Wait(10 * time.Second)
	if len(stopped) != 3 {
		t.Fatalf("%d of 3 tasks returned before Wait did", len(stopped))
	}
	// The tasks returned context.Canceled; the first is reported.
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want a task's context.Canceled", err)
	}
}

func TestCleanStopIsNil(t *testing.T) {
	leaktest.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	g := taskgroup.New(ctx)
	g.Go("a", untilDone)
	g.Go("b", untilDone)
	cancel()
	if err := g.Wait(10 * time.Second); err != nil {
		t.Fatalf("Wait = %v, want nil", err)
	}
}

func TestNoTasks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := taskgroup.New(ctx)
	cancel()
	if err := g.Wait(time.Second); err != nil {
		t.Fatalf("Wait = %v", err)
	}
}

func TestFirstErrorCancelsTheRest(t *testing.T) {
	leaktest.Check(t)
	boom := errors.New("boom")
	g := taskgroup.New(context.Background())
	cancelled := make(chan struct{})
	g.Go("patient", func(ctx context.Context) error {
		<-ctx.Done()
		close(cancelled)
		return errors.New("later error, not the cause")
	})
	g.Go("broken", func(context.Context) error { return boom })
	err := g.Wait(10 * time.Second)
	select {
	case <-cancelled:
	default:
		t.Fatal("the failure did not cancel the other task")
	}
	if !errors.Is(err, boom) || err.Error() != "broken: boom" {
		t.Fatalf("Wait = %v, want broken: boom", err)
	}
}

func TestEarlyNilReturnIsAFailure(t *testing.T) {
	leaktest.Check(t)
	g := taskgroup.New(context.Background())
	g.Go("loop", untilDone)
	g.Go("quitter", func(context.Context) error { return nil })
	err := g.Wait(10 * time.Second)
	if !errors.Is(err, taskgroup.ErrStoppedUnexpectedly) || err.Error() != "quitter: stopped unexpectedly" {
		t.Fatalf("Wait = %v, want quitter: stopped unexpectedly", err)
	}
}

// TestWaitTimeout runs in a synctest bubble, so the 5 s timeout passes
// on the bubble's fake clock without sleeping.
func TestWaitTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		g := taskgroup.New(ctx)
		release := make(chan struct{})
		stuck := func(context.Context) error { <-release; return nil }
		g.Go("quick", untilDone)
		g.Go("stuck", stuck)
		g.Go("wedged", stuck)
		g.Go("wedged", stuck)
		cancel()
		start := time.Now()
		err := g.Wait(5 * time.Second)
		if waited := time.Since(start); waited != 5*time.Second {
			t.Errorf("Wait returned after %v, want the 5s timeout", waited)
		}
		want := "shutdown did not finish within 5s: still running: stuck, wedged (2)"
		if err == nil || err.Error() != want {
			t.Errorf("Wait = %v, want %q", err, want)
		}
		close(release)
		synctest.Wait()
	})
}

// TestWaitBlocksUntilCancelled: with every task healthy, Wait returns
// only when the parent ends.
func TestWaitBlocksUntilCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		g := taskgroup.New(ctx)
		g.Go("a", untilDone)
		returned := make(chan error, 1)
		go func() { returned <- g.Wait(time.Second) }()
		time.Sleep(time.Hour) // fake time in the bubble
		synctest.Wait()
		select {
		case err := <-returned:
			t.Fatalf("Wait returned %v before the parent ended", err)
		default:
		}
		cancel()
		if err := <-returned; err != nil {
			t.Fatalf("Wait = %v", err)
		}
	})
}

func TestErrorNamesTask(t *testing.T) {
	g := taskgroup.New(context.Background())
	g.Go("http", func(context.Context) error { return errors.New("listen: address in use") })
	if err := g.Wait(time.Second); err == nil || !strings.HasPrefix(err.Error(), "http: ") {
		t.Fatalf("Wait = %v, want it to name the task", err)
	}
}
