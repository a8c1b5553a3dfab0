// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"path/filepath"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/keyfile"
	"github.com/nym-go/nym/internal/nativeclient"
)

// Files of a monitor's directory ($NYM_HOME/network-monitor/<id>/).
const (
	// Role is the monitor's directory under $NYM_HOME.
	Role = "network-monitor"
	// IdentityKeyFile holds the Ed25519 seed that signs reports.
	IdentityKeyFile = "identity.key"
	// ClientSeedFile holds the seed of the per-gateway client identities.
	ClientSeedFile = "client_seed.key"
	// HistoryFileName is the run history in data/.
	HistoryFileName = "history.json"
	// GatewayKeysDir holds the keys shared with each gateway, in data/.
	GatewayKeysDir = "gateway_keys"
)

// Files locates a monitor's files under its directory.
type Files struct{ Dir string }

// Config returns the config file's path.
func (f Files) Config() string { return filepath.Join(f.Dir, "config", "config.toml") }

// Key returns the path of a key file.
func (f Files) Key(name string) string { return filepath.Join(f.Dir, "keys", name) }

// Data returns the path of a data file.
func (f Files) Data(name string) string { return filepath.Join(f.Dir, "data", name) }

// ErrExists means Init found an existing monitor and was not forced.
var ErrExists = errors.New("monitor: already initialised (use --force to rewrite its config; keys are kept)")

// Init writes a new monitor's keys and config under f. With force it
// rewrites the config of an existing monitor; existing keys are always
// kept. It returns the identity's public key.
func Init(f Files, cfg Config, force bool, rand io.Reader) (ed25519.PublicKey, error) {
	if _, err := keyfile.Read(f.Key(IdentityKeyFile), ed25519.SeedSize, keyfile.Private); err == nil && !force {
		return nil, ErrExists
	}
	for _, name := range []string{IdentityKeyFile, ClientSeedFile} {
		seed := make([]byte, 32)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, err
		}
		if err := keyfile.Write(f.Key(name), seed, keyfile.Private, false); err != nil && !errors.Is(err, keyfile.ErrExists) {
			return nil, err
		}
	}
	if cfg.HistoryFile == "" {
		cfg.HistoryFile = f.Data(HistoryFileName)
	}
	cfg, err := cfg.WithDefaults() // the file shows every value
	if err != nil {
		return nil, err
	}
	if err := WriteConfig(f.Config(), cfg); err != nil {
		return nil, err
	}
	id, _, err := LoadKeys(f)
	if err != nil {
		return nil, err
	}
	return id.Public().(ed25519.PublicKey), nil
}

// LoadKeys reads the identity and the client seed.
func LoadKeys(f Files) (ed25519.PrivateKey, []byte, error) {
	seed, err := keyfile.Read(f.Key(IdentityKeyFile), ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, nil, err
	}
	cs, err := keyfile.Read(f.Key(ClientSeedFile), 32, keyfile.Private)
	if err != nil {
		return nil, nil, err
	}
	return ed25519.NewKeyFromSeed(seed), cs, nil
}

// GatewayKeys returns the file store of keys shared with gateways.
func (f Files) GatewayKeys() *nativeclient.GatewayKeys {
	return nativeclient.NewGatewayKeys(f.Data(GatewayKeysDir))
}

// HTTPDirectory is the Directory at a base URL.
type HTTPDirectory struct {
	dc *dirclient.Client
}

// NewHTTPDirectory returns the directory at baseURL; nil hc means
// dirclient's default client.
func NewHTTPDirectory(baseURL string, hc *http.Client) (*HTTPDirectory, error) {
	dc, err := dirclient.New(baseURL, hc)
	if err != nil {
		return nil, err
	}
	return &HTTPDirectory{dc: dc}, nil
}

// Topology implements Directory.
func (d *HTTPDirectory) Topology(ctx context.Context) (*dirapi.Topology, error) {
	return d.dc.Topology(ctx)
}

// PostReliability implements Directory.
func (d *HTTPDirectory) PostReliability(ctx context.Context, r *dirapi.ReliabilityReport) error {
	return d.dc.PostReliability(ctx, r)
}
