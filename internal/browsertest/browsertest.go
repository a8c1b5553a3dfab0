// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package browsertest starts a headless Chromium for tests, driven with
// github.com/chromedp/chromedp.
//
// A fresh machine with only Go installed has no browser, so a browser test
// calls New, which skips the test with a loud message when no Chromium is
// found, unless the environment sets NYM_REQUIRE_BROWSER=1 (as .ci/run
// does after installing Debian's chromium), in which case the test fails.
//
//	func TestPage(t *testing.T) {
//		ctx := browsertest.New(t, 60*time.Second)
//		srv := httptest.NewServer(handler)
//		defer srv.Close()
//		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
//			t.Fatal(err)
//		}
//		...
//	}
//
// Each call of New starts its own browser with a new, empty profile, and
// stops it (and waits for it to exit) when the test ends.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nym-go/nym/internal/logtest"
)

// RequireEnv names the environment variable that makes a missing browser
// a test failure instead of a skip: set it to "1".
const RequireEnv = "NYM_REQUIRE_BROWSER"

// ArtifactsEnv names the environment variable giving the directory where
// SaveArtifact writes; by default it is nym-browsertest in os.TempDir().
const ArtifactsEnv = "NYM_TEST_ARTIFACTS"

// Binaries are the names FindChromium looks for on PATH, in order.
var Binaries = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// SkipMessage is what a test without a browser is skipped with.
const SkipMessage = "SKIPPING browser test: no chromium found; install Debian's chromium " +
	"(apt-get install chromium) or run .ci/run"

// FindChromium returns the path of the first of Binaries found on PATH.
func FindChromium() (string, bool) {
	for _, name := range Binaries {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Required reports whether the environment makes browser tests mandatory.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Chromium returns the browser to run, or ends the test: t.Skip with
// SkipMessage when none is found, or t.Fatal when Required.
func Chromium(t testing.TB) string {
	t.Helper()
	p, ok := FindChromium()
	if ok {
		return p
	}
	if Required() {
		t.Fatalf("%s=1 but no chromium found on PATH (looked for %s); install it: apt-get install -y chromium",
			RequireEnv, strings.Join(Binaries, ", "))
	}
	t.Skip(SkipMessage)
	return ""
}

// AllocatorOptions returns the options that start the browser at path
// headless, with a fresh profile in userDataDir and nothing running in the
// background that would reach the network (updates, sync, safe browsing).
// They are chromedp's defaults plus these.
func AllocatorOptions(path, userDataDir string) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	return append(opts,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests may run as root, in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(1280, 1024),
	)
}

// New starts a headless Chromium for t (or skips t, see Chromium) and
// returns a chromedp context for one tab. The context, and so the browser,
// ends after timeout or when the test ends, whichever is first; cleanup
// waits for the browser process to exit. If the test fails, the browser's
// own output is logged.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := Chromium(t)
	out := &logtest.Buffer{} // the browser writes from another goroutine
	opts := append(AllocatorOptions(path, t.TempDir()), chromedp.CombinedOutput(out))

	base, cancelBase := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	// chromedp may report errors from its own goroutines; after the test
	// ends, t.Logf would panic, so they are dropped then.
	var ended atomic.Bool
	logf := func(format string, args ...any) {
		if !ended.Load() {
			t.Logf("chromedp: "+format, args...)
		}
	}
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the process to exit
		cancelBase()
		ended.Store(true)
		if t.Failed() {
			t.Logf("chromium output (last 4 KiB):\n%s", tail(out, 4096))
		}
	})
	// The first action starts the browser; its context is the browser's
	// lifetime, bounded by timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, tail(out, 4096))
	}
	return ctx
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SaveArtifact writes data (a screenshot, a page dump) to a file named
// after the test and name in the artifacts directory ($NYM_TEST_ARTIFACTS,
// default os.TempDir()/nym-browsertest), logs its path and returns it. A
// later run of the same test overwrites the file, so nothing accumulates.
func SaveArtifact(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "nym-browsertest")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("saving %s: %v", name, err)
		return ""
	}
	p := filepath.Join(dir, unsafeName.ReplaceAllString(t.Name()+"-"+name, "_"))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Errorf("saving %s: %v", name, err)
		return ""
	}
	t.Logf("saved %s (%d bytes)", p, len(data))
	return p
}

// tail returns the last n bytes of what out collected.
func tail(out *logtest.Buffer, n int) string {
	s := out.String()
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
