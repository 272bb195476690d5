package isolate

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
)

// The protocol between the server and a worker is a stream of frames in
// each direction over the worker's stdin and stdout:
//
//	uint32 header length | uint32 payload length | header | payload
//
// The header says what the frame is (its binary form is in header.go); the payload carries the bulk bytes
// (a source file, an envelope, a result body) as they are, so a 500-record
// page is copied once and never re-encoded. Logs travel on stderr as
// zerolog JSON lines.

// Frame operations.
const (
	opInit   = "init"   // server → worker: the worker's configuration
	opLoad   = "load"   // server → worker: compile, validate and cache a connector (payload: source)
	opLoaded = "loaded" // worker → server: the answer to load
	opCall   = "call"   // server → worker: run a call (payload: envelope, or {connection, request})
	opResult = "result" // worker → server: the answer to call (payload: body)
	opCancel = "cancel" // server → worker: the caller of call ID went away
	opToken  = "token"  // worker → server: a TokenStore operation
	opReply  = "reply"  // server → worker: the answer to a token operation
	opHTTP   = "http"   // worker → server: a script's HTTP request, for metrics
	opExit   = "exit"   // server → worker: finish and exit (recycling)
)

// maxFrame bounds a frame's parts, so a corrupt length cannot make either
// side allocate without limit.
const maxFrame = 256 << 20

// header is every frame's first part; each op uses a few of the fields.
// The JSON tags name the fields in headerRest's JSON and in messages.
type header struct {
	// Op is the frame's operation, one of the op constants.
	Op string `json:"op"`
	// ID pairs an answer with its request (call/result, load/loaded,
	// token/reply) and names the call a cancel stops.
	ID uint64 `json:"id,omitempty"`

	// init
	Config *workerConfig `json:"config,omitempty"`

	// load / call
	Key string `json:"key,omitempty"`
	// Serving is the name the connector is served under (load; http: whose
	// request it was).
	Serving string `json:"serving,omitempty"`
	// File is the connector's file name, for messages and stack traces.
	File string `json:"file,omitempty"`

	// call
	Method string `json:"method,omitempty"` // the plain API's method; empty for a wire invoke
	// Timeout is the call's host.CallOptions.Timeout, in ns.
	Timeout  int64 `json:"timeout,omitempty"`
	Deadline int64 `json:"deadline,omitempty"` // unix ns

	// loaded
	Name string `json:"name,omitempty"`
	// Info is the connector's synapse_info, as JSON.
	Info json.RawMessage `json:"info,omitempty"`
	// Methods are the contract methods the file exports.
	Methods []string `json:"methods,omitempty"`
	// Problems are why the file does not validate.
	Problems []host.Problem `json:"problems,omitempty"`
	// Error is a failure that is not the script's (loaded), or the token
	// store's error (reply).
	Error string `json:"error,omitempty"`

	// result
	Missing bool `json:"missing,omitempty"` // the key is not loaded in this worker
	// Type is the wire request type the call answered.
	Type string `json:"type,omitempty"`
	// Err is the call's error answer, if it is one.
	Err *host.CallError `json:"err,omitempty"`
	// Connection is the connection with rotated OAuth tokens written in,
	// when a refresh during the call rotated them (host.Response.Connection).
	Connection json.RawMessage `json:"connection,omitempty"`

	// token / reply
	Fn string `json:"fn,omitempty"` // rotated, newer, lock, unlock
	// TokKey is the Key the token operation is about.
	TokKey *connection.Key `json:"tokKey,omitempty"`
	// Old are the tokens replaced (rotated) or carried (newer).
	Old *connection.Tokens `json:"old,omitempty"`
	// Fresh are the new tokens (rotated) or the newer ones found (reply).
	Fresh *connection.Tokens `json:"fresh,omitempty"`
	// OK is set in a newer reply when Fresh holds newer tokens.
	OK bool `json:"ok,omitempty"`
	// Lock is a held lock's id (lock reply, unlock) or the lock request
	// given up (abandon).
	Lock uint64 `json:"lock,omitempty"`

	// http
	Status int `json:"status,omitempty"`
}

// frameWriter writes whole frames, each with one write; it is safe for
// concurrent use.
type frameWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	hdr []byte // guarded by mu: the header being encoded, reused
}

func newFrameWriter(w io.Writer) *frameWriter { return &frameWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (fw *frameWriter) write(h *header, payload []byte) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	hb, err := appendHeader(fw.hdr[:0], h)
	if err != nil {
		return err
	}
	fw.hdr = hb
	var lens [8]byte
	binary.BigEndian.PutUint32(lens[:4], uint32(len(hb)))
	binary.BigEndian.PutUint32(lens[4:], uint32(len(payload)))
	if _, err := fw.w.Write(lens[:]); err != nil {
		return err
	}
	if _, err := fw.w.Write(hb); err != nil {
		return err
	}
	if _, err := fw.w.Write(payload); err != nil {
		return err
	}
	return fw.w.Flush()
}

// readFrame reads one frame.
func readFrame(r *bufio.Reader) (*header, []byte, error) {
	var lens [8]byte
	if _, err := io.ReadFull(r, lens[:]); err != nil {
		return nil, nil, err
	}
	hl, pl := binary.BigEndian.Uint32(lens[:4]), binary.BigEndian.Uint32(lens[4:])
	if hl > maxFrame || pl > maxFrame {
		return nil, nil, fmt.Errorf("frame of %d+%d bytes is over the limit", hl, pl)
	}
	buf := make([]byte, int(hl)+int(pl))
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, nil, err
	}
	h, err := decodeHeader(buf[:hl:hl])
	if err != nil {
		return nil, nil, err
	}
	var payload []byte
	if pl > 0 {
		payload = buf[hl:]
	}
	return h, payload, nil
}
