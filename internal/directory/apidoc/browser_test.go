// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
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
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory/apidoc"
)

// TestSwaggerUIInBrowser loads the Swagger UI in headless Chromium, from a
// server that serves only this package's handlers, the way the directory
// mounts them. It checks that the viewer renders one operation per route of
// the document, that the page loads nothing from another origin, and that
// nothing breaks the page's Content-Security-Policy or throws; it saves a
// screenshot.
func TestSwaggerUIInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 90*time.Second)

	mux := http.NewServeMux()
	mux.Handle("GET "+dirapi.PathOpenAPI, apidoc.Handler())
	mux.Handle("/swagger", apidoc.SwaggerHandler())
	mux.Handle("/swagger/", apidoc.SwaggerHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var (
		mu       sync.Mutex
		requests []string // every URL the page asked for
		problems []string // console errors, exceptions, error log entries
	)
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *cdpruntime.EventExceptionThrown:
			problems = append(problems, "exception: "+exceptionText(ev.ExceptionDetails))
		case *cdpruntime.EventConsoleAPICalled:
			if ev.Type == cdpruntime.ConsoleAPICalledTypeError {
				problems = append(problems, "console.error: "+argsText(ev.Args))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}

	// Record CSP violations in the page: devtools-injected scripts are not
	// subject to the page's policy.
	const cspRecorder = `window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " blocked " + e.blockedURI));`
	err = chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
			return err
		}),
		// Through the redirect, as a user typing /swagger would.
		chromedp.Navigate(srv.URL+"/swagger"),
	)
	if err != nil {
		t.Fatal(err)
	}

	routes := apidoc.Routes()
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		fmt.Sprintf(`document.querySelectorAll(".opblock").length >= %d`, len(routes)),
		chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		shot(t, ctx, "timeout")
		t.Fatalf("waiting for %d operations: %v\nproblems: %q", len(routes), err, problems)
	}

	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != srv.URL+"/swagger/" {
		t.Errorf("location %q (%v), want %s/swagger/", loc, err, srv.URL)
	}

	// One rendered operation per route of the document, by method and path.
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".opblock")).map(b =>
  b.querySelector(".opblock-summary-method").textContent + " " +
  b.querySelector(".opblock-summary-path").getAttribute("data-path"))`))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range routes {
		want = append(want, r.String())
	}
	slices.Sort(shown)
	slices.Sort(want)
	if !slices.Equal(shown, want) {
		t.Errorf("Swagger UI shows operations\n%q\nwant\n%q", shown, want)
	}

	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".information-container .title")))
	if err != nil || !strings.Contains(title, "nym-go directory API") {
		t.Errorf("title %q, %v", title, err)
	}

	// Open the topology operation: its responses (200 and 304) and the
	// Topology schema render from the document.
	const topo = "#operations-presence-getTopology"
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(topo+" .opblock-summary-control")),
		chromedp.WaitVisible(chromedp.CSS(topo+" .responses-table")),
	)
	if err != nil {
		shot(t, ctx, "topology")
		t.Fatalf("opening %s: %v", topo, err)
	}
	responses, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(topo+" .responses-table")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"200", "304", "gatewayNodes", "mixProviderNodes"} {
		if !strings.Contains(responses, s) {
			t.Errorf("topology responses lack %q", s)
		}
	}

	// Open a POST: its request body example renders (with syntax
	// highlighting, which must get by without inline styles).
	const mix = "#operations-presence-announceMixNode"
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(mix+" .opblock-summary-control")),
		chromedp.WaitVisible(chromedp.CSS(mix+" .opblock-section-request-body .highlight-code")),
	)
	if err != nil {
		shot(t, ctx, "mixnode")
		t.Fatalf("opening %s: %v", mix, err)
	}
	example, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(mix+" .opblock-section-request-body .highlight-code")))
	if err != nil || !strings.Contains(example, `"layer": 1`) {
		t.Errorf("mixnode request example %q, %v", example, err)
	}

	shot(t, ctx, "swagger-ui")

	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		t.Fatal(err)
	}
	if len(csp) != 0 {
		t.Errorf("Content-Security-Policy violations: %q", csp)
	}

	mu.Lock()
	defer mu.Unlock()
	origin := srv.URL + "/"
	var loaded []string
	for _, u := range requests {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		if !strings.HasPrefix(u, origin) {
			t.Errorf("page requested %s, outside %s", u, origin)
		}
		loaded = append(loaded, strings.TrimPrefix(u, srv.URL))
	}
	for _, p := range []string{"/swagger", "/swagger/", "/swagger/swagger-ui-bundle.js", "/swagger/swagger-ui.css",
		"/swagger/swagger-initializer.js", dirapi.PathOpenAPI} {
		if !slices.Contains(loaded, p) {
			t.Errorf("page never requested %s (requested %q)", p, loaded)
		}
	}
	for _, p := range problems {
		t.Errorf("page problem: %s", p)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	browsertest.SaveArtifact(t, name+".png", png)
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
