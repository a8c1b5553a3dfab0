// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/wire"
)

// Environment of the helper process: its directory (keys and inbox) and
// the two loopback addresses it listens on.
const (
	crashDirEnv = "NYM_GATEWAY_CRASH_DIR"
	crashMixEnv = "NYM_GATEWAY_CRASH_MIX"
	crashWSEnv  = "NYM_GATEWAY_CRASH_WS"
)

// TestGatewayHelperProcess is the child of TestKill9LosesNothing: a
// gateway node over a bbolt inbox in its directory, on the addresses the
// parent chose. It prints "ready" once listening and runs until killed
// (bounded in case it is not).
func TestGatewayHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestKill9LosesNothing")
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	keys, err := os.ReadFile(filepath.Join(dir, "keys"))
	if err != nil || len(keys) != ed25519.SeedSize+32 {
		fail(fmt.Errorf("keys: %v (%d bytes)", err, len(keys)))
	}
	id := ed25519.NewKeyFromSeed(keys[:ed25519.SeedSize])
	var key sphinx.PrivateKey
	copy(key[:], keys[ed25519.SeedSize:])
	store, err := boltstore.Open(filepath.Join(dir, "inbox.db"), boltstore.Config{}, boltstore.Deps{})
	if err != nil {
		fail(err)
	}
	mixLn, err := net.Listen("tcp", os.Getenv(crashMixEnv))
	if err != nil {
		fail(err)
	}
	wsLn, err := net.Listen("tcp", os.Getenv(crashWSEnv))
	if err != nil {
		fail(err)
	}
	// One unwrap worker, so packets reach the inbox in the order they
	// were sent and the parent can check arrival order.
	if _, err := startGatewayNode(id, key, store, store, mixLn, wsLn, 1); err != nil {
		fail(err)
	}
	fmt.Println("ready")
	time.Sleep(60 * time.Second) // the parent kills us long before
	os.Exit(3)
}

// gatewayProc is a running helper process.
type gatewayProc struct{ cmd *exec.Cmd }

func startGatewayProc(t *testing.T, dir, mixAddr, wsAddr string) *gatewayProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGatewayHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashMixEnv+"="+mixAddr, crashWSEnv+"="+wsAddr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &gatewayProc{cmd: cmd}
	t.Cleanup(p.kill)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				break
			}
		}
		for sc.Scan() { // drain until the process dies
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("gateway process exited before it was ready")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("gateway process did not get ready")
	}
	return p
}

// kill sends SIGKILL and reaps the process; it is idempotent.
func (p *gatewayProc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	defer ln.Close()
	return ln.Addr().String()
}

// crashBody is message i's content.
func crashBody(i int) []byte { return fmt.Appendf(nil, "message %08d %0512d", i, i) }

// TestKill9LosesNothing feeds real Sphinx packets to a gateway process for
// an offline client, counts a message as accepted when its SURB-ack
// reaches the ack sink, SIGKILLs the gateway mid-stream, restarts it on
// the same directory and checks that the client, reconnecting, receives
// every accepted message, in arrival order (duplicates dropped by id, as
// a client does).
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts gateway processes")
	}
	leaktest.Check(t)
	dir := t.TempDir()
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		t.Fatal(err)
	}
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys"), append(seed, key[:]...), 0o600); err != nil {
		t.Fatal(err)
	}
	gwPub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	mixAddr, wsAddr := freeAddr(t), freeAddr(t)
	gwHop := sphinx.Hop{Address: nodeAddr(t, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(mixAddr))), PublicKey: key.Public()}
	sink := startSink(t)
	u := newUser(t)
	dial := func() *gwclient.Client {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := gwclient.Dial(ctx, "ws://"+wsAddr, u.id, gwPub, u.keys, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	p := startGatewayProc(t, dir, mixAddr, wsAddr)
	dial().Close() // register, then stay offline

	// Feed packets over one mixnet connection until the gateway dies.
	conn, err := net.DialTimeout("tcp", mixAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var sent atomic.Int64
	feedDone := make(chan error, 1)
	go func() {
		w := wire.NewWriter(conn)
		for i := 0; i < 20000; i++ {
			pkt, err := forwardPacket(sink, []sphinx.Hop{gwHop}, u.dest(), []byte(strconv.Itoa(i)), crashBody(i))
			if err == nil {
				err = w.WriteFrame(sphinx.Regular, pkt)
			}
			if err == nil && i%4 == 3 {
				err = w.Flush()
			}
			if err != nil {
				feedDone <- err
				return
			}
			sent.Add(1)
		}
		feedDone <- w.Flush()
	}()

	accepted := map[int]bool{}
	collect := func(a []byte) {
		i, err := strconv.Atoi(string(a))
		if err != nil {
			t.Fatalf("unexpected SURB-ack %q", a)
		}
		accepted[i] = true
	}
	// Kill at a different point every run: after 100 to 499 accepted.
	killAfter := 100 + mrand.IntN(400)
	deadline := time.After(15 * time.Second)
	for len(accepted) < killAfter {
		select {
		case a := <-sink.acks:
			collect(a)
		case <-deadline:
			t.Fatalf("only %d SURB-acks in 15 s", len(accepted))
		}
	}
	p.kill()
	if err := <-feedDone; err == nil {
		t.Fatal("the feed finished before the kill; nothing was arriving")
	}
	// Take the acks that were on their way when the gateway died.
	for quiet := false; !quiet; {
		select {
		case a := <-sink.acks:
			collect(a)
		case <-time.After(300 * time.Millisecond):
			quiet = true
		}
	}
	t.Logf("killed after %d packets sent, %d accepted", sent.Load(), len(accepted))

	startGatewayProc(t, dir, mixAddr, wsAddr)
	c := dial()
	defer c.Close()
	if c.Registered() {
		t.Fatal("the restarted gateway forgot the client's key")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := map[uint64]bool{}
	last, missing, dups := -1, len(accepted), 0
	for missing > 0 {
		d, err := c.Receive(ctx)
		if err != nil {
			t.Fatalf("Receive with %d accepted messages missing: %v", missing, err)
		}
		if err := c.Ack(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if seen[d.ID] {
			dups++
			continue
		}
		seen[d.ID] = true
		var i int
		if _, err := fmt.Sscanf(string(d.Data), "message %d", &i); err != nil || string(d.Data) != string(crashBody(i)) {
			t.Fatalf("delivery %d is not a message we sent: %.40q", d.ID, d.Data)
		}
		if i <= last {
			t.Fatalf("message %d delivered after message %d: not in arrival order", i, last)
		}
		last = i
		if accepted[i] {
			missing--
		}
	}
	t.Logf("received every accepted message (%d, up to #%d), %d duplicates", len(accepted), last, dups)
}
