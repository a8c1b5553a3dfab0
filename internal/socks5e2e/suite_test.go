// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
)

// Bounds of the suite's waits: they catch hangs, not slowness.
const (
	pageTimeout       = 30 * time.Second
	downloadTimeout   = 150 * time.Second
	concurrentTimeout = 90 * time.Second
	refusalTimeout    = 30 * time.Second
)

// concurrentStreams is how many streams run at once in Concurrent.
const concurrentStreams = 20

// downloadSize is the big download: 10 MiB, 2 MiB under the race detector.
func downloadSize() int64 {
	if raceEnabled {
		return 2 << 20
	}
	return 10 << 20
}

// runSuite runs the SOCKS5 checks of issue 8 on a ready network; the
// exit is stopped in the last part.
func runSuite(t *testing.T, nw *network) {
	srv := newServer(t)
	for _, part := range []struct {
		name string
		run  func(*testing.T, *network, *httptest.Server)
	}{
		{"CurlPage", testCurlPage},
		{"Download", testDownload},
		{"Concurrent", testConcurrent},
		{"Refused", testRefused},
		{"ExitGone", testExitGone},
	} {
		if !t.Run(part.name, func(t *testing.T) { part.run(t, nw, srv) }) {
			t.Fatalf("%s failed; the rest of the suite is skipped", part.name)
		}
	}
}

// curlPath returns the curl binary, or skips the test with a message.
func curlPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("curl")
	if err != nil {
		t.Skipf("SKIP: no curl in $PATH (%v): install curl to run the curl end-to-end checks", err)
	}
	return p
}

// curl runs curl through the proxy with args and returns its stdout, its
// exit code (0 on success) and its stderr.
func curl(t *testing.T, nw *network, timeout time.Duration, args ...string) (stdout []byte, code int, stderr string) {
	t.Helper()
	bin := curlPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Second)
	defer cancel()
	all := append([]string{"-sS", "--max-time", strconv.Itoa(int(timeout.Seconds())), "--socks5-hostname", nw.proxy}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("curl: %v", err)
	}
	return out.Bytes(), code, errb.String()
}

// testCurlPage: curl --socks5-hostname fetches a page by IP and by name
// (resolved by the exit).
func testCurlPage(t *testing.T, nw *network, srv *httptest.Server) {
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, host := range []string{"127.0.0.1", "localhost"} {
		u := "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
		begin := time.Now()
		out, code, stderr := curl(t, nw, pageTimeout, "--fail", u)
		if code != 0 {
			t.Fatalf("curl %s: exit code %d: %s", u, code, stderr)
		}
		if string(out) != pageBody {
			t.Fatalf("curl %s: got %q, want %q", u, out, pageBody)
		}
		t.Logf("curl %s: %d bytes in %v", u, len(out), time.Since(begin).Round(time.Millisecond))
	}
}

// testDownload: a big download through curl arrives byte-identical.
func testDownload(t *testing.T, nw *network, srv *httptest.Server) {
	size := downloadSize()
	file := filepath.Join(t.TempDir(), "download")
	u := srv.URL + "/bytes?n=" + strconv.FormatInt(size, 10) + "&seed=1"
	begin := time.Now()
	_, code, stderr := curl(t, nw, downloadTimeout, "--fail", "-o", file, u)
	took := time.Since(begin)
	if code != 0 {
		t.Fatalf("curl %s: exit code %d: %s", u, code, stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := sha256.New()
	n, err := io.Copy(got, f)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	io.Copy(want, content(1, size))
	if n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("downloaded %d bytes with SHA-256 %x; want %d bytes with %x", n, got.Sum(nil), size, want.Sum(nil))
	}
	t.Logf("%d MiB byte-identical in %v (%.0f KB/s)", size>>20, took.Round(time.Millisecond), float64(size)/took.Seconds()/1000)
}

// testConcurrent: 20 streams at once, each fetching its own content,
// all complete intact.
func testConcurrent(t *testing.T, nw *network, srv *httptest.Server) {
	const size = 32 << 10
	ctx, cancel := context.WithTimeout(context.Background(), concurrentTimeout)
	defer cancel()
	hc := HTTPClient(nw.proxy)
	defer hc.CloseIdleConnections()
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, concurrentStreams)
	for i := range concurrentStreams {
		wg.Go(func() {
			seed := uint64(100 + i)
			errs[i] = fetch(ctx, hc, fmt.Sprintf("%s/bytes?n=%d&seed=%d", srv.URL, size, seed), seed, size)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("stream %d: %v", i, err)
		}
	}
	t.Logf("%d streams of %d KiB in %v", concurrentStreams, size>>10, time.Since(begin).Round(time.Millisecond))
}

// fetch gets u through hc and checks that the body is content(seed, size).
func fetch(ctx context.Context, hc *http.Client, u string, seed uint64, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("after %d bytes: %w", len(body), err)
	}
	want, _ := io.ReadAll(content(seed, size))
	if !bytes.Equal(body, want) {
		return fmt.Errorf("body of %d bytes differs from the %d served", len(body), size)
	}
	return nil
}

// testRefused: hosts not on the exit's allow list (loopback only) get a
// SOCKS refusal: curl exits with 97, the Go client sees reply 0x02.
func testRefused(t *testing.T, nw *network, _ *httptest.Server) {
	for _, u := range []string{"http://blocked.invalid/", "http://192.0.2.1/"} {
		_, code, stderr := curl(t, nw, refusalTimeout, u)
		if code != 97 {
			t.Errorf("curl %s: exit code %d (%s), want 97 (SOCKS connection refused)", u, code, stderr)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), refusalTimeout)
	defer cancel()
	for _, target := range []string{"192.0.2.1:80", "[2001:db8::1]:443", "example.com:80"} {
		conn, err := Dial(ctx, nw.proxy, target)
		if err == nil {
			conn.Close()
			t.Errorf("Dial %s through the proxy succeeded; want a refusal", target)
			continue
		}
		var re *ReplyError
		if !errors.As(err, &re) || re.Code != 0x02 {
			t.Errorf("Dial %s: %v; want SOCKS reply 0x02", target, err)
		}
	}
}

// testExitGone: the exit's node stops in the middle of a download; the
// download ends with an error (the proxy closes the connection, the body
// incomplete) within the proxy's idle timeout plus slack, not a hang.
func testExitGone(t *testing.T, nw *network, srv *httptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), pageTimeout)
	defer cancel()
	conn, err := Dial(ctx, nw.proxy, srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /endless HTTP/1.0\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	const before = 256 << 10
	conn.SetReadDeadline(time.Now().Add(downloadTimeout))
	if n, err := io.CopyN(io.Discard, conn, before); err != nil {
		t.Fatalf("read %d bytes before stopping the exit: %v", n, err)
	}
	begin := time.Now()
	if err := nw.stopNode("gateway-1"); err != nil {
		t.Fatal(err)
	}
	stopped := time.Since(begin)
	bound := idleTimeout + 30*time.Second
	conn.SetReadDeadline(time.Now().Add(bound))
	n, err := io.Copy(io.Discard, conn)
	took := time.Since(begin)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the download still hangs %v after the exit stopped (%d more bytes arrived)", took.Round(time.Millisecond), n)
	}
	if before+n >= endlessSize {
		t.Fatalf("the whole body arrived (%d bytes) though the exit stopped", before+n)
	}
	t.Logf("exit stopped in %v; the stream ended %v after the stop (error %v) with %d more bytes", stopped.Round(time.Millisecond), took.Round(time.Millisecond), err, n)
	if err := nw.stopNode("gateway-1"); err == nil {
		t.Error("StopNode of a stopped node succeeded")
	}
}

// TestInProcess runs the suite against the in-process local network.
func TestInProcess(t *testing.T) {
	leaktest.Check(t)
	runSuite(t, startNet(t, fastConfig()))
}

// TestExec runs the suite against a local network of nym-node and
// nym-socks5-client processes (localnet --exec).
func TestExec(t *testing.T) {
	bin := buildBinaries(t)
	leaktest.Check(t)
	cfg := fastConfig()
	cfg.Exec, cfg.BinDir = true, bin
	runSuite(t, startNet(t, cfg))
}
