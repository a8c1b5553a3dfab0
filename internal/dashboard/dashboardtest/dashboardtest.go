// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package dashboardtest checks a running dashboard (package dashboard) in
// headless Chromium, for tests of anything that serves one: the
// dashboard's own tests against an in-process directory, and the local
// network's tests against a whole running network.
//
//	ctx := browsertest.New(t, 90*time.Second) // skips without chromium
//	dashboardtest.Check(t, ctx, dashboardURL, pubKeys)
package dashboardtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nym-go/nym/internal/browsertest"
)

// WaitTimeout bounds each of Check's waits: for every node to be listed,
// and for the network's sent rate to become non-zero.
const WaitTimeout = 30 * time.Second

// Viewport is the window size Check looks at the page in: a laptop screen.
var Viewport = [2]int64{1366, 768}

// cspRecorder collects Content-Security-Policy violations in the page
// (scripts injected by devtools are not subject to the page's policy).
const cspRecorder = `window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " blocked " + e.blockedURI));`

// Watch records, from now on, everything in the tab of ctx that means the
// page is broken: uncaught exceptions, console.error calls, browser log
// entries at error level (failed loads, refused connections), requests
// outside origin, and (for pages loaded after Watch) Content-Security-Policy
// violations, which Problems returns.
func Watch(t testing.TB, ctx context.Context, origin string) *Problems {
	t.Helper()
	p := &Problems{origin: strings.TrimSuffix(origin, "/") + "/"}
	if err := chromedp.Listen(ctx, p.event); err != nil {
		t.Fatalf("listening to the browser: %v", err)
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
		return err
	}))
	if err != nil {
		t.Fatalf("enabling browser events: %v", err)
	}
	return p
}

// Problems collects what Watch saw. Its methods are safe for concurrent
// use (events arrive on chromedp's goroutines).
type Problems struct {
	origin string
	mu     sync.Mutex
	list   []string // guarded by mu
}

func (p *Problems) event(ev any) {
	var s string
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		if !strings.HasPrefix(u, p.origin) && !strings.HasPrefix(u, "data:") {
			s = "request outside " + p.origin + ": " + u
		}
	case *cdpruntime.EventExceptionThrown:
		s = "exception: " + exceptionText(ev.ExceptionDetails)
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError {
			s = "console.error: " + argsText(ev.Args)
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			s = fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if s == "" {
		return
	}
	p.mu.Lock()
	p.list = append(p.list, s)
	p.mu.Unlock()
}

// Take returns the problems seen so far, and forgets them.
func (p *Problems) Take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.list
	p.list = nil
	return l
}

// Fail reports every problem seen so far (and the page's CSP violations)
// as errors of t.
func (p *Problems) Fail(t testing.TB, ctx context.Context) {
	t.Helper()
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
	if err != nil {
		t.Errorf("reading CSP violations: %v", err)
	}
	for _, v := range csp {
		t.Errorf("dashboard: Content-Security-Policy violation: %s", v)
	}
	for _, s := range p.Take() {
		t.Errorf("dashboard: %s", s)
	}
}

// Check opens the dashboard at dashboardURL in the browser of ctx (from
// browsertest.New) at Viewport size, and fails t unless, each within
// WaitTimeout, every pubKey in wantNodes has a row and the network's total
// sent rate is above zero; and unless the page ran without an exception,
// console error, failed load, CSP violation or request to another origin.
// It saves a screenshot (dashboard.png, see browsertest.SaveArtifact),
// also when it fails. Traffic must be flowing while it waits.
func Check(t testing.TB, ctx context.Context, dashboardURL string, wantNodes []string) {
	t.Helper()
	u, err := url.Parse(dashboardURL)
	if err != nil || u.Host == "" {
		t.Fatalf("dashboard URL %q: %v", dashboardURL, err)
	}
	problems := Watch(t, ctx, u.Scheme+"://"+u.Host)
	defer problems.Fail(t, ctx)

	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(Viewport[0], Viewport[1]),
		chromedp.Navigate(dashboardURL),
	)
	if err != nil {
		t.Fatalf("opening %s: %v", dashboardURL, err)
	}
	keys, _ := json.Marshal(wantNodes) // strings always encode
	missing := fmt.Sprintf(`%s.filter(k => !document.querySelector('tr[data-node="' + CSS.escape(k) + '"]'))`, keys)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](missing+`.length === 0`,
		chromedp.WithPollingTimeout(WaitTimeout)))
	if err != nil {
		Screenshot(t, ctx, "dashboard.png")
		still, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](missing))
		t.Fatalf("waiting %v for %d nodes to be listed: %v; not listed: %q", WaitTimeout, len(wantNodes), err, still)
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`Number(document.getElementById("total-sent-rate").dataset.value) > 0`,
		chromedp.WithPollingTimeout(WaitTimeout)))
	if err != nil {
		Screenshot(t, ctx, "dashboard.png")
		ws, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#ws-status")))
		t.Fatalf("waiting %v for the network's sent rate to be non-zero: %v (websocket: %q)", WaitTimeout, err, ws)
	}
	// One more tick, so the chart shows the traffic too.
	_, _ = chromedp.Run(ctx, chromedp.Poll[bool](
		`Number(document.getElementById("throughput-chart").dataset.samples) >= 2`,
		chromedp.WithPollingTimeout(5*time.Second)))
	Screenshot(t, ctx, "dashboard.png")
}

// Screenshot saves a screenshot of the whole page under name (see
// browsertest.SaveArtifact). A failure to take it is reported, not fatal.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	browsertest.SaveArtifact(t, name, png)
}

func exceptionText(d *cdpruntime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", s, d.URL, d.LineNumber)
}

func argsText(args []*cdpruntime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}
