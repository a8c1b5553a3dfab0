#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The nym-go Authors.
#
# Runs every fuzz target of the module for a bounded time each.
#
#   bench/fuzz/run.sh [SECONDS] [PACKAGE-PATTERN]
#
# SECONDS is the fuzzing time per target (default 5). PACKAGE-PATTERN
# limits the packages (default ./...). Targets are found automatically:
# every "func FuzzXxx(f *testing.F)" in a *_test.go file. Each runs as
#   go test -run '^$' -fuzz '^FuzzXxx$' -fuzztime SECONDSs ./pkg
# one after another (a fuzz run uses every core). A crasher that go finds
# is written to the package's testdata/fuzz/FuzzXxx/ and from then on runs
# as a regression case in plain `go test`; commit it with the fix.
# The script exits 1 if any target failed (a crash, or a package that does
# not build), after running all of them, and prints a summary.
set -u
secs=${1:-5}
pattern=${2:-./...}
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS] [PACKAGE-PATTERN]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.." || exit 2

start=$(date +%s)
fails=()
n=0
while read -r dir; do
	pkg=./${dir#"$PWD"/}
	[ "$pkg" = "./$PWD" ] && pkg=.
	targets=$(grep -h -o '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' "$dir"/*_test.go 2>/dev/null | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u)
	for t in $targets; do
		n=$((n + 1))
		t0=$(date +%s)
		if out=$(go test -run '^$' -fuzz "^$t\$" -fuzztime "${secs}s" "$pkg" 2>&1); then
			printf 'ok    %-45s %-32s %3ds\n' "$pkg" "$t" $(($(date +%s) - t0))
		else
			printf 'FAIL  %-45s %-32s %3ds\n' "$pkg" "$t" $(($(date +%s) - t0))
			printf '%s\n' "$out" | tail -n 30 | sed 's/^/      /'
			fails+=("$pkg $t")
		fi
	done
done < <(go list -e -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' "$pattern" | sort)

echo "fuzz: $n targets at ${secs}s each in $(($(date +%s) - start))s; ${#fails[@]} failed"
for f in "${fails[@]}"; do echo "  failed: $f"; done
[ ${#fails[@]} -eq 0 ]
