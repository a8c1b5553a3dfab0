// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/sphinx"
)

// Binary request tags (first byte of a binary request frame).
const (
	TagSend        byte = 0x00
	TagReply       byte = 0x01
	TagSelfAddress byte = 0x02
)

// Binary response tags (first byte of a binary response frame).
const (
	TagError       byte = 0x00
	TagReceived    byte = 0x01
	TagSelfAddrRes byte = 0x02
)

// Error codes carried by binary error responses (PROTOCOL-FACTS §5.8, plus
// CodeMessageFailed, which nym-go adds).
const (
	CodeEmptyRequest      byte = 0x01
	CodeTooShortRequest   byte = 0x02
	CodeUnknownRequest    byte = 0x03
	CodeMalformedRequest  byte = 0x04
	CodeMessageFailed     byte = 0x05 // nym-go: a sent message failed after all retransmissions
	CodeEmptyResponse     byte = 0x80
	CodeTooShortResponse  byte = 0x81
	CodeUnknownResponse   byte = 0x82
	CodeMalformedResponse byte = 0x83
	CodeOther             byte = 0xFF
)

// AddressSize is the size of an address in binary frames: identity ‖
// encryption ‖ gateway.
const AddressSize = 3 * address.KeySize

// FrameOverhead is what framing may add to a message: a frame may be at most
// Config.MaxMessage + FrameOverhead bytes.
const FrameOverhead = 4096

// JSON request and response types.
const (
	typeSend        = "send"
	typeReply       = "reply"
	typeSelfAddress = "selfAddress"
	typeReceived    = "received"
	typeError       = "error"
)

// ServerError is an error response from the server: a request it refused,
// or (CodeMessageFailed) a message that failed after it was queued. Code is
// CodeOther for errors that arrive as JSON, which carries no code.
type ServerError struct {
	Code    byte
	Message string
}

// Error returns the message and the code.
func (e *ServerError) Error() string {
	return fmt.Sprintf("client api: %s (code 0x%02x)", e.Message, e.Code)
}

// request is one decoded request, in either form.
type request struct {
	kind      byte // TagSend, TagReply or TagSelfAddress
	recipient address.Address
	withSURB  bool
	surb      *sphinx.SURB
	message   []byte
}

// errReq builds the ServerError a malformed request is answered with.
func errReq(code byte, format string, args ...any) *ServerError {
	return &ServerError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// jsonRequest is a text request as it appears on the wire.
type jsonRequest struct {
	Type          string  `json:"type"`
	Message       *string `json:"message"`
	Recipient     *string `json:"recipient"`
	WithReplySurb *bool   `json:"withReplySurb"`
	ReplySurb     *string `json:"replySurb"`
}

// decodeJSONRequest decodes a text request. Its errors carry the code a
// binary response would.
func decodeJSONRequest(b []byte) (request, *ServerError) {
	if len(b) == 0 {
		return request{}, errReq(CodeEmptyRequest, "empty request")
	}
	var j jsonRequest
	if err := json.Unmarshal(b, &j); err != nil {
		return request{}, errReq(CodeMalformedRequest, "malformed request: %v", err)
	}
	switch j.Type {
	case typeSend:
		if j.Message == nil || j.Recipient == nil {
			return request{}, errReq(CodeMalformedRequest, "send needs message and recipient")
		}
		to, err := address.Parse(*j.Recipient)
		if err != nil {
			return request{}, errReq(CodeMalformedRequest, "bad recipient: %v", err)
		}
		r := request{kind: TagSend, recipient: to, message: []byte(*j.Message)}
		if j.WithReplySurb != nil {
			r.withSURB = *j.WithReplySurb
		}
		return r, nil
	case typeReply:
		if j.Message == nil || j.ReplySurb == nil {
			return request{}, errReq(CodeMalformedRequest, "reply needs message and replySurb")
		}
		raw, err := base58.Decode(*j.ReplySurb)
		if err != nil {
			return request{}, errReq(CodeMalformedRequest, "bad replySurb: %v", err)
		}
		surb, serr := parseSURB(raw)
		if serr != nil {
			return request{}, serr
		}
		return request{kind: TagReply, surb: surb, message: []byte(*j.Message)}, nil
	case typeSelfAddress:
		return request{kind: TagSelfAddress}, nil
	case "":
		return request{}, errReq(CodeMalformedRequest, "request has no type")
	default:
		return request{}, errReq(CodeUnknownRequest, "unknown request type %q", j.Type)
	}
}

func parseSURB(raw []byte) (*sphinx.SURB, *ServerError) {
	var s sphinx.SURB
	if err := s.UnmarshalBinary(raw); err != nil {
		return nil, errReq(CodeMalformedRequest, "bad reply SURB: %v", err)
	}
	return &s, nil
}

// decodeBinaryRequest decodes a binary request.
func decodeBinaryRequest(b []byte) (request, *ServerError) {
	if len(b) == 0 {
		return request{}, errReq(CodeEmptyRequest, "empty request")
	}
	tag, rest := b[0], b[1:]
	switch tag {
	case TagSend:
		if len(rest) < 1+AddressSize+8 {
			return request{}, errReq(CodeTooShortRequest, "send request is %d bytes, want at least %d", len(b), 2+AddressSize+8)
		}
		flag := rest[0]
		if flag > 1 {
			return request{}, errReq(CodeMalformedRequest, "with_surb flag is %d, want 0 or 1", flag)
		}
		to := addressFromBinary(rest[1 : 1+AddressSize])
		msg, err := lengthPrefixed(rest[1+AddressSize:], "message", true)
		if err != nil {
			return request{}, err
		}
		return request{kind: TagSend, recipient: to, withSURB: flag == 1, message: msg}, nil
	case TagReply:
		if len(rest) < 8 {
			return request{}, errReq(CodeTooShortRequest, "reply request is %d bytes, want at least 9", len(b))
		}
		n := binary.BigEndian.Uint64(rest)
		rest = rest[8:]
		if n > uint64(len(rest)) {
			return request{}, errReq(CodeMalformedRequest, "surb_len %d exceeds the %d bytes left", n, len(rest))
		}
		surb, serr := parseSURB(rest[:n])
		if serr != nil {
			return request{}, serr
		}
		rest = rest[n:]
		if len(rest) < 8 {
			return request{}, errReq(CodeTooShortRequest, "reply request has no message length")
		}
		msg, err := lengthPrefixed(rest, "message", true)
		if err != nil {
			return request{}, err
		}
		return request{kind: TagReply, surb: surb, message: msg}, nil
	case TagSelfAddress:
		if len(rest) != 0 {
			return request{}, errReq(CodeMalformedRequest, "selfAddress request has %d trailing bytes", len(rest))
		}
		return request{kind: TagSelfAddress}, nil
	default:
		return request{}, errReq(CodeUnknownRequest, "unknown request tag 0x%02x", tag)
	}
}

// lengthPrefixed reads len u64 ‖ data from b, which must hold exactly
// (whole) or at least that many bytes. The result aliases b.
func lengthPrefixed(b []byte, what string, whole bool) ([]byte, *ServerError) {
	if len(b) < 8 {
		return nil, errReq(CodeTooShortRequest, "%s length missing", what)
	}
	n := binary.BigEndian.Uint64(b)
	b = b[8:]
	if n > uint64(len(b)) || (whole && n != uint64(len(b))) {
		return nil, errReq(CodeMalformedRequest, "%s length %d does not match the %d bytes left", what, n, len(b))
	}
	return b[:n], nil
}

func addressFromBinary(b []byte) address.Address {
	var a address.Address
	copy(a.Identity[:], b[:address.KeySize])
	copy(a.Encryption[:], b[address.KeySize:2*address.KeySize])
	copy(a.Gateway[:], b[2*address.KeySize:3*address.KeySize])
	return a
}

func appendAddress(b []byte, a address.Address) []byte {
	b = append(b, a.Identity[:]...)
	b = append(b, a.Encryption[:]...)
	return append(b, a.Gateway[:]...)
}

// Binary request encoders (used by Conn).

func encodeSendRequest(to address.Address, msg []byte, withSURB bool) []byte {
	b := make([]byte, 0, 2+AddressSize+8+len(msg))
	b = append(b, TagSend, boolByte(withSURB))
	b = appendAddress(b, to)
	b = binary.BigEndian.AppendUint64(b, uint64(len(msg)))
	return append(b, msg...)
}

func encodeReplyRequest(surb, msg []byte) []byte {
	b := make([]byte, 0, 1+8+len(surb)+8+len(msg))
	b = append(b, TagReply)
	b = binary.BigEndian.AppendUint64(b, uint64(len(surb)))
	b = append(b, surb...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(msg)))
	return append(b, msg...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Response encoders (used by the server).

func encodeErrorBinary(e *ServerError) []byte {
	b := make([]byte, 0, 2+8+len(e.Message))
	b = append(b, TagError, e.Code)
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.Message)))
	return append(b, e.Message...)
}

func encodeErrorJSON(e *ServerError) ([]byte, error) {
	return encodeJSON(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}{typeError, e.Message})
}

func encodeReceivedBinary(msg, surb []byte) []byte {
	b := make([]byte, 0, 2+8+len(surb)+8+len(msg))
	b = append(b, TagReceived, boolByte(surb != nil))
	if surb != nil {
		b = binary.BigEndian.AppendUint64(b, uint64(len(surb)))
		b = append(b, surb...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(msg)))
	return append(b, msg...)
}

// encodeReceivedJSON returns the text form of a received message, or
// ok false if msg is not valid UTF-8 (then only the binary form carries it).
func encodeReceivedJSON(msg, surb []byte) (text []byte, ok bool, err error) {
	if !utf8.Valid(msg) {
		return nil, false, nil
	}
	r := struct {
		Type      string `json:"type"`
		Message   string `json:"message"`
		ReplySurb string `json:"replySurb,omitempty"`
	}{Type: typeReceived, Message: string(msg)}
	if surb != nil {
		r.ReplySurb = base58.Encode(surb)
	}
	b, err := encodeJSON(r)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func encodeSelfAddressBinary(a address.Address) []byte {
	return appendAddress([]byte{TagSelfAddrRes}, a)
}

func encodeSelfAddressJSON(a address.Address) ([]byte, error) {
	return encodeJSON(struct {
		Type    string `json:"type"`
		Address string `json:"address"`
	}{typeSelfAddress, a.String()})
}

// marshalJSON is json.Marshal; internal tests replace it to make the JSON
// encoders fail.
var marshalJSON = json.Marshal

// encodeJSON marshals a JSON response. The encoders give it structs of
// strings, which json.Marshal does not refuse; an error anyway is returned
// (the server then answers in binary form and counts it), never a panic.
func encodeJSON(v any) ([]byte, error) {
	b, err := marshalJSON(v)
	if err != nil {
		return nil, fmt.Errorf("clientapi: encode %T: %w", v, err)
	}
	return b, nil
}

// response is a decoded server response (used by Conn).
type response struct {
	kind    byte // TagError, TagReceived or TagSelfAddrRes
	err     *ServerError
	message []byte
	surb    []byte
	address string
}

var errBadResponse = errors.New("client api: malformed response")

// decodeBinaryResponse decodes a binary response frame.
func decodeBinaryResponse(b []byte) (response, error) {
	if len(b) == 0 {
		return response{}, fmt.Errorf("%w: empty frame", errBadResponse)
	}
	tag, rest := b[0], b[1:]
	switch tag {
	case TagError:
		if len(rest) < 1+8 {
			return response{}, fmt.Errorf("%w: short error", errBadResponse)
		}
		msg, err := lengthPrefixed(rest[1:], "error message", true)
		if err != nil {
			return response{}, fmt.Errorf("%w: %s", errBadResponse, err.Message)
		}
		return response{kind: TagError, err: &ServerError{Code: rest[0], Message: string(msg)}}, nil
	case TagReceived:
		if len(rest) < 1 || rest[0] > 1 {
			return response{}, fmt.Errorf("%w: bad has_surb", errBadResponse)
		}
		hasSURB := rest[0] == 1
		rest = rest[1:]
		var r response
		r.kind = TagReceived
		if hasSURB {
			surb, err := lengthPrefixed(rest, "surb", false)
			if err != nil {
				return response{}, fmt.Errorf("%w: %s", errBadResponse, err.Message)
			}
			r.surb = surb
			rest = rest[8+len(surb):]
		}
		msg, err := lengthPrefixed(rest, "message", true)
		if err != nil {
			return response{}, fmt.Errorf("%w: %s", errBadResponse, err.Message)
		}
		r.message = msg
		return r, nil
	case TagSelfAddrRes:
		if len(rest) != AddressSize {
			return response{}, fmt.Errorf("%w: selfAddress is %d bytes, want %d", errBadResponse, len(rest), AddressSize)
		}
		return response{kind: TagSelfAddrRes, address: addressFromBinary(rest).String()}, nil
	default:
		return response{}, fmt.Errorf("%w: unknown tag 0x%02x", errBadResponse, tag)
	}
}

// decodeJSONResponse decodes a text response frame.
func decodeJSONResponse(b []byte) (response, error) {
	var j struct {
		Type      string  `json:"type"`
		Message   *string `json:"message"`
		ReplySurb *string `json:"replySurb"`
		Address   *string `json:"address"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return response{}, fmt.Errorf("%w: %v", errBadResponse, err)
	}
	switch j.Type {
	case typeError:
		if j.Message == nil {
			return response{}, fmt.Errorf("%w: error without message", errBadResponse)
		}
		return response{kind: TagError, err: &ServerError{Code: CodeOther, Message: *j.Message}}, nil
	case typeReceived:
		if j.Message == nil {
			return response{}, fmt.Errorf("%w: received without message", errBadResponse)
		}
		r := response{kind: TagReceived, message: []byte(*j.Message)}
		if j.ReplySurb != nil {
			surb, err := base58.Decode(*j.ReplySurb)
			if err != nil {
				return response{}, fmt.Errorf("%w: replySurb: %v", errBadResponse, err)
			}
			r.surb = surb
		}
		return r, nil
	case typeSelfAddress:
		if j.Address == nil {
			return response{}, fmt.Errorf("%w: selfAddress without address", errBadResponse)
		}
		return response{kind: TagSelfAddrRes, address: *j.Address}, nil
	default:
		return response{}, fmt.Errorf("%w: unknown type %q", errBadResponse, j.Type)
	}
}
