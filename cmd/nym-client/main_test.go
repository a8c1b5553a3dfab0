// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nativeclient/nettest"
	"github.com/nym-go/nym/internal/sphinx"
)

// nymClient runs the command in-process with stdin and returns its exit
// code and output.
func nymClient(ctx context.Context, stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := program.Run(ctx, args, cli.Stdio{In: strings.NewReader(stdin), Out: &stdout, Err: &stderr})
	return code, stdout.String(), stderr.String()
}

func TestHelp(t *testing.T) {
	ctx := context.Background()
	code, out, _ := nymClient(ctx, "", "--help")
	for name := range commands {
		if code != 0 || !strings.Contains(out, name) {
			t.Fatalf("--help: %d, lacks %s: %q", code, name, out)
		}
	}
	flags := map[string][]string{
		"init":    {"-id", "-gateway", "-gateway-url", "-directory", "-port", "-force", "-home"},
		"run":     {"-id", "-port", "-metrics", "-check-config", "-log-level", "-log-format", "-home"},
		"send":    {"-host", "-port", "-to", "-reply-surb", "-max-message"},
		"listen":  {"-host", "-port", "-max-message"},
		"address": {"-id", "-home"},
	}
	if len(flags) != len(commands) {
		t.Fatalf("flags of %d commands listed, %d exist", len(flags), len(commands))
	}
	for cmd, fs := range flags {
		code, out, _ := nymClient(ctx, "", cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: nym-client "+cmd) {
			t.Errorf("%s --help exited %d:\n%s", cmd, code, out)
		}
		for _, f := range fs {
			if !strings.Contains(out, "  "+f+" ") && !strings.Contains(out, "  "+f+"\n") {
				t.Errorf("%s --help does not explain %s:\n%s", cmd, f, out)
			}
		}
		if code, _, errs := nymClient(ctx, "", cmd, "--bogus"); code != 2 || !strings.Contains(errs, "bogus") {
			t.Errorf("%s --bogus: %d %q", cmd, code, errs)
		}
	}
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"init"}, {"run"}, {"address"}, {"send", "hi"}, {"send", "--to", "x", "a", "b"},
		{"run", "--id", "a", "--port", "70000"}, {"run", "--id", "a", "--log-format", "xml"}, {"listen", "extra"},
		{"init", "--id", "a", "--port", "x"}, {"send", "--to", "x", "--max-message", "0", "hi"},
		{"listen", "--max-message", "2000000000"},
	} {
		if code, _, _ := nymClient(ctx, "", args...); code != 2 {
			t.Errorf("%q exited %d, want 2", args, code)
		}
	}
}

// TestSendMaxMessage: --max-message bounds standard input (checked before
// connecting).
func TestSendMaxMessage(t *testing.T) {
	ctx := context.Background()
	code, _, errs := nymClient(ctx, strings.Repeat("x", 11), "send", "--port", "1", "--to", "x", "--max-message", "10", "-")
	if code != 1 || !strings.Contains(errs, "larger than 10 bytes") {
		t.Fatalf("11 bytes with --max-message 10: %d %q", code, errs)
	}
	// Within the limit it goes on to connect (and fails: nothing listens on
	// port 1).
	code, _, errs = nymClient(ctx, strings.Repeat("x", 10), "send", "--port", "1", "--to", "x", "--max-message", "10", "-")
	if code != 1 || !strings.Contains(errs, "dial") {
		t.Fatalf("10 bytes with --max-message 10: %d %q", code, errs)
	}
}

// syncWriter is a concurrency-safe buffer for a running command's output.
type syncWriter struct {
	logtest.Buffer
}

// waitFor polls w until it contains s.
func waitFor(t *testing.T, w *syncWriter, s string, within time.Duration) {
	t.Helper()
	if !poll.Try(within, func() bool { return strings.Contains(w.String(), s) }) {
		t.Fatalf("no %q within %v in:\n%s", s, within, w.String())
	}
}

// background runs a command until the returned stop, which returns its
// exit code.
func background(t *testing.T, args ...string) (stdout, stderr *syncWriter, stop func() int) {
	t.Helper()
	stdout, stderr = new(syncWriter), new(syncWriter)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- program.Run(ctx, args, cli.Stdio{In: strings.NewReader(""), Out: stdout, Err: stderr}) }()
	var code *int
	stop = func() int {
		if code == nil {
			cancel()
			select {
			case c := <-done:
				code = &c
			case <-time.After(6 * time.Second):
				t.Errorf("%q did not stop within 5 s", args)
				code = new(int)
			}
		}
		return *code
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

func TestRoundTrip(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	t.Setenv("NYM_HOME", filepath.Join(root, "unused")) // --home wins
	net := nettest.Start(t, root, 1)
	ctx := context.Background()
	ports := map[string]string{}
	for _, id := range []string{"alice", "bob"} {
		ports[id] = strconv.Itoa(nettest.FreePort(t))
		code, out, errs := nymClient(ctx, "", "init", "--home", root, "--id", id, "--directory", net.DirectoryURL, "--port", ports[id])
		if code != 0 || !strings.Contains(out, "address: ") {
			t.Fatalf("init %s: %d %s %s", id, code, out, errs)
		}
	}
	if code, _, errs := nymClient(ctx, "", "init", "--home", root, "--id", "alice", "--directory", net.DirectoryURL); code != 1 || !strings.Contains(errs, "--force") {
		t.Fatalf("second init: %d %s", code, errs)
	}
	code, out, errs := nymClient(ctx, "", "address", "--home", root, "--id", "alice")
	alice := strings.TrimSpace(out)
	if _, err := address.Parse(alice); code != 0 || err != nil {
		t.Fatalf("address: %d %q %s %v", code, out, errs, err)
	}
	if code, out, errs := nymClient(ctx, "", "run", "--home", root, "--id", "alice", "--check-config"); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("check-config: %d %s %s", code, out, errs)
	}

	aliceOut, aliceErr, stopAlice := background(t, "run", "--home", root, "--id", "alice", "--log-format", "json", "--metrics", "127.0.0.1:0")
	bobOut, _, stopBob := background(t, "run", "--home", root, "--id", "bob")
	waitFor(t, aliceOut, "ws://127.0.0.1:"+ports["alice"], 10*time.Second)
	waitFor(t, aliceOut, alice, time.Second)
	waitFor(t, aliceOut, "metrics:   http://127.0.0.1:", time.Second)
	metricsURL := strings.Fields(aliceOut.String()[strings.Index(aliceOut.String(), "metrics:   ")+len("metrics:"):])[0]
	waitFor(t, bobOut, "ws://127.0.0.1:"+ports["bob"], 10*time.Second)

	listenOut, listenErr, stopListen := background(t, "listen", "--port", ports["alice"])
	// listen has connected once the client counts the connection; a
	// message sent before that would go to no connection, so send until the
	// first line arrives, giving each message a few seconds to cross the
	// mixnet before sending another.
	binary := []byte{0xff, 0x00, 0xfe}
	printed := func() bool { return strings.Contains(listenOut.String(), "\n") }
	for deadline := time.Now().Add(20 * time.Second); ; {
		if code, _, errs := nymClient(ctx, "", "send", "--port", ports["bob"], "--to", alice, "hello alice"); code != 0 {
			t.Fatalf("send: %d %s", code, errs)
		}
		if poll.Try(3*time.Second, printed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen printed nothing; stderr: %s", listenErr.String())
		}
	}
	if code, _, errs := nymClient(ctx, string(binary), "send", "--port", ports["bob"], "--to", alice, "--reply-surb", "-"); code != 0 {
		t.Fatalf("send from stdin: %d %s", code, errs)
	}
	var lines []listenLine
	if !poll.Try(20*time.Second, func() bool {
		lines = lines[:0]
		dec := json.NewDecoder(strings.NewReader(listenOut.String()))
		for {
			var l listenLine
			if dec.Decode(&l) != nil {
				break
			}
			lines = append(lines, l)
		}
		n := len(lines)
		return n > 0 && lines[n-1].MessageBase64 != ""
	}) {
		t.Fatalf("the binary message did not arrive:\n%s", listenOut.String())
	}
	if l := lines[0]; l.Message == nil || *l.Message != "hello alice" || l.ReplySURB != "" || l.MessageBase64 != "" {
		t.Errorf("first line %+v", l)
	}
	last := lines[len(lines)-1]
	if last.Message != nil || last.MessageBase64 != base64.StdEncoding.EncodeToString(binary) {
		t.Errorf("binary line %+v", last)
	}
	if surb, err := base58.Decode(last.ReplySURB); err != nil || len(surb) != sphinx.SURBSize {
		t.Errorf("reply SURB %q: %d bytes, %v", last.ReplySURB, len(surb), err)
	}
	if !strings.HasPrefix(strings.TrimSpace(listenOut.String()), `{"message":"hello alice"}`) {
		t.Errorf("listen output is not the documented JSON:\n%s", listenOut.String())
	}
	// alice's /metrics counts what listen got, and its one connection.
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "nym_client_api_connections 1\n") || !strings.Contains(string(body), "nym_client_api_received_total ") {
		t.Errorf("alice's %s:\n%.1500s", metricsURL, body)
	}

	// The client's refusal reaches send's exit status and stderr.
	if code, _, errs := nymClient(ctx, "", "send", "--port", ports["bob"], "--to", "nobody", "x"); code != 1 || !strings.Contains(errs, "address") {
		t.Errorf("send to a bad address: %d %q", code, errs)
	}
	if code, _, errs := nymClient(ctx, "", "send", "--port", strconv.Itoa(nettest.FreePort(t)), "--to", alice, "x"); code != 1 || errs == "" {
		t.Errorf("send with no client: %d %q", code, errs)
	}

	if code := stopListen(); code != 0 {
		t.Errorf("listen exited %d: %s", code, listenErr.String())
	}
	if code := stopBob(); code != 0 {
		t.Errorf("bob exited %d", code)
	}
	if code := stopAlice(); code != 0 || !strings.Contains(aliceErr.String(), `"msg":"nym-client stopped"`) {
		t.Errorf("alice exited %d:\n%s", code, aliceErr.String())
	}
	// With alice stopped, listen fails.
	if code, _, _ := nymClient(ctx, "", "listen", "--port", ports["alice"]); code != 1 {
		t.Errorf("listen with no client exited %d", code)
	}
	if _, err := os.Stat(filepath.Join(root, "unused")); err == nil {
		t.Error("$NYM_HOME was used despite --home")
	}
}
