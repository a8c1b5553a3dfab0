// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/cli"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := program.Run(context.Background(), args, cli.Stdio{Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestHelpNamesEveryFlag(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"init": {"id", "provider", "gateway", "gateway-url", "directory", "port", "force", "home"},
		"run":  {"id", "port", "metrics", "check-config", "log-level", "log-format", "home"},
	} {
		code, out, _ := runCmd(cmd, "--help")
		if code != 0 {
			t.Errorf("%s --help exited %d", cmd, code)
		}
		for _, f := range flags {
			if !strings.Contains(out, "-"+f+" ") && !strings.Contains(out, "-"+f+"\n") {
				t.Errorf("%s --help does not explain -%s:\n%s", cmd, f, out)
			}
		}
	}
	if code, out, _ := runCmd("--help"); code != 0 || !strings.Contains(out, "init") || !strings.Contains(out, "socks5-clients") {
		t.Errorf("--help: %d\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"init", "--provider", "x"},
		{"init", "--id", "a"},
		{"init", "--id", "a", "--provider", "x", "--port", "70000"},
		{"run"},
		{"run", "--id", "a", "--port", "-1"},
		{"run", "--id", "a", "--nope"},
		{"run", "--id", "a", "extra"},
		{"run", "--id", "a", "--log-level", "loud", "--home", home},
	} {
		if code, _, errs := runCmd(args...); code != 2 || errs == "" {
			t.Errorf("%q: exit %d (stderr %q), want 2 with a message", args, code, errs)
		}
	}
}

func TestFailures(t *testing.T) {
	home := t.TempDir()
	// A bad provider address fails before anything is written.
	if code, _, errs := runCmd("init", "--id", "a", "--provider", "not-an-address", "--home", home); code != 1 || !strings.Contains(errs, "provider") {
		t.Errorf("init with a bad provider: %d %q", code, errs)
	}
	// Run of an id that was never initialised.
	if code, _, errs := runCmd("run", "--id", "missing", "--home", home); code != 1 || errs == "" {
		t.Errorf("run of a missing id: %d %q", code, errs)
	}
	if code, _, _ := runCmd("run", "--id", "missing", "--check-config", "--home", home); code != 1 {
		t.Errorf("--check-config of a missing id exited %d", code)
	}
}
