// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package cli_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/cli"
)

// streams returns a Stdio whose output the test reads.
func streams(in string) (cli.Stdio, *strings.Builder, *strings.Builder) {
	var out, errs strings.Builder
	return cli.Stdio{In: strings.NewReader(in), Out: &out, Err: &errs}, &out, &errs
}

// testProgram records the arguments its "echo" command gets.
func testProgram(got *[]string) cli.Program {
	return cli.Program{
		Name: "nym-test",
		Commands: map[string]cli.Command{
			"echo": {"print the arguments", func(_ context.Context, args []string, s cli.Stdio) int {
				*got = args
				return 7
			}},
			"address": {"a longer name", func(context.Context, []string, cli.Stdio) int { return 0 }},
		},
		Footer: "Files live under $NYM_HOME/test/<id>/.",
	}
}

const wantUsage = `Usage: nym-test <command> [flags]

Commands:
  address  a longer name
  echo     print the arguments

Run "nym-test <command> --help" for a command's flags.
Files live under $NYM_HOME/test/<id>/.
`

func TestUsageText(t *testing.T) {
	var b strings.Builder
	testProgram(new([]string)).Usage(&b)
	if b.String() != wantUsage {
		t.Fatalf("usage:\n%s\nwant:\n%s", b.String(), wantUsage)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name             string
		args             []string
		code             int
		wantOut, wantErr string
	}{
		{"no command", nil, 2, "", wantUsage},
		{"help", []string{"help"}, 0, wantUsage, ""},
		{"-h", []string{"-h"}, 0, wantUsage, ""},
		{"-help", []string{"-help"}, 0, wantUsage, ""},
		{"--help", []string{"--help"}, 0, wantUsage, ""},
		{"unknown", []string{"frobnicate", "x"}, 2, "", "nym-test: unknown command \"frobnicate\"\n\n" + wantUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			s, out, errs := streams("")
			if code := testProgram(&got).Run(context.Background(), tt.args, s); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if out.String() != tt.wantOut || errs.String() != tt.wantErr {
				t.Errorf("stdout %q stderr %q, want %q %q", out, errs, tt.wantOut, tt.wantErr)
			}
			if got != nil {
				t.Errorf("a command ran with %q", got)
			}
		})
	}
}

func TestRunDispatches(t *testing.T) {
	var got []string
	s, _, _ := streams("")
	if code := testProgram(&got).Run(context.Background(), []string{"echo", "--id", "a", "b"}, s); code != 7 {
		t.Fatalf("exit %d, want the command's 7", code)
	}
	if !slices.Equal(got, []string{"--id", "a", "b"}) {
		t.Fatalf("command got %q", got)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		maxArgs int
		code    int
		ok      bool
		out     []string // substrings of stdout
		err     []string // substrings of stderr
	}{
		{"ok", []string{"--id", "x"}, 0, 0, true, nil, nil},
		{"positional allowed", []string{"--id", "x", "msg"}, 1, 0, true, nil, nil},
		{"help", []string{"--help"}, 0, 0, false,
			[]string{"Usage: nym-test send [flags] [MESSAGE]\n\nSends it.\n\nFlags (write them -flag or --flag):\n", "  -id string\n"}, nil},
		{"bad flag", []string{"--bogus"}, 0, 2, false, nil,
			[]string{"nym-test send: flag provided but not defined: -bogus\n", "Usage: nym-test send [flags]", "  -id string"}},
		{"extra argument", []string{"a", "b"}, 1, 2, false, nil, []string{"nym-test send: unexpected argument \"b\"\n"}},
		{"no argument allowed", []string{"a"}, 0, 2, false, nil, []string{"unexpected argument \"a\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := cli.NewFlags("nym-test send", " [MESSAGE]", "Sends it.")
			id := fs.String("id", "", "the id")
			s, out, errs := streams("")
			code, ok := cli.Parse(fs, tt.args, tt.maxArgs, s)
			if code != tt.code || ok != tt.ok {
				t.Fatalf("Parse = %d, %v; want %d, %v", code, ok, tt.code, tt.ok)
			}
			if ok && *id != "x" {
				t.Errorf("--id = %q", *id)
			}
			for _, w := range tt.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.err {
				if !strings.Contains(errs.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tt.out == nil && out.Len() > 0 || tt.err == nil && errs.Len() > 0 {
				t.Errorf("unexpected output: stdout %q stderr %q", out, errs)
			}
			if ok && fs.Output() != s.Err {
				t.Error("after Parse the flag set does not write to s.Err")
			}
		})
	}
}

func TestMessages(t *testing.T) {
	s, out, errs := streams("")
	if code := cli.UsageError(s, "nym-test run", "--id is required"); code != cli.ExitUsage {
		t.Errorf("UsageError = %d", code)
	}
	if code := cli.Failed(s, "nym-test run", errors.New("no such node")); code != cli.ExitFailure {
		t.Errorf("Failed = %d", code)
	}
	if want := "nym-test run: --id is required\nnym-test run: no such node\n"; errs.String() != want || out.Len() > 0 {
		t.Errorf("stderr %q, want %q; stdout %q", errs, want, out)
	}
}
