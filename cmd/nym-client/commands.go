// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"unicode/utf8"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/nativeclient"
)

func cmdInit(ctx context.Context, args []string, s cli.Stdio) int {
	fs := newFlags("init", "", "Creates a client under $NYM_HOME/clients/<id>/: keys/ (Ed25519 identity, X25519 encryption and\n"+
		"ack keys; private keys 0600 in a 0700 directory), registers with a gateway (the shared key goes to\n"+
		"data/gateway_keys/), caches the topology in data/topology.json, writes config/config.toml and\n"+
		"prints the client's address identity.encryption@gateway. An existing id is refused unless --force,\n"+
		"which registers again and rewrites the config but keeps the existing keys.")
	var o nativeclient.InitOptions
	nativeclient.InitFlags(fs, &o, "client id: the directory name under $NYM_HOME/clients/ (required)")
	fs.IntVar(&o.APIPort, "port", nativeclient.DefaultAPIPort, "port of the local websocket API on 127.0.0.1; 0 picks a free port at each run")
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" {
		return usageError(s, "init", "--id is required")
	}
	o.Stdout = s.Out
	if _, _, err := nativeclient.Init(ctx, o); err != nil {
		return failed(s, "init", err)
	}
	return 0
}

// runCommand is "nym-client run".
var runCommand = nativeclient.RunCommand{
	Name: "nym-client run",
	About: "Runs the client initialised with --id until SIGINT or SIGTERM, then stops within 5 s.\n" +
		"It connects to its gateway, sends real and cover traffic, and serves the local websocket API\n" +
		"applications use (docs/protocol/client-api.md). It prints its address and the API's URL.",
	PortHelp:    "port of the local API on 127.0.0.1 (default: api.listen in the config, 1977 after init)",
	MetricsHelp: "host:port to serve Prometheus metrics at /metrics, e.g. 127.0.0.1:9101 (default: api.metrics_listen in the config; empty = off)",
	What:        "client",
	Check:       nativeclient.CheckConfig,
	Run:         nativeclient.Run,
}

func cmdRun(ctx context.Context, args []string, s cli.Stdio) int {
	return runCommand.Main(ctx, args, s)
}

// apiFlags adds --host, --port and --max-message and returns the API URL
// they make and the message limit.
func apiFlags(fs *flag.FlagSet) (url func() string, maxMessage *int) {
	host := fs.String("host", "127.0.0.1", "host of the running client's local API")
	port := fs.Int("port", nativeclient.DefaultAPIPort, "port of the running client's local API")
	maxMessage = fs.Int("max-message", clientapi.DefaultMaxMessage, "largest message in bytes, as the client's traffic.max_message (at most 1 GiB)")
	return func() string { return "ws://" + net.JoinHostPort(*host, strconv.Itoa(*port)) }, maxMessage
}

// checkMaxMessage checks --max-message.
func checkMaxMessage(n int) error {
	if n < 1 || n > nativeclient.MaxMaxMessage {
		return fmt.Errorf("--max-message %d is outside 1..%d", n, nativeclient.MaxMaxMessage)
	}
	return nil
}

func cmdSend(ctx context.Context, args []string, s cli.Stdio) int {
	fs := newFlags("send", " [MESSAGE | -]", "Sends MESSAGE (or standard input, with - or no MESSAGE) to --to through the local API of a\n"+
		"running client. It exits once the client has queued the message, with status 1 and the client's\n"+
		"error if it refused it (a bad address, a message too large, no usable topology). Its connection\n"+
		"is send-only (?receive=false): messages the client receives meanwhile stay for its listeners.")
	url, maxMessage := apiFlags(fs)
	var to string
	var withSURB bool
	fs.StringVar(&to, "to", "", "recipient address identity.encryption@gateway (required)")
	fs.BoolVar(&withSURB, "reply-surb", false, "attach a reply SURB so that the recipient can answer anonymously")
	if code, ok := cli.Parse(fs, args, 1, s); !ok {
		return code
	}
	if to == "" {
		return usageError(s, "send", "--to is required")
	}
	if err := checkMaxMessage(*maxMessage); err != nil {
		return usageError(s, "send", err.Error())
	}
	var msg []byte
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		msg = []byte(fs.Arg(0))
	} else {
		b, err := io.ReadAll(io.LimitReader(s.In, int64(*maxMessage)+1))
		if err != nil {
			return failed(s, "send", fmt.Errorf("read standard input: %w", err))
		}
		if len(b) > *maxMessage {
			return failed(s, "send", fmt.Errorf("standard input is larger than %d bytes (--max-message)", *maxMessage))
		}
		msg = b
	}
	// Send-only: the client's received messages stay for its listeners.
	c, err := clientapi.DialWith(ctx, url(), clientapi.DialOptions{MaxMessage: *maxMessage, SendOnly: true})
	if err != nil {
		return failed(s, "send", err)
	}
	defer c.Close()
	if err := c.Send(ctx, to, msg, withSURB); err != nil {
		return failed(s, "send", err)
	}
	fmt.Fprintf(s.Err, "queued %d bytes for %s\n", len(msg), to)
	return 0
}

// listenLine is one line listen prints.
type listenLine struct {
	Message       *string `json:"message,omitempty"`
	MessageBase64 string  `json:"messageBase64,omitempty"`
	ReplySURB     string  `json:"replySurb,omitempty"`
}

func cmdListen(ctx context.Context, args []string, s cli.Stdio) int {
	fs := newFlags("listen", "", "Prints each message the running client receives as one JSON line until SIGINT:\n"+
		`{"message": text} when the message is valid UTF-8, else {"messageBase64": ...}, plus`+"\n"+
		`"replySurb": base58 when the sender attached a reply SURB. Failure reports of sent messages`+"\n"+
		"go to standard error. It exits 1 if the client goes away.")
	url, maxMessage := apiFlags(fs)
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if err := checkMaxMessage(*maxMessage); err != nil {
		return usageError(s, "listen", err.Error())
	}
	c, err := clientapi.DialWith(ctx, url(), clientapi.DialOptions{MaxMessage: *maxMessage})
	if err != nil {
		return failed(s, "listen", err)
	}
	defer c.Close()
	enc := json.NewEncoder(s.Out)
	for {
		m, err := c.Receive(ctx)
		var se *clientapi.ServerError
		switch {
		case ctx.Err() != nil:
			return 0
		case errors.As(err, &se):
			fmt.Fprintf(s.Err, "nym-client listen: %v\n", se)
			continue
		case err != nil:
			return failed(s, "listen", err)
		}
		var line listenLine
		if utf8.Valid(m.Message) {
			text := string(m.Message)
			line.Message = &text
		} else {
			line.MessageBase64 = base64.StdEncoding.EncodeToString(m.Message)
		}
		if m.ReplySURB != nil {
			line.ReplySURB = base58.Encode(m.ReplySURB)
		}
		if err := enc.Encode(line); err != nil {
			return failed(s, "listen", err)
		}
	}
}

func cmdAddress(_ context.Context, args []string, s cli.Stdio) int {
	fs := newFlags("address", "", "Prints the address of the client initialised with --id, read from its files (it need not run).")
	var o nativeclient.AddressOptions
	fs.StringVar(&o.ID, "id", "", "client id (required)")
	nativeclient.HomeFlag(fs, &o.Home)
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" {
		return usageError(s, "address", "--id is required")
	}
	a, err := nativeclient.Address(o)
	if err != nil {
		return failed(s, "address", err)
	}
	fmt.Fprintln(s.Out, a)
	return 0
}
