// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/nym-go/nym/internal/atomicfile"
)

// InfoFile is the name of the file, in Config.Dir, that describes a ready
// network. It is written atomically once the network is ready and never
// before.
const InfoFile = "localnet.json"

// Info describes a ready network. It is what localnet.json holds and what
// Deps.Ready receives.
type Info struct {
	// Dir is the network's directory (its NYM_HOME).
	Dir string `json:"dir"`
	// Directory is the directory's base URL, e.g. http://127.0.0.1:41234.
	Directory string `json:"directory"`
	// Dashboard is the dashboard's URL: Directory + "/".
	Dashboard string `json:"dashboard"`
	// Exec says whether nodes and clients run as their own processes.
	Exec bool `json:"exec"`
	// ReadyMillis is the time from Run's start to readiness.
	ReadyMillis int64 `json:"readyMillis"`
	// Nodes lists the mix nodes by layer, then the gateways.
	Nodes []NodeInfo `json:"nodes"`
	// Clients lists the native clients.
	Clients []ClientInfo `json:"clients"`
	// Monitor is the network monitor; absent with Config.NoMonitor.
	Monitor *MonitorInfo `json:"monitor,omitempty"`
	// SOCKS5 is the SOCKS5 proxy (nym-socks5-client) whose provider is the
	// exit; absent with Config.NoSOCKS5.
	SOCKS5 *SOCKS5Info `json:"socks5,omitempty"`
}

// NodeInfo describes one node.
type NodeInfo struct {
	// ID is the node's id under nym-nodes/ (nym-node run --id ID).
	ID string `json:"id"`
	// Role is the node's mode: mixnode, entry-gateway or exit-gateway
	// (gateway-1, whose network requester serves the SOCKS5 proxy).
	Role string `json:"role"`
	// Layer is a mix node's layer, 1..3; 0 for a gateway.
	Layer int `json:"layer"`
	// MixnetAddress is where the node receives packets (ip:port).
	MixnetAddress string `json:"mixnetAddress"`
	// HTTPAddress is the node's HTTP API (ip:port).
	HTTPAddress string `json:"httpAddress"`
	// ClientsURL is a gateway's client websocket URL.
	ClientsURL string `json:"clientsURL,omitempty"`
	// Identity is the base58 Ed25519 identity key.
	Identity string `json:"identity"`
	// SphinxKey is the base58 X25519 Sphinx key.
	SphinxKey string `json:"sphinxKey"`
	// Provider is an exit gateway's network requester address
	// (nym-socks5-client --provider).
	Provider string `json:"provider,omitempty"`
}

// ClientInfo describes one native client.
type ClientInfo struct {
	// ID is the client's id under clients/ (nym-client run --id ID).
	ID string `json:"id"`
	// Address is the client's mixnet address (identity.encryption@gateway).
	Address string `json:"address"`
	// APIPort is the port of its websocket API on 127.0.0.1.
	APIPort int `json:"apiPort"`
	// Gateway is the id of the gateway it registered at.
	Gateway string `json:"gateway"`
}

// APIURL returns the client's websocket API URL.
func (c ClientInfo) APIURL() string { return "ws://" + Host + ":" + strconv.Itoa(c.APIPort) }

// ReadInfo reads the localnet.json in dir.
func ReadInfo(dir string) (*Info, error) {
	raw, err := os.ReadFile(filepath.Join(dir, InfoFile))
	if err != nil {
		return nil, err
	}
	var info Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", InfoFile, err)
	}
	return &info, nil
}

// writeInfo writes info as dir/localnet.json with atomicfile: a reader
// never sees half a file.
func writeInfo(dir string, info *Info) error {
	raw, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, InfoFile), append(raw, '\n'), 0o644)
}

// printTable writes the human-readable summary of a ready network.
func printTable(w io.Writer, info *Info) {
	mode := "in-process"
	if info.Exec {
		mode = "one process each"
	}
	fmt.Fprintf(w, "nym-localnet ready in %d ms (%s), files in %s\n\n", info.ReadyMillis, mode, info.Dir)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tLAYER\tMIXNET\tHTTP\tCLIENTS WEBSOCKET\tIDENTITY")
	for _, n := range info.Nodes {
		layer, clients := strconv.Itoa(n.Layer), n.ClientsURL
		if n.Layer == 0 {
			layer = "-"
		}
		if clients == "" {
			clients = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Role, layer, n.MixnetAddress, n.HTTPAddress, clients, n.Identity)
	}
	tw.Flush()
	if len(info.Clients) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT\tAPI\tGATEWAY\tADDRESS")
		for _, c := range info.Clients {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.APIURL(), c.Gateway, c.Address)
		}
		tw.Flush()
	}
	for _, n := range info.Nodes {
		if n.Provider != "" {
			fmt.Fprintf(w, "\nexit %s network requester: %s\n", n.ID, n.Provider)
		}
	}
	if s := info.SOCKS5; s != nil {
		fmt.Fprintf(w, "socks5: %s (curl --socks5-hostname %s URL)\n", s.Addr(), s.Addr())
	}
	if m := info.Monitor; m != nil {
		fmt.Fprintf(w, "\nmonitor: identity %s, every %v (in-process; history %s)\n",
			m.Identity, time.Duration(m.IntervalMillis)*time.Millisecond, m.HistoryFile)
	}
	fmt.Fprintf(w, "\ndirectory: %s\ndashboard: %s\n%s: %s\n", info.Directory, info.Dashboard, InfoFile, filepath.Join(info.Dir, InfoFile))
}
