// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoc

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/nym-go/nym/internal/negotiate"
)

// An asset is one file served with an ETag and, where worth it, gzip.
//
// It is embedded either plain or gzipped; the other form is made on first
// use and kept. A plain asset with compress set is gzipped on first use; a
// gzipped one is decompressed on first use by a client that does not accept
// gzip (such clients are rare, so big files cost their compressed size in
// the binary and, usually, in memory).
type asset struct {
	name        string
	contentType string
	etag        string
	compress    bool // serve gzip to clients that accept it

	once  sync.Once
	plain []byte
	gz    []byte
	err   error
}

// newAsset makes an asset from its plain bytes or, if plain is nil, from
// its gzipped bytes. Compress says whether to send gzip to clients that
// accept it; it is implied by gzipped bytes.
func newAsset(name, contentType string, plain, gz []byte, compress bool) *asset {
	src := plain
	if src == nil {
		src = gz
	}
	sum := sha256.Sum256(src)
	return &asset{
		name:        name,
		contentType: contentType,
		// Weak: the gzipped and plain bodies are the same resource.
		etag:     `W/"` + hex.EncodeToString(sum[:12]) + `"`,
		compress: compress || gz != nil,
		plain:    plain,
		gz:       gz,
	}
}

// forms returns the plain and gzipped bodies, making whichever is missing.
func (a *asset) forms() (plain, gz []byte, err error) {
	a.once.Do(func() {
		switch {
		case a.plain == nil:
			zr, err := gzip.NewReader(bytes.NewReader(a.gz))
			if err != nil {
				a.err = err
				return
			}
			a.plain, a.err = io.ReadAll(zr)
		case a.gz == nil && a.compress:
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(a.plain)
			zw.Close()
			a.gz = b.Bytes()
		}
	})
	return a.plain, a.gz, a.err
}

// serve writes the asset for a GET or HEAD request.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	plain, gz, err := a.forms()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "corrupt embedded file "+a.name)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if a.compress {
		h.Add("Vary", "Accept-Encoding")
	}
	if negotiate.ETagMatch(r.Header.Values("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := plain
	if a.compress && negotiate.AcceptsGzip(r.Header.Values("Accept-Encoding")) {
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
