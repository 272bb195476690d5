package isolate

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
)

// A frame's header is written in a compact binary form: encoding/json
// took a seventh of a worker's CPU in a trivial call, decoding the call
// frame's few fields. Both ends are the same binary, so the form needs no
// version. Fields in order:
//
//	op (1 byte) | flags (1 byte) | uvarint ID, Lock | varint Timeout,
//	Deadline, Status | strings Key, Serving, File, Method, Name, Error,
//	Type, Fn | bytes Info, Connection | [Err: varint Status, strings
//	Message, Detail] | [rest: JSON of the fields that are structures]
//
// A string or bytes field is a uvarint length and that many bytes. The
// rarely sent structured fields (init's Config, loaded's Methods and
// Problems, the token operations' keys and tokens) stay JSON, as headerRest.

// Header flags.
const (
	flagMissing = 1 << iota
	flagOK
	flagErr       // an Err part follows
	flagErrDetail // Err.Detail is set
	flagRest      // a rest part follows
)

// headerRest holds the header's structured fields, sent as JSON.
type headerRest struct {
	Config   *workerConfig      `json:"config,omitempty"`
	Methods  []string           `json:"methods,omitempty"`
	Problems []host.Problem     `json:"problems,omitempty"`
	TokKey   *connection.Key    `json:"tokKey,omitempty"`
	Old      *connection.Tokens `json:"old,omitempty"`
	Fresh    *connection.Tokens `json:"fresh,omitempty"`
}

func (r *headerRest) empty() bool {
	return r.Config == nil && r.Methods == nil && r.Problems == nil && r.TokKey == nil && r.Old == nil && r.Fresh == nil
}

// opCode numbers the ops on the wire (0 is none).
func opCode(op string) byte {
	switch op {
	case opInit:
		return 1
	case opLoad:
		return 2
	case opLoaded:
		return 3
	case opCall:
		return 4
	case opResult:
		return 5
	case opCancel:
		return 6
	case opToken:
		return 7
	case opReply:
		return 8
	case opHTTP:
		return 9
	case opExit:
		return 10
	}
	return 0
}

func opName(code byte) string {
	switch code {
	case 1:
		return opInit
	case 2:
		return opLoad
	case 3:
		return opLoaded
	case 4:
		return opCall
	case 5:
		return opResult
	case 6:
		return opCancel
	case 7:
		return opToken
	case 8:
		return opReply
	case 9:
		return opHTTP
	case 10:
		return opExit
	}
	return ""
}

// appendHeader appends h's binary form to b.
func appendHeader(b []byte, h *header) ([]byte, error) {
	op := opCode(h.Op)
	if op == 0 {
		return nil, fmt.Errorf("unknown frame op %q", h.Op)
	}
	rest := headerRest{Config: h.Config, Methods: h.Methods, Problems: h.Problems, TokKey: h.TokKey, Old: h.Old, Fresh: h.Fresh}
	var flags byte
	if h.Missing {
		flags |= flagMissing
	}
	if h.OK {
		flags |= flagOK
	}
	if h.Err != nil {
		flags |= flagErr
		if h.Err.Detail != nil {
			flags |= flagErrDetail
		}
	}
	if !rest.empty() {
		flags |= flagRest
	}
	b = append(b, op, flags)
	b = binary.AppendUvarint(b, h.ID)
	b = binary.AppendUvarint(b, h.Lock)
	b = binary.AppendVarint(b, h.Timeout)
	b = binary.AppendVarint(b, h.Deadline)
	b = binary.AppendVarint(b, int64(h.Status))
	for _, s := range [...]string{h.Key, h.Serving, h.File, h.Method, h.Name, h.Error, h.Type, h.Fn} {
		b = appendString(b, s)
	}
	b = appendBytes(b, h.Info)
	b = appendBytes(b, h.Connection)
	if h.Err != nil {
		b = binary.AppendVarint(b, int64(h.Err.Status))
		b = appendString(b, h.Err.Message)
		if h.Err.Detail != nil {
			b = appendString(b, *h.Err.Detail)
		}
	}
	if flags&flagRest != 0 {
		js, err := json.Marshal(&rest)
		if err != nil {
			return nil, fmt.Errorf("encode %s frame: %w", h.Op, err)
		}
		b = appendBytes(b, js)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

var errShortHeader = errors.New("frame header ends early")

// headerReader reads the parts of a binary header; the first error sticks.
type headerReader struct {
	b   []byte
	err error
}

func (r *headerReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortHeader
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *headerReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShortHeader
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns the next bytes field, sharing the frame's buffer (nil if
// empty).
func (r *headerReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errShortHeader
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	if n == 0 {
		return nil
	}
	return p
}

func (r *headerReader) string() string { return string(r.bytes()) }

// decodeHeader reads a header written by appendHeader. Its byte fields
// share b.
func decodeHeader(b []byte) (*header, error) {
	if len(b) < 2 {
		return nil, errShortHeader
	}
	h := &header{Op: opName(b[0])}
	if h.Op == "" {
		return nil, fmt.Errorf("unknown frame op %d", b[0])
	}
	flags := b[1]
	r := headerReader{b: b[2:]}
	h.ID = r.uvarint()
	h.Lock = r.uvarint()
	h.Timeout = r.varint()
	h.Deadline = r.varint()
	h.Status = int(r.varint())
	for _, s := range [...]*string{&h.Key, &h.Serving, &h.File, &h.Method, &h.Name, &h.Error, &h.Type, &h.Fn} {
		*s = r.string()
	}
	h.Info = r.bytes()
	h.Connection = r.bytes()
	h.Missing = flags&flagMissing != 0
	h.OK = flags&flagOK != 0
	if flags&flagErr != 0 {
		h.Err = &host.CallError{Status: int(r.varint()), Message: r.string()}
		if flags&flagErrDetail != 0 {
			d := r.string()
			h.Err.Detail = &d
		}
	}
	if flags&flagRest != 0 {
		js := r.bytes()
		if r.err == nil {
			var rest headerRest
			if err := json.Unmarshal(js, &rest); err != nil {
				return nil, fmt.Errorf("decode frame header: %w", err)
			}
			h.Config, h.Methods, h.Problems, h.TokKey, h.Old, h.Fresh = rest.Config, rest.Methods, rest.Problems, rest.TokKey, rest.Old, rest.Fresh
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode frame header: %w", r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("decode frame header: %d bytes left over", len(r.b))
	}
	return h, nil
}
