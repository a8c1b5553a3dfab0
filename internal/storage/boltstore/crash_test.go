// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

// crashEnv names the database file the helper process writes to.
const crashEnv = "NYM_BOLTSTORE_CRASH_DB"

// crashPayload is the body of message j of writer w.
func crashPayload(w, j int) []byte { return fmt.Appendf(nil, "writer %d message %d %0100d", w, j, j) }

// TestHelperProcess is the child of TestCrashKeepsAcknowledged: it writes
// messages as fast as it can (half with Put, half with PutAsync) and prints
// "w j id" for each one only after the store acknowledged it, until killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKeepsAcknowledged")
	}
	s, err := boltstore.Open(path, boltstore.Config{
		Limits: storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: -1},
	}, boltstore.Deps{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out sync.Mutex
	ack := func(w, j int, id uint64) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(os.Stdout, "%d %d %d\n", w, j, id) // unbuffered: one write per ack
	}
	// The parent kills this process; the loop is bounded in case it
	// does not.
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for j := 0; time.Now().Before(deadline); j++ {
				c := storagetest.Client(w % 4)
				if w%2 == 0 {
					m, err := s.Put(context.Background(), c, crashPayload(w, j))
					if err == nil {
						ack(w, j, m.ID)
					}
					continue
				}
				done := make(chan struct{})
				s.PutAsync(c, crashPayload(w, j), func(m storage.Message, err error) {
					if err == nil {
						ack(w, j, m.ID)
					}
					close(done)
				})
				<-done
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

// TestCrashKeepsAcknowledged kills (SIGKILL) a process that is writing
// messages and checks that every message it acknowledged is in the
// database afterwards: the group commit never acknowledges before the
// transaction is written.
func TestCrashKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "inbox.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill()
		}
	}
	defer kill()
	// Kill after 3000 acknowledgements, or after 30 s whatever the count.
	timer := time.AfterFunc(30*time.Second, kill)
	defer timer.Stop()

	type ackd struct{ w, j int }
	acked := map[uint64]ackd{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue // a line cut by the kill
		}
		w, _ := strconv.Atoi(f[0])
		j, _ := strconv.Atoi(f[1])
		id, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			continue
		}
		acked[id] = ackd{w, j}
		if len(acked) == 3000 {
			kill()
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("helper exited by itself: %v", cmd.ProcessState)
	}
	if len(acked) < 100 {
		t.Fatalf("only %d acknowledgements before the kill", len(acked))
	}

	s, err := boltstore.Open(path, boltstore.Config{}, boltstore.Deps{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	found := map[uint64][]byte{}
	for c := range 4 {
		ms, err := s.Fetch(context.Background(), storagetest.Client(c), 0, 1<<30)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		for _, m := range ms {
			found[m.ID] = m.Data
		}
	}
	for id, a := range acked {
		data, ok := found[id]
		if !ok {
			t.Fatalf("acknowledged message %d (writer %d, #%d) lost", id, a.w, a.j)
		}
		if string(data) != string(crashPayload(a.w, a.j)) {
			t.Fatalf("message %d = %q, want writer %d #%d", id, data, a.w, a.j)
		}
	}
	t.Logf("%d acknowledged before kill -9, all present; %d in the database", len(acked), len(found))
}
