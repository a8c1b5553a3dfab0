// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// The nym-go network dashboard. Plain JavaScript, no framework, nothing
// loaded from elsewhere. It reads two things from the directory that serves
// it (docs/protocol/directory.md):
//
//   - GET /api/presence/topology every TOPOLOGY_INTERVAL_MS, with
//     If-None-Match so an unchanged topology costs a 304;
//   - the /ws stream: one JSON line per mix node metric report
//     {"pubKey", "sent": {nextHop: count}, "received", "timestamp"}, several
//     lines per frame joined with "\n".
//
// How rates are computed (RateTracker):
//
//   A report's counts are the packets the node handled since its previous
//   report (nodes send deltas), and its timestamp is the directory's
//   receipt time in Unix nanoseconds. So the rate a report stands for is
//   its count divided by the time since the same node's previous report,
//   both times on the directory's clock:
//
//       rate_i = count_i / (timestamp_i - timestamp_(i-1))
//
//   where count is the sum of "sent" over next hops, or "received". The
//   interval is at least MIN_INTERVAL_MS (the smallest metrics interval a
//   node accepts), so reports that bunch up after an outage do not spike.
//   The first report the page sees from a node only starts its clock: the
//   page cannot know when the report before it was (nodes report every
//   second by default, but that is configurable), so the node shows "…"
//   until its second report. After the websocket reconnects, reports may
//   have been missed, so every node's clock starts again (its last rate
//   stays shown meanwhile).
//
//   Timestamps (~1.8e18) are beyond JavaScript's exact integers; as doubles
//   they are exact to 256 ns, far below the intervals measured.
//
//   A rate holds until the node's next report is due. When the page has
//   heard nothing from a node for 2 intervals plus GRACE_MS (by the
//   browser's own clock, so clock skew does not matter) the node counts as
//   silent and its rates are 0: rates decay to 0 when a node stops
//   reporting.
//
//   The network's totals are the sums over the nodes listed in the current
//   topology (reports are unauthenticated, so reports under keys nobody
//   announced are counted apart and not added). A packet crossing the
//   network is counted once per node it passes through.
//
// Every TICK_MS the page recomputes the rates, updates the rows and the
// totals, appends the totals to the throughput series (the last
// CHART_WINDOW_MS) and redraws the chart.
//
// Everything the directory sends is inserted with textContent, never as
// HTML. Stable hooks for tests: tr[data-node=<pubKey>] (data-kind,
// data-layer), td[data-rate-sent], td[data-rate-received],
// td[data-last-seen], td[data-reliability], #total-sent-rate,
// #total-received-rate (data-value holds the number), canvas
// #throughput-chart (data-samples), and window.nymDashboard.

"use strict";

(function () {
  const TOPOLOGY_PATH = "/api/presence/topology";
  const WS_PATH = "/ws";
  const TOPOLOGY_INTERVAL_MS = 3000;
  const TICK_MS = 1000;
  const CHART_WINDOW_MS = 5 * 60 * 1000;
  const MIN_INTERVAL_MS = 100;
  const GRACE_MS = 1000;
  const FORGET_MS = 5 * 60 * 1000; // silent nodes are forgotten after this
  const MAX_TRACKED = 10000; // bound on nodes tracked from /ws
  const WS_BACKOFF_MIN_MS = 500;
  const WS_BACKOFF_MAX_MS = 15000;

  // ---------------------------------------------------------------- rates

  // RateTracker keeps, per pubKey, the last report's time and the rates it
  // stood for. Times passed in as `now` are the browser's milliseconds
  // (performance.now()); tests pass their own.
  class RateTracker {
    constructor() {
      this.nodes = new Map();
      this.refused = 0; // reports beyond MAX_TRACKED keys
    }

    // add records report m, received at now. It returns false for a line
    // that is not a report (the directory only sends reports, but the page
    // should not trust that).
    add(m, now) {
      if (m === null || typeof m !== "object" || typeof m.pubKey !== "string" ||
          typeof m.timestamp !== "number" || !isFinite(m.timestamp)) {
        return false;
      }
      let sent = 0;
      if (m.sent !== null && typeof m.sent === "object") {
        for (const v of Object.values(m.sent)) {
          if (typeof v === "number" && v > 0) sent += v;
        }
      }
      const received = typeof m.received === "number" && m.received > 0 ? m.received : 0;
      const prev = this.nodes.get(m.pubKey);
      if (!prev && this.nodes.size >= MAX_TRACKED) {
        this.refused++;
        return true;
      }
      const st = prev ? Object.assign({}, prev) : {interval: null, sent: 0, received: 0, reports: 0};
      st.reports++;
      if (prev && prev.ts !== null && m.timestamp > prev.ts) {
        const dt = Math.max((m.timestamp - prev.ts) / 1e6, MIN_INTERVAL_MS);
        st.interval = dt;
        st.sent = sent * 1000 / dt;
        st.received = received * 1000 / dt;
      }
      // Otherwise (first report, restarted clock, or a timestamp that is
      // not later): this report only starts the clock.
      st.ts = m.timestamp;
      st.arrived = now;
      this.nodes.set(m.pubKey, st);
      return true;
    }

    // resetBaselines makes every node's next report start its clock again,
    // for when reports may have been missed (websocket reconnect).
    resetBaselines() {
      for (const st of this.nodes.values()) st.ts = null;
    }

    // rate returns {sent, received, silent} in packets per second for
    // pubKey at now, or null when the node has no rate yet (never reported,
    // or only once).
    rate(pubKey, now) {
      const st = this.nodes.get(pubKey);
      if (!st || st.interval === null) {
        if (st && this.silent(st, now)) return {sent: 0, received: 0, silent: true};
        return null;
      }
      if (this.silent(st, now)) return {sent: 0, received: 0, silent: true};
      return {sent: st.sent, received: st.received, silent: false};
    }

    // reported tells whether pubKey has sent any report.
    reported(pubKey) {
      return this.nodes.has(pubKey);
    }

    silent(st, now) {
      const interval = st.interval === null ? TICK_MS : st.interval;
      return now - st.arrived > 2 * interval + GRACE_MS;
    }

    // prune forgets nodes silent for FORGET_MS.
    prune(now) {
      for (const [k, st] of this.nodes) {
        if (now - st.arrived > FORGET_MS) this.nodes.delete(k);
      }
    }
  }

  // -------------------------------------------------------------- formats

  function fmtRate(x) {
    if (x < 10) return x.toFixed(1);
    return Math.round(x).toLocaleString("en-US");
  }

  function fmtAgo(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }

  function shortKey(k) {
    return k.length > 14 ? k.slice(0, 6) + "…" + k.slice(-4) : k;
  }

  // niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten (at least 1).
  function niceCeil(v) {
    if (!(v > 1)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (m * p >= v) return m * p;
    }
    return 10 * p;
  }

  // reliability renders a topology entry's reliability: a percentage 0–100
  // (as Nym's network monitor reports it), or "—" until a monitor
  // publishes one.
  function fmtReliability(n) {
    const r = n.reliability;
    if (typeof r !== "number" || !isFinite(r)) return "—";
    return Math.max(0, Math.min(100, r)).toFixed(1) + " %";
  }

  // reliabilityBucket names the v0.12 summary bucket of a reliability
  // (exceptional >= 95, fine 80-95, poor 60-80, unreliable < 60), or ""
  // when there is none; the cell's colour follows it (style.css).
  function reliabilityBucket(n) {
    const r = n.reliability;
    if (typeof r !== "number" || !isFinite(r)) return "";
    if (r >= 95) return "exceptional";
    if (r >= 80) return "fine";
    if (r >= 60) return "poor";
    return "unreliable";
  }

  // ---------------------------------------------------------------- chart

  // Series keeps the network totals sampled once per tick for the chart.
  class Series {
    constructor(windowMs) {
      this.windowMs = windowMs;
      this.samples = [];
    }

    push(t, sent, received) {
      this.samples.push({t, sent, received});
      while (this.samples.length > 0 && this.samples[0].t < t - this.windowMs) this.samples.shift();
    }
  }

  const COLORS = {sent: "#1f6fd1", received: "#1a9a5a", grid: "#dde2e8", text: "#687384"};

  function drawChart(canvas, series, now) {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(w * dpr), ph = Math.round(h * dpr);
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.width = pw;
      canvas.height = ph;
    }
    const c = canvas.getContext("2d");
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, w, h);
    const left = 52, right = 10, top = 8, bottom = 20;
    const plotW = Math.max(1, w - left - right), plotH = Math.max(1, h - top - bottom);
    let max = 0;
    for (const s of series.samples) max = Math.max(max, s.sent, s.received);
    const ymax = niceCeil(max);
    const y = v => top + plotH * (1 - v / ymax);
    const x = t => left + plotW * (1 - (now - t) / series.windowMs);

    c.font = "11px system-ui, sans-serif";
    c.lineWidth = 1;
    c.strokeStyle = COLORS.grid;
    c.fillStyle = COLORS.text;
    c.textAlign = "right";
    c.textBaseline = "middle";
    for (let i = 0; i <= 4; i++) {
      const v = ymax * i / 4;
      const yy = Math.round(y(v)) + 0.5;
      c.beginPath();
      c.moveTo(left, yy);
      c.lineTo(left + plotW, yy);
      c.stroke();
      c.fillText(ymax >= 10 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1), left - 6, yy);
    }
    c.textAlign = "center";
    c.textBaseline = "top";
    const minutes = series.windowMs / 60000;
    const step = plotW / minutes < 60 ? 2 : 1; // labels need about 60 px
    for (let m = minutes; m >= 0; m -= step) {
      const xx = left + plotW * m / minutes;
      const label = m === minutes ? "now" : "−" + (minutes - m) + " min";
      c.fillText(label, Math.min(Math.max(xx, left + 16), left + plotW - 12), top + plotH + 5);
    }

    c.lineWidth = 2;
    c.lineJoin = "round";
    for (const key of ["received", "sent"]) {
      c.strokeStyle = COLORS[key];
      c.beginPath();
      let first = true;
      for (const s of series.samples) {
        const px = x(s.t), py = y(s[key]);
        if (first) c.moveTo(px, py); else c.lineTo(px, py);
        first = false;
      }
      c.stroke();
    }
  }

  // ------------------------------------------------------------- network

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function keyButton(full) {
    const b = el("button", "key", shortKey(full));
    b.type = "button";
    b.title = full;
    b.setAttribute("aria-label", full + ", click to copy");
    b.dataset.copy = full;
    return b;
  }

  function list(t, key) {
    const v = t && t[key];
    if (!Array.isArray(v)) return [];
    return v.filter(n => n !== null && typeof n === "object" && typeof n.pubKey === "string" && n.pubKey !== "");
  }

  function str(v) {
    return typeof v === "string" ? v : (typeof v === "number" ? String(v) : "");
  }

  // Columns of a group. "static" cells are rebuilt when the node's record
  // changes; the others are updated every tick.
  function hostCell(td, n, kind) {
    if (kind === "mixnode" || kind === "coconode" || kind === "validator") {
      td.textContent = str(n.host);
      if (kind === "coconode" && n.type) td.appendChild(el("span", "sub", "type " + str(n.type)));
    } else {
      td.textContent = str(n.mixnetListener);
      if (n.clientListener) td.appendChild(el("span", "sub", "clients: " + str(n.clientListener)));
    }
  }

  function columnsFor(kind) {
    const cols = [
      {label: "host", cls: "host", render: (td, n) => hostCell(td, n, kind)},
      {label: "location", render: (td, n) => { td.textContent = str(n.location) || "—"; }},
      {label: "version", render: (td, n) => { td.textContent = str(n.version) || "—"; }},
      {label: "identity key", render: (td, n) => {
        if (typeof n.identityKey === "string" && n.identityKey) td.appendChild(keyButton(n.identityKey));
        else td.appendChild(el("span", "muted", "unsigned"));
      }},
      {label: "sphinx key", render: (td, n) => { td.appendChild(keyButton(n.pubKey)); }},
    ];
    if (kind === "gateway" || kind === "mixprovider") {
      cols.push({label: "clients", cls: "num", render: (td, n) => {
        const c = typeof n.registeredClientCount === "number" ? n.registeredClientCount
          : (Array.isArray(n.registeredClients) ? n.registeredClients.length : 0);
        td.textContent = String(c);
      }});
    }
    cols.push(
      {label: "last seen", attr: "lastSeen"},
      {label: "sent/s", cls: "num", attr: "rateSent"},
      {label: "received/s", cls: "num", attr: "rateReceived"},
      {label: "reliability", cls: "num", attr: "reliability"},
    );
    return cols;
  }

  // groupsOf lists the sections the topology fills, in page order.
  function groupsOf(t) {
    const mix = list(t, "mixNodes");
    const layers = new Set([1, 2, 3]);
    for (const n of mix) {
      if (Number.isInteger(n.layer) && n.layer > 0 && n.layer < 100) layers.add(n.layer);
    }
    const groups = [];
    for (const l of [...layers].sort((a, b) => a - b)) {
      groups.push({id: "layer-" + l, title: "Layer " + l + " mix nodes", kind: "mixnode",
        nodes: mix.filter(n => n.layer === l)});
    }
    groups.push({id: "gateways", title: "Gateways", kind: "gateway", nodes: list(t, "gatewayNodes")});
    const providers = list(t, "mixProviderNodes");
    if (providers.length > 0) {
      groups.push({id: "mixproviders", title: "Mix providers (v0.5.0)", kind: "mixprovider", nodes: providers});
    }
    const coco = list(t, "cocoNodes");
    if (coco.length > 0) {
      groups.push({id: "coconodes", title: "Coconut nodes", kind: "coconode", nodes: coco});
    }
    // The directory has no validators yet; a topology that lists them in
    // "validators" is shown as is.
    groups.push({id: "validators", title: "Validators", kind: "validator", nodes: list(t, "validators"),
      empty: "validators: none yet"});
    return groups;
  }

  // staticKey is what a row's static cells depend on.
  function staticKey(n) {
    return JSON.stringify([n.host, n.mixnetListener, n.clientListener, n.type, n.location, n.version,
      n.identityKey, n.registeredClientCount,
      Array.isArray(n.registeredClients) ? n.registeredClients.length : 0]);
  }

  // View owns the #network element: one section per group, one row per
  // node, rows reused across topology updates (keyed by pubKey) so that
  // nothing flickers and a test's element handles stay valid.
  class View {
    constructor(root) {
      this.root = root;
      this.sections = new Map(); // group id -> {section, tbody, rows: Map(pubKey -> row)}
      for (const s of root.querySelectorAll("section[data-group]")) {
        this.sections.set(s.dataset.group, {section: s, tbody: null, rows: new Map()});
      }
    }

    section(g, before) {
      let s = this.sections.get(g.id);
      if (!s) {
        const section = el("section", "card group");
        section.dataset.group = g.id;
        section.appendChild(el("h2"));
        s = {section, tbody: null, rows: new Map()};
        this.sections.set(g.id, s);
      }
      if (s.section.parentNode !== this.root || s.section.nextElementSibling !== before) {
        this.root.insertBefore(s.section, before);
      }
      return s;
    }

    render(t) {
      const groups = groupsOf(t);
      const wanted = new Set(groups.map(g => g.id));
      for (const [id, s] of this.sections) {
        if (!wanted.has(id)) {
          s.section.remove();
          this.sections.delete(id);
        }
      }
      // Lay the sections out in order, from the last one back.
      let next = null;
      const rendered = [];
      for (let i = groups.length - 1; i >= 0; i--) {
        const s = this.section(groups[i], next);
        next = s.section;
        rendered[i] = s;
      }
      groups.forEach((g, i) => this.fill(rendered[i], g));
    }

    fill(s, g) {
      const h2 = s.section.querySelector("h2");
      h2.textContent = g.title + " ";
      h2.appendChild(el("span", "count", "(" + g.nodes.length + ")"));
      if (g.nodes.length === 0) {
        if (s.tbody) {
          s.tbody.closest(".table-wrap").remove();
          s.tbody = null;
          s.rows.clear();
        }
        if (!s.section.querySelector(".empty")) s.section.appendChild(el("p", "empty muted"));
        s.section.querySelector(".empty").textContent = g.empty || "none";
        return;
      }
      const empty = s.section.querySelector(".empty");
      if (empty) empty.remove();
      const cols = columnsFor(g.kind);
      if (!s.tbody) {
        const wrap = el("div", "table-wrap");
        const table = el("table");
        const head = el("tr");
        for (const c of cols) head.appendChild(el("th", c.cls, c.label));
        table.appendChild(el("thead")).appendChild(head);
        s.tbody = table.appendChild(el("tbody"));
        wrap.appendChild(table);
        s.section.appendChild(wrap);
      }
      const seen = new Set();
      for (const n of g.nodes) {
        if (seen.has(n.pubKey)) continue;
        seen.add(n.pubKey);
        let row = s.rows.get(n.pubKey);
        if (!row) {
          row = this.newRow(n, g, cols);
          s.rows.set(n.pubKey, row);
        }
        const k = staticKey(n);
        if (row.key !== k) {
          row.key = k;
          cols.forEach((c, i) => {
            if (c.render) {
              row.tr.cells[i].replaceChildren();
              c.render(row.tr.cells[i], n);
            }
          });
        }
        row.node = n;
        s.tbody.appendChild(row.tr); // moves it into topology order
      }
      for (const [k, row] of s.rows) {
        if (!seen.has(k)) {
          row.tr.remove();
          s.rows.delete(k);
        }
      }
    }

    newRow(n, g, cols) {
      const tr = el("tr");
      tr.dataset.node = n.pubKey;
      tr.dataset.kind = g.kind;
      if (g.kind === "mixnode") tr.dataset.layer = String(n.layer);
      const row = {tr, key: null, node: n};
      for (const c of cols) {
        const td = tr.appendChild(el("td", c.cls));
        if (c.attr === "lastSeen") { td.dataset.lastSeen = ""; row.lastSeen = td; }
        if (c.attr === "rateSent") { td.dataset.rateSent = ""; row.sent = td; }
        if (c.attr === "rateReceived") { td.dataset.rateReceived = ""; row.received = td; }
        if (c.attr === "reliability") { td.dataset.reliability = ""; row.reliability = td; }
      }
      return row;
    }

    *rows() {
      for (const s of this.sections.values()) yield* s.rows.values();
    }
  }

  // ---------------------------------------------------------------- state

  const state = {
    tracker: new RateTracker(),
    series: new Series(CHART_WINDOW_MS),
    topology: null,
    etag: null,
    clockOffset: 0, // directory clock minus browser clock, ms (0 unless > 2 s)
    badLines: 0,
    wsBackoff: WS_BACKOFF_MIN_MS,
    wsConnects: 0,
  };

  function setPill(id, st, text) {
    const p = document.getElementById(id);
    p.dataset.state = st;
    p.textContent = text;
  }

  function setRateCell(td, r) {
    const v = r === null ? null : r;
    td.dataset.value = v === null ? "" : String(v);
    td.textContent = v === null ? "—" : fmtRate(v);
  }

  function tick() {
    const now = performance.now();
    const wall = Date.now() + state.clockOffset;
    const tr = state.tracker;
    tr.prune(now);
    let sent = 0, received = 0, reporting = 0;
    if (view) {
      for (const row of view.rows()) {
        const n = row.node;
        const r = tr.rate(n.pubKey, now);
        if (r) {
          sent += r.sent;
          received += r.received;
          if (!r.silent) reporting++;
        }
        row.tr.dataset.silent = r && r.silent ? "true" : "false";
        if (r) {
          setRateCell(row.sent, r.sent);
          setRateCell(row.received, r.received);
        } else {
          // "…": reported once, rate after the next report; "—": never.
          const mark = tr.reported(n.pubKey) ? "…" : "—";
          for (const td of [row.sent, row.received]) {
            td.dataset.value = "";
            td.textContent = mark;
          }
        }
        if (typeof n.lastSeen === "number" && n.lastSeen > 0) {
          const seen = n.lastSeen / 1e6;
          row.lastSeen.textContent = fmtAgo(wall - seen);
          row.lastSeen.title = new Date(seen).toISOString();
        } else {
          row.lastSeen.textContent = "—";
        }
        row.reliability.textContent = fmtReliability(n);
        const bucket = reliabilityBucket(n);
        row.reliability.dataset.bucket = bucket;
        row.reliability.title = bucket;
      }
    }
    const ts = document.getElementById("total-sent-rate");
    const trr = document.getElementById("total-received-rate");
    ts.dataset.value = String(sent);
    ts.textContent = fmtRate(sent);
    trr.dataset.value = String(received);
    trr.textContent = fmtRate(received);
    document.getElementById("count-reporting").textContent = String(reporting);
    state.series.push(now, sent, received);
    const canvas = document.getElementById("throughput-chart");
    canvas.dataset.samples = String(state.series.samples.length);
    drawChart(canvas, state.series, now);
    const unlisted = [...tr.nodes.keys()].filter(k => !listed.has(k)).length;
    const notes = [];
    if (unlisted > 0) notes.push(unlisted + " reporting keys not in the topology (not counted)");
    if (state.badLines > 0) notes.push(state.badLines + " unreadable /ws lines");
    document.getElementById("stream-note").textContent = notes.length ? " · " + notes.join(" · ") : "";
  }

  let view = null;
  let listed = new Set();

  function applyTopology(t) {
    state.topology = t;
    view.render(t);
    listed = new Set();
    for (const key of ["mixNodes", "gatewayNodes", "mixProviderNodes", "cocoNodes", "validators"]) {
      for (const n of list(t, key)) listed.add(n.pubKey);
    }
    document.getElementById("count-mixnodes").textContent = String(list(t, "mixNodes").length);
    document.getElementById("count-gateways").textContent = String(list(t, "gatewayNodes").length);
    document.body.dataset.topology = "loaded";
  }

  async function pollTopology() {
    try {
      const headers = state.etag ? {"If-None-Match": state.etag} : {};
      // no-store: the page does its own revalidation with the ETag, and
      // sees the 304.
      const r = await fetch(TOPOLOGY_PATH, {cache: "no-store", headers});
      const date = Date.parse(r.headers.get("Date") || "");
      if (!isNaN(date)) {
        // Date has 1 s resolution: only a real skew is corrected.
        const off = date + 500 - Date.now();
        state.clockOffset = Math.abs(off) > 2000 ? off : 0;
      }
      if (r.status === 304) {
        await r.arrayBuffer();
      } else if (r.ok) {
        const t = await r.json();
        state.etag = r.headers.get("ETag");
        applyTopology(t);
      } else {
        throw new Error("HTTP " + r.status);
      }
      setPill("topology-status", "ok", "topology: " + new Date().toLocaleTimeString());
      tick();
    } catch (e) {
      setPill("topology-status", "error", "topology: " + (e && e.message ? e.message : "unreachable") + ", retrying");
    } finally {
      setTimeout(pollTopology, TOPOLOGY_INTERVAL_MS);
    }
  }

  function connectWS() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + WS_PATH;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      retryWS();
      return;
    }
    setPill("ws-status", "connecting", "live: connecting…");
    ws.onopen = () => {
      state.wsBackoff = WS_BACKOFF_MIN_MS;
      state.wsConnects++;
      // Reports sent while we were away were missed: restart every clock.
      state.tracker.resetBaselines();
      setPill("ws-status", "live", "live: connected");
    };
    ws.onmessage = ev => {
      if (typeof ev.data !== "string") return;
      const now = performance.now();
      for (const line of ev.data.split("\n")) {
        if (line === "") continue;
        let m;
        try {
          m = JSON.parse(line);
        } catch (e) {
          state.badLines++;
          continue;
        }
        if (!state.tracker.add(m, now)) state.badLines++;
      }
    };
    ws.onclose = () => retryWS();
  }

  // retryWS reconnects after the current backoff (with jitter), then
  // doubles it up to WS_BACKOFF_MAX_MS; a successful connection resets it.
  function retryWS() {
    const delay = state.wsBackoff * (0.5 + Math.random() / 2);
    state.wsBackoff = Math.min(state.wsBackoff * 2, WS_BACKOFF_MAX_MS);
    setPill("ws-status", "down", "live: disconnected, retrying in " + Math.ceil(delay / 1000) + " s");
    setTimeout(connectWS, delay);
  }

  function copyKey(b) {
    const full = b.dataset.copy;
    const done = () => {
      b.dataset.copied = "true";
      setTimeout(() => { b.dataset.copied = "false"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(full).then(done, () => selectText(b));
    } else {
      selectText(b);
    }
  }

  // selectText shows the full key selected, for Ctrl-C where the clipboard
  // API is unavailable (plain http on a non-local host).
  function selectText(b) {
    b.textContent = b.dataset.copy;
    const r = document.createRange();
    r.selectNodeContents(b);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    b.addEventListener("blur", () => { b.textContent = shortKey(b.dataset.copy); }, {once: true});
  }

  function start() {
    view = new View(document.getElementById("network"));
    document.getElementById("network").addEventListener("click", ev => {
      const b = ev.target.closest("button.key");
      if (b) copyKey(b);
    });
    window.addEventListener("resize", () => drawChart(document.getElementById("throughput-chart"), state.series, performance.now()));
    pollTopology();
    connectWS();
    setInterval(tick, TICK_MS);
    tick();
  }

  window.nymDashboard = {RateTracker, Series, niceCeil, fmtAgo, fmtRate, shortKey, state};

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
