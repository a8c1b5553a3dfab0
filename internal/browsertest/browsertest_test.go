// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package browsertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeTB records how Chromium ends a test. Like the real Skip and Fatal,
// its Skip and Fatalf stop the goroutine.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runChromium(tb *fakeTB) string {
	var path string
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = Chromium(tb)
	}()
	<-done
	return path
}

func TestChromiumMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no browser here

	t.Setenv(RequireEnv, "")
	tb := &fakeTB{TB: t}
	runChromium(tb)
	if !tb.skipped || tb.failed || tb.msg != SkipMessage {
		t.Errorf("without %s: skipped=%v failed=%v %q", RequireEnv, tb.skipped, tb.failed, tb.msg)
	}
	if !strings.HasPrefix(SkipMessage, "SKIPPING browser test: no chromium found") || !strings.Contains(SkipMessage, "apt-get install chromium") {
		t.Errorf("SkipMessage = %q", SkipMessage)
	}

	t.Setenv(RequireEnv, "1")
	tb = &fakeTB{TB: t}
	runChromium(tb)
	if tb.skipped || !tb.failed || !strings.Contains(tb.msg, RequireEnv+"=1") {
		t.Errorf("with %s=1: skipped=%v failed=%v %q", RequireEnv, tb.skipped, tb.failed, tb.msg)
	}
}

func TestChromiumFound(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "chromium-browser")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv(RequireEnv, "1")
	tb := &fakeTB{TB: t}
	if got := runChromium(tb); got != fake || tb.skipped || tb.failed {
		t.Errorf("Chromium = %q (skipped=%v failed=%v %q), want %q", got, tb.skipped, tb.failed, tb.msg, fake)
	}
}

func TestSaveArtifact(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ArtifactsEnv, dir)
	p := SaveArtifact(t, "shot 1.png", []byte("data"))
	if filepath.Dir(p) != dir || strings.ContainsAny(filepath.Base(p), " /") {
		t.Errorf("path %q", p)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "data" {
		t.Errorf("read back %q, %v", b, err)
	}
}

// TestNew starts the real browser (or skips) and loads a page from a local
// server, checking that the helper's browser works end to end and that
// the page's script ran.
func TestNew(t *testing.T) {
	ctx := New(t, 60*time.Second)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><title>before</title><p id="p">hello</p>`+
			`<script>document.title = "after " + navigator.userAgent.includes("HeadlessChrome");</script>`)
	}))
	defer srv.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "after true" {
		t.Errorf("title %q, want %q (script ran in headless Chrome)", title, "after true")
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#p")))
	if err != nil || text != "hello" {
		t.Errorf("text %q, %v", text, err)
	}
}
