// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the runtime package light: the directory binary links it,
// so it must not pull in the OpenAPI library (apidoctest's) or the browser
// driver (the tests'). It asks the go tool for the package's dependencies.
func TestDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "github.com/nym-go/nym/internal/directory/apidoc" {
		t.Fatalf("go list -deps printed %q", deps)
	}
	for _, d := range deps {
		if !strings.HasPrefix(d, "github.com/nym-go/nym/") {
			t.Errorf("apidoc depends on %s; only the standard library and this module are allowed", d)
		}
	}
}
