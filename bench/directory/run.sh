#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The nym-go Authors.
#
# Load benchmark of nym-directory on this machine.
#
#   bash bench/directory/run.sh              # 10 s per measurement, about 2.5 minutes
#   DURATION=5 bash bench/directory/run.sh   # shorter
#
# It builds cmd/nym-directory and bench/directory/loadgen, installs wrk with apt-get if it is missing, and
# starts the directory on 127.0.0.1 with a free port (--listen 127.0.0.1:0; the address is read from what it
# prints). Then it measures:
#   1. topology GETs/s with `wrk -t1 -c2` (one thread, two keep-alive connections) for 100 and for 1,000
#      unsigned mix nodes (v0.5.0-style records, about 170 B each): plain, gzip, and If-None-Match (304).
#      The nodes are announced once and the directory runs with --presence-ttl 1h so that they stay live;
#   1b. the baseline: a minimal Go server (loadgen static) returning the same 1,000-node bytes from memory;
#   2. the same plain GET for 1,000 nodes while each re-announces every 2 s (500 POSTs/s: lastSeen churn,
#      so the topology is re-serialised about once a second, as --topology-max-age allows);
#   3. plain GET for 1,000 signed nodes (about 350 B each: identityKey, signature and timestamp included);
#   4. signed presence POSTs/s from the load generator over 2 keep-alive connections (bodies signed
#      beforehand, 1,000 nodes);
#   5. RSS of a directory holding 10,000 live signed nodes, after serving the topology (plain and gzip).
# wrk, the load generator and the directory share the machine's cores; the load average is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}

if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
pid=""
refresher=""
cleanup() {
  [ -n "$refresher" ] && kill "$refresher" 2>/dev/null || true
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== building"
go build -o "$tmp/nym-directory" ./cmd/nym-directory
go build -o "$tmp/loadgen" ./bench/directory/loadgen

# start_directory FLAGS...: starts the directory and sets pid and url.
start_directory() {
  "$tmp/nym-directory" --listen 127.0.0.1:0 --log-level warn "$@" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 100); do
    url=$(sed -n '1s|.*(\(http://[^)]*\)/).*|\1|p' "$tmp/out")
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "directory did not start:"; cat "$tmp/err"; exit 1
}

stop_directory() {
  kill "$pid"; wait "$pid" || true; pid=""
}

# rate [wrk flags...]: requests/s of the topology.
rate() {
  wrk -t1 -c2 -d"${DURATION}s" "$@" "$url/api/presence/topology" | awk '/^Requests\/sec/ {printf "%.0f", $2}'
}

size() { curl -s "$@" "$url/api/presence/topology" | wc -c; }
etag() { curl -sI "$url/api/presence/topology" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}'; }

declare -A result
load=$(uptime | sed 's/.*load average: //')

echo "== unsigned mix nodes (--allow-unsigned --presence-ttl 1h)"
start_directory --allow-unsigned --presence-ttl 1h
for n in 100 1000; do
  have=$([ "$n" = 100 ] && echo 0 || echo 100)
  "$tmp/loadgen" announce -url "$url" -first "$have" -nodes $((n - have))
  result["$n plain bytes"]=$(size)
  result["$n gzip bytes"]=$(size -H "Accept-Encoding: gzip")
  result["$n plain"]=$(rate)
  result["$n gzip"]=$(rate -H "Accept-Encoding: gzip")
  result["$n 304"]=$(rate -H "If-None-Match: $(etag)")
  echo "   $n nodes: plain ${result["$n plain"]}/s (${result["$n plain bytes"]} B), gzip ${result["$n gzip"]}/s (${result["$n gzip bytes"]} B), 304 ${result["$n 304"]}/s"
done
curl -s "$url/api/presence/topology" >"$tmp/topology.json"
"$tmp/loadgen" static -file "$tmp/topology.json" >"$tmp/static.out" &
static=$!
sleep 0.5
result["baseline"]=$(url=$(head -1 "$tmp/static.out") rate)
kill "$static"; wait "$static" 2>/dev/null || true
echo "   baseline (same bytes from a minimal Go server): ${result["baseline"]}/s"
"$tmp/loadgen" refresh -url "$url" -nodes 1000 -every 2s -conns 1 &
refresher=$!
sleep 2
result["churn"]=$(rate)
kill "$refresher"; wait "$refresher" 2>/dev/null || true; refresher=""
echo "   1000 nodes re-announcing every 2 s: plain ${result["churn"]}/s"
stop_directory

echo "== signed mix nodes (default: signatures required; --presence-ttl 1h)"
start_directory --presence-ttl 1h
"$tmp/loadgen" announce -url "$url" -nodes 1000 -signed
result["signed bytes"]=$(size)
result["signed plain"]=$(rate)
echo "   1000 signed nodes: plain ${result["signed plain"]}/s (${result["signed bytes"]} B)"
result["posts"]=$("$tmp/loadgen" post-rate -url "$url" -nodes 1000 -conns 2 -duration "${DURATION}s" | awk '{print $3}')
echo "   signed POSTs: ${result["posts"]}/s"
stop_directory

echo "== 10,000 live signed nodes"
start_directory --presence-ttl 1h
"$tmp/loadgen" announce -url "$url" -nodes 10000 -signed -conns 2
result["10k bytes"]=$(size)
size -H "Accept-Encoding: gzip" >/dev/null
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
result["rss"]=$((rss / 1024))
result["hwm"]=$((hwm / 1024))
echo "   RSS ${result["rss"]} MiB (peak ${result["hwm"]} MiB), topology ${result["10k bytes"]} B"
stop_directory

cat <<EOF

== summary (wrk -t1 -c2 -d${DURATION}s; load average at start: $load)
topology GET, 100 unsigned nodes:      ${result["100 plain"]} req/s plain, ${result["100 gzip"]} gzip, ${result["100 304"]} 304   (${result["100 plain bytes"]} B, gzip ${result["100 gzip bytes"]} B)
topology GET, 1000 unsigned nodes:     ${result["1000 plain"]} req/s plain, ${result["1000 gzip"]} gzip, ${result["1000 304"]} 304   (${result["1000 plain bytes"]} B, gzip ${result["1000 gzip bytes"]} B)
  ... baseline, same bytes from memory: ${result["baseline"]} req/s
  ... while they re-announce every 2 s: ${result["churn"]} req/s plain
topology GET, 1000 signed nodes:       ${result["signed plain"]} req/s plain   (${result["signed bytes"]} B)
signed presence POST:                  ${result["posts"]} req/s (2 connections)
10,000 live signed nodes:              RSS ${result["rss"]} MiB, peak ${result["hwm"]} MiB
EOF
