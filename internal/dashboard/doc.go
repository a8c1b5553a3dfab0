// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package dashboard is the live network page that nym-directory serves at
// "/": the mix nodes by layer, the gateways and (once they exist) the
// validators, each with its version, location, host, keys, last-seen time
// and reliability, and the packets per second each node and the whole
// network send and receive, with a chart of the network's throughput over
// the last five minutes.
//
// The page is three hand-written files (web/index.html, web/app.js,
// web/style.css, plus an icon) embedded in the binary: no framework, no
// build step, nothing loaded from another origin, so it works with no
// internet. It only reads the directory's public API: it polls
// GET /api/presence/topology every 3 s with If-None-Match, and computes
// rates from the metric reports streamed on /ws (how is documented at the
// top of web/app.js). Everything the directory returns is inserted as
// text, never as HTML.
//
// Handler serves the page at "/" and its assets under Prefix, each with a
// content-hash ETag (304 on a match), Cache-Control: no-cache and a strict
// Content-Security-Policy (scripts, styles, images and connections to the
// page's own origin only, plus ws: and wss: to the same host).
//
// Tests find the page's parts by stable ids and attributes: each node's
// row is tr[data-node="<pubKey>"] (with data-kind and, for mix nodes,
// data-layer) and holds td[data-rate-sent] and td[data-rate-received];
// the network totals are #total-sent-rate and #total-received-rate; the
// chart is canvas#throughput-chart. Package dashboardtest checks a running
// dashboard in headless Chromium.
package dashboard
