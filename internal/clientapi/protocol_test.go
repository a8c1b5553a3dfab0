// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/sphinx"
)

func testAddress(seed byte) address.Address {
	var a address.Address
	for i := range address.KeySize {
		a.Identity[i] = seed + byte(i)
		a.Encryption[i] = seed + 2*byte(i)
		a.Gateway[i] = seed ^ byte(i)
	}
	return a
}

func testSURB(t testing.TB) []byte {
	t.Helper()
	hop, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1789"))
	if err != nil {
		t.Fatal(err)
	}
	s := sphinx.SURB{Size: sphinx.Regular, FirstHop: hop}
	for i := range s.Header {
		s.Header[i] = byte(i)
	}
	s.Key[0] = 7
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBinaryRequestRoundTrip(t *testing.T) {
	to := testAddress(3)
	for _, with := range []bool{false, true} {
		r, e := decodeBinaryRequest(encodeSendRequest(to, []byte("hello"), with))
		if e != nil {
			t.Fatal(e)
		}
		if r.kind != TagSend || r.recipient != to || r.withSURB != with || string(r.message) != "hello" {
			t.Fatalf("send decoded as %+v", r)
		}
	}
	surb := testSURB(t)
	r, e := decodeBinaryRequest(encodeReplyRequest(surb, []byte{}))
	if e != nil {
		t.Fatal(e)
	}
	got, _ := r.surb.MarshalBinary()
	if r.kind != TagReply || !bytes.Equal(got, surb) || len(r.message) != 0 {
		t.Fatalf("reply decoded as %+v", r)
	}
	r, e = decodeBinaryRequest([]byte{TagSelfAddress})
	if e != nil || r.kind != TagSelfAddress {
		t.Fatalf("selfAddress: %+v %v", r, e)
	}
}

func TestBinaryRequestErrors(t *testing.T) {
	to := testAddress(1)
	send := encodeSendRequest(to, []byte("abc"), false)
	surb := testSURB(t)
	reply := encodeReplyRequest(surb, []byte("abc"))
	badSURB := append([]byte(nil), surb...)
	badSURB[0] = 0xEE // invalid size type
	long := func(b []byte, n uint64, at int) []byte {
		b = append([]byte(nil), b...)
		binary.BigEndian.PutUint64(b[at:], n)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		code byte
	}{
		{"empty", nil, CodeEmptyRequest},
		{"unknown tag", []byte{0x07, 1, 2}, CodeUnknownRequest},
		{"send header short", send[:50], CodeTooShortRequest},
		{"send no length", send[:2+AddressSize+4], CodeTooShortRequest},
		{"send flag 2", append([]byte{TagSend, 2}, send[2:]...), CodeMalformedRequest},
		{"send length too long", long(send, 4, 2+AddressSize), CodeMalformedRequest},
		{"send length too short", long(send, 2, 2+AddressSize), CodeMalformedRequest},
		{"send length huge", long(send, 1<<63, 2+AddressSize), CodeMalformedRequest},
		{"send trailing", append(append([]byte(nil), send...), 0), CodeMalformedRequest},
		{"reply short", []byte{TagReply, 0, 0}, CodeTooShortRequest},
		{"reply surb_len huge", long(reply, 1<<64-1, 1), CodeMalformedRequest},
		{"reply surb_len wrong", long(reply, uint64(len(surb)-1), 1), CodeMalformedRequest},
		{"reply bad surb", encodeReplyRequest(badSURB, []byte("x")), CodeMalformedRequest},
		{"reply no message length", reply[:1+8+len(surb)+3], CodeTooShortRequest},
		{"reply message length wrong", long(reply, 9, 1+8+len(surb)), CodeMalformedRequest},
		{"selfAddress trailing", []byte{TagSelfAddress, 0}, CodeMalformedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := decodeBinaryRequest(tt.in)
			if e == nil {
				t.Fatal("no error")
			}
			if e.Code != tt.code {
				t.Fatalf("code 0x%02x (%s), want 0x%02x", e.Code, e.Message, tt.code)
			}
		})
	}
}

func TestJSONRequests(t *testing.T) {
	to := testAddress(9)
	surb := testSURB(t)
	r, e := decodeJSONRequest([]byte(`{"type":"send","message":"hi ✓","recipient":"` + to.String() + `","withReplySurb":true}`))
	if e != nil || r.kind != TagSend || r.recipient != to || !r.withSURB || string(r.message) != "hi ✓" {
		t.Fatalf("send: %+v %v", r, e)
	}
	r, e = decodeJSONRequest([]byte(`{"type":"reply","message":"x","replySurb":"` + base58.Encode(surb) + `"}`))
	if e != nil || r.kind != TagReply || string(r.message) != "x" {
		t.Fatalf("reply: %+v %v", r, e)
	}
	if got, _ := r.surb.MarshalBinary(); !bytes.Equal(got, surb) {
		t.Fatal("reply SURB differs")
	}
	r, e = decodeJSONRequest([]byte(`{"type":"selfAddress"}`))
	if e != nil || r.kind != TagSelfAddress {
		t.Fatalf("selfAddress: %+v %v", r, e)
	}

	bad := []struct {
		name, in string
		code     byte
	}{
		{"empty", ``, CodeEmptyRequest},
		{"not json", `{"type":`, CodeMalformedRequest},
		{"array", `[1,2]`, CodeMalformedRequest},
		{"no type", `{"message":"x"}`, CodeMalformedRequest},
		{"unknown type", `{"type":"fly"}`, CodeUnknownRequest},
		{"send no recipient", `{"type":"send","message":"x"}`, CodeMalformedRequest},
		{"send no message", `{"type":"send","recipient":"` + to.String() + `"}`, CodeMalformedRequest},
		{"send bad recipient", `{"type":"send","message":"x","recipient":"abc@def"}`, CodeMalformedRequest},
		{"send withReplySurb not bool", `{"type":"send","message":"x","recipient":"` + to.String() + `","withReplySurb":"yes"}`, CodeMalformedRequest},
		{"reply no surb", `{"type":"reply","message":"x"}`, CodeMalformedRequest},
		{"reply surb not base58", `{"type":"reply","message":"x","replySurb":"0OIl"}`, CodeMalformedRequest},
		{"reply surb wrong size", `{"type":"reply","message":"x","replySurb":"` + base58.Encode(surb[1:]) + `"}`, CodeMalformedRequest},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, e := decodeJSONRequest([]byte(tt.in))
			if e == nil {
				t.Fatal("no error")
			}
			if e.Code != tt.code {
				t.Fatalf("code 0x%02x (%s), want 0x%02x", e.Code, e.Message, tt.code)
			}
		})
	}
}

func TestResponsesRoundTrip(t *testing.T) {
	surb := testSURB(t)
	self := testAddress(5)
	jsonErr, err := encodeErrorJSON(&ServerError{Code: CodeTooShortRequest, Message: "short"})
	if err != nil {
		t.Fatal(err)
	}
	jsonSelf, err := encodeSelfAddressJSON(self)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		json bool
		want response
	}{
		{"binary error", encodeErrorBinary(&ServerError{Code: CodeTooShortRequest, Message: "short"}), false,
			response{kind: TagError, err: &ServerError{Code: CodeTooShortRequest, Message: "short"}}},
		{"json error", jsonErr, true,
			response{kind: TagError, err: &ServerError{Code: CodeOther, Message: "short"}}},
		{"binary received", encodeReceivedBinary([]byte{0xff, 0}, surb), false,
			response{kind: TagReceived, message: []byte{0xff, 0}, surb: surb}},
		{"binary received no surb", encodeReceivedBinary([]byte("m"), nil), false,
			response{kind: TagReceived, message: []byte("m")}},
		{"binary selfAddress", encodeSelfAddressBinary(self), false, response{kind: TagSelfAddrRes, address: self.String()}},
		{"json selfAddress", jsonSelf, true, response{kind: TagSelfAddrRes, address: self.String()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got response
			var err error
			if tc.json {
				got, err = decodeJSONResponse(tc.b)
			} else {
				got, err = decodeBinaryResponse(tc.b)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.kind != tc.want.kind || !bytes.Equal(got.message, tc.want.message) || !bytes.Equal(got.surb, tc.want.surb) ||
				got.address != tc.want.address || (got.err == nil) != (tc.want.err == nil) ||
				(got.err != nil && *got.err != *tc.want.err) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	text, ok, err := encodeReceivedJSON([]byte("héllo"), surb)
	if !ok || err != nil {
		t.Fatalf("valid UTF-8 refused: %v", err)
	}
	r, err := decodeJSONResponse(text)
	if err != nil || string(r.message) != "héllo" || !bytes.Equal(r.surb, surb) {
		t.Fatalf("json received: %+v %v", r, err)
	}
	if !strings.Contains(string(text), `"replySurb":"`+base58.Encode(surb)+`"`) {
		t.Fatalf("json received lacks the base58 SURB: %s", text)
	}
	if _, ok, err := encodeReceivedJSON([]byte{0xff}, nil); ok || err != nil {
		t.Fatalf("invalid UTF-8 encoded as JSON (ok %v, err %v)", ok, err)
	}
	if b, _, _ := encodeReceivedJSON([]byte("x"), nil); strings.Contains(string(b), "replySurb") {
		t.Fatalf("replySurb present without a SURB: %s", b)
	}
}

func FuzzDecodeBinaryRequest(f *testing.F) {
	surb := testSURB(f)
	f.Add([]byte{})
	f.Add([]byte{TagSelfAddress})
	f.Add(encodeSendRequest(testAddress(1), []byte("hello"), true))
	f.Add(encodeReplyRequest(surb, []byte("hi")))
	f.Add([]byte{TagReply, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, e := decodeBinaryRequest(b)
		if e != nil {
			if e.Code == 0 || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		// A request that decodes re-encodes to the same bytes.
		var again []byte
		switch r.kind {
		case TagSend:
			again = encodeSendRequest(r.recipient, r.message, r.withSURB)
		case TagReply:
			s, _ := r.surb.MarshalBinary()
			again = encodeReplyRequest(s, r.message)
		case TagSelfAddress:
			again = []byte{TagSelfAddress}
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, input %x", again, b)
		}
	})
}

func FuzzDecodeJSONRequest(f *testing.F) {
	f.Add([]byte(`{"type":"selfAddress"}`))
	f.Add([]byte(`{"type":"send","message":"x","recipient":"` + testAddress(2).String() + `","withReplySurb":false}`))
	f.Add([]byte(`{"type":"reply","message":"x","replySurb":"` + base58.Encode(testSURB(f)) + `"}`))
	f.Add([]byte(`{"type":"send","message":null}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, e := decodeJSONRequest(b)
		if e != nil {
			if e.Code == 0 || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		if r.kind == TagReply && r.surb == nil {
			t.Fatal("reply without SURB")
		}
	})
}

func FuzzDecodeBinaryResponse(f *testing.F) {
	f.Add(encodeReceivedBinary([]byte("m"), testSURB(f)))
	f.Add(encodeErrorBinary(&ServerError{Code: 1, Message: "x"}))
	f.Add(encodeSelfAddressBinary(testAddress(4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeBinaryResponse(b)
	})
}

func TestEncodeJSONErrorsDoNotPanic(t *testing.T) {
	if _, err := encodeJSON(make(chan int)); err == nil || !strings.Contains(err.Error(), "chan int") {
		t.Fatalf("encodeJSON of a channel: %v, want an error naming the type", err)
	}
	FailJSONEncoding(t)
	if b, err := encodeErrorJSON(&ServerError{Code: CodeOther, Message: "m"}); err == nil || b != nil {
		t.Fatalf("encodeErrorJSON: %q %v, want an error", b, err)
	}
	if b, err := encodeSelfAddressJSON(testAddress(1)); err == nil || b != nil {
		t.Fatalf("encodeSelfAddressJSON: %q %v, want an error", b, err)
	}
	if b, ok, err := encodeReceivedJSON([]byte("m"), nil); err == nil || ok || b != nil {
		t.Fatalf("encodeReceivedJSON: %q %v %v, want an error and ok false", b, ok, err)
	}
}
