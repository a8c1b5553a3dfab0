// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/home"
)

func initOpts(root string) InitOptions {
	return InitOptions{
		Home: root, ID: "mix1", Mode: ModeMixnode, Host: "127.0.0.1",
		MixPort: DefaultMixPort, HTTPPort: DefaultHTTPPort, Layer: 2,
		Directory: "http://127.0.0.1:8080", Location: "Lisbon",
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInitWritesConfigAndKeys(t *testing.T) {
	root := t.TempDir()
	var out bytes.Buffer
	o := initOpts(root)
	o.Stdout = &out
	cfg, err := Init(o)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := home.For(root, home.Node, "mix1")
	loaded, unknown, err := Load(dir.Config(), true)
	if err != nil || len(unknown) > 0 {
		t.Fatalf("Load: %v %v", err, unknown)
	}
	if loaded.Mixnet.Announce != "127.0.0.1:1789" || loaded.HTTP.Listen != "127.0.0.1:8000" ||
		loaded.Mixnode.Layer != 2 || loaded.Location != "Lisbon" || *loaded.Mixnode != *cfg.Mixnode {
		t.Fatalf("config = %+v", loaded)
	}
	for name, want := range map[string]os.FileMode{
		IdentityKeyFile: 0o600, SphinxKeyFile: 0o600, IdentityPublicKeyFile: 0o644, SphinxPublicKeyFile: 0o644,
	} {
		fi, err := os.Stat(dir.Keys(name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", name, fi.Mode().Perm(), want)
		}
	}
	if fi, _ := os.Stat(filepath.Dir(dir.Keys("x"))); fi.Mode().Perm() != 0o700 {
		t.Errorf("keys/ has mode %o, want 700", fi.Mode().Perm())
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), keys.IdentityPublic()) || !strings.Contains(out.String(), keys.SphinxPublic()) {
		t.Fatalf("init output lacks the keys:\n%s", out.String())
	}
	var kout bytes.Buffer
	if err := Keys(KeysOptions{Home: root, ID: "mix1", Stdout: &kout}); err != nil {
		t.Fatal(err)
	}
	want := "identity key (ed25519): " + keys.IdentityPublic() + "\nsphinx key (x25519):    " + keys.SphinxPublic() + "\n"
	if kout.String() != want {
		t.Fatalf("Keys printed %q, want %q", kout.String(), want)
	}
	if err := CheckConfig(RunOptions{Home: root, ID: "mix1"}); err != nil {
		t.Fatal(err)
	}
}

func TestInitRefusesExistingAndForceKeepsKeys(t *testing.T) {
	root := t.TempDir()
	if _, err := Init(initOpts(root)); err != nil {
		t.Fatal(err)
	}
	dir, _ := home.For(root, home.Node, "mix1")
	id, sx := readFile(t, dir.Keys(IdentityKeyFile)), readFile(t, dir.Keys(SphinxKeyFile))
	o := initOpts(root)
	o.MixPort = 2000
	if _, err := Init(o); !errors.Is(err, ErrExists) {
		t.Fatalf("second init: %v, want ErrExists", err)
	}
	o.Force = true
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	if readFile(t, dir.Keys(IdentityKeyFile)) != id || readFile(t, dir.Keys(SphinxKeyFile)) != sx {
		t.Fatal("--force replaced the keys")
	}
	if !strings.Contains(readFile(t, dir.Config()), "127.0.0.1:2000") {
		t.Fatal("--force did not rewrite the config")
	}
	// A lost .pub is rebuilt from its private key, which stays.
	os.Remove(dir.Keys(SphinxPublicKeyFile))
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeys(dir); err != nil || readFile(t, dir.Keys(SphinxKeyFile)) != sx {
		t.Fatalf("after rebuilding the .pub: %v", err)
	}
}

func TestInitRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*InitOptions)
		want string
	}{
		{"gateway without clients host", func(o *InitOptions) { o.Mode, o.Layer = ModeEntryGateway, 0 }, "--clients-host"},
		{"gateway with a layer", func(o *InitOptions) { o.Mode, o.ClientsHost = ModeEntryGateway, "127.0.0.1" }, "--layer"},
		{"gateway mix host", func(o *InitOptions) {
			o.Mode, o.Layer, o.ClientsHost, o.MixHost = ModeExitGateway, 0, "gw.example", "gw.example"
		}, "--mix-host"},
		{"mode", func(o *InitOptions) { o.Mode = "router" }, "not one of"},
		{"host", func(o *InitOptions) { o.Host = "example.com" }, "must be an IP"},
		{"id", func(o *InitOptions) { o.ID = "../x" }, "invalid id"},
		{"port", func(o *InitOptions) { o.MixPort = 0 }, "--mix-port"},
		{"layer", func(o *InitOptions) { o.Layer = 4 }, "mixnode.layer"},
		{"directory", func(o *InitOptions) { o.Directory = "ftp://x" }, "directory.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := initOpts(t.TempDir())
			tt.edit(&o)
			if _, err := Init(o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Init: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestRandomLayer(t *testing.T) {
	// 255 is in the biased tail and is skipped; 4 % 3 = 1 → layer 2.
	o := initOpts(t.TempDir())
	o.Layer = 0
	o.Rand = &prefixReader{prefix: []byte{255, 4}}
	cfg, err := Init(o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mixnode.Layer != 2 {
		t.Fatalf("layer %d, want 2", cfg.Mixnode.Layer)
	}
	seen := map[int]bool{}
	for b := range 255 {
		l, err := randomLayer(bytes.NewReader([]byte{byte(b)}))
		if err != nil || l < 1 || l > DefaultLayers {
			t.Fatalf("randomLayer(%d) = %d, %v", b, l, err)
		}
		seen[l] = true
	}
	if len(seen) != DefaultLayers {
		t.Fatalf("layers seen: %v", seen)
	}
}

func TestCheckConfigStrict(t *testing.T) {
	root := t.TempDir()
	if _, err := Init(initOpts(root)); err != nil {
		t.Fatal(err)
	}
	dir, _ := home.For(root, home.Node, "mix1")
	f, err := os.OpenFile(dir.Config(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n[extra]\nfoo = 1\n")
	f.Close()
	if err := CheckConfig(RunOptions{Home: root, ID: "mix1"}); err == nil || !strings.Contains(err.Error(), "extra.foo") {
		t.Fatalf("CheckConfig: %v, want the unknown key named", err)
	}
	os.Chmod(dir.Keys(IdentityKeyFile), 0o644)
	f2, _ := os.Create(dir.Config())
	f2.Close()
	if err := CheckConfig(RunOptions{Home: root, ID: "mix1"}); err == nil {
		t.Fatal("CheckConfig accepted an empty config")
	}
}

// prefixReader returns prefix, then a fixed byte pattern.
type prefixReader struct {
	prefix []byte
	n      int
}

func (r *prefixReader) Read(p []byte) (int, error) {
	for i := range p {
		if r.n < len(r.prefix) {
			p[i] = r.prefix[r.n]
		} else {
			p[i] = byte(r.n)
		}
		r.n++
	}
	return len(p), nil
}

func TestInitGatewayConfigOnly(t *testing.T) {
	root := t.TempDir()
	o := initOpts(root)
	o.ID, o.Mode, o.Layer = "gw1", ModeEntryGateway, 0
	o.Host, o.MixHost, o.ClientsHost, o.ClientsPort = "", "10.0.0.5", "gw.example.org", DefaultClientsPort
	cfg, err := Init(o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mixnode != nil || cfg.Gateway == nil || cfg.Gateway.ClientsAnnounce != "ws://gw.example.org:9000" ||
		cfg.Gateway.ClientsListen != "gw.example.org:9000" || cfg.Mixnet.Announce != "10.0.0.5:1789" {
		t.Fatalf("gateway config = %+v %+v %+v", cfg, cfg.Gateway, cfg.Mixnet)
	}
	if err := CheckConfig(RunOptions{Home: root, ID: "gw1"}); err != nil {
		t.Fatal(err)
	}
}
