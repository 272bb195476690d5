package isolate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
)

// fullHeader sets every field of a header, so a field the binary form
// forgets comes back different.
func fullHeader() *header {
	detail := "the detail"
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return &header{
		Op: opResult, ID: 1 << 40, Config: &workerConfig{Timeout: time.Second, LogLevel: "debug", CacheSize: 3},
		Key: "sha\x00serving\x00file.js", Serving: "serving", File: "file.js", Method: "read",
		Timeout: int64(30 * time.Second), Deadline: at.UnixNano(),
		Name: "name", Info: json.RawMessage(`{"name":"x"}`), Methods: []string{"read", "test"},
		Problems: []host.Problem{{File: "f.js", Line: 3, Column: 4, Message: "bad"}}, Error: "an error",
		Missing: true, Type: "READ", Err: &host.CallError{Status: 504, Message: "late", Detail: &detail},
		Connection: json.RawMessage(`{"name":"c"}`), Fn: "rotated", TokKey: &connection.Key{Synapse: "s", Connection: "c"},
		Old: &connection.Tokens{AccessToken: "a", RefreshToken: "r", ExpiresAt: at}, Fresh: &connection.Tokens{AccessToken: "b"},
		OK: true, Lock: 77, Status: 201,
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	full := fullHeader()
	v := reflect.ValueOf(full).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullHeader leaves %s zero: set it, so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	cases := map[string]*header{
		"every field": full,
		"call":        {Op: opCall, ID: 9, Key: "k", Timeout: 5, Deadline: -1},
		"result":      {Op: opResult, ID: 9, Type: "SYNAPSE_INFO"},
		"error":       {Op: opResult, ID: 2, Err: &host.CallError{Status: 500, Message: "boom"}},
		"empty":       {Op: opExit},
	}
	for name, h := range cases {
		b, err := appendHeader(nil, h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := decodeHeader(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Times come back from JSON without their monotonic reading.
		want, _ := json.Marshal(h)
		have, _ := json.Marshal(got)
		if !bytes.Equal(want, have) || !reflect.DeepEqual(got.Err, h.Err) {
			t.Errorf("%s: round trip\n got %s\nwant %s", name, have, want)
		}
	}
}

// Through the frame writer and reader, with a payload, several frames in a
// row, and every cut short of the whole header refused rather than read.
func TestFramesRoundTripAndTruncation(t *testing.T) {
	var buf bytes.Buffer
	fw := newFrameWriter(&buf)
	hs := []*header{fullHeader(), {Op: opCall, ID: 1, Key: "k"}, {Op: opHTTP, Serving: "s", Method: "GET", Status: 200}}
	for i, h := range hs {
		if err := fw.write(h, []byte(strings.Repeat("p", i*1000))); err != nil {
			t.Fatal(err)
		}
	}
	r := bufio.NewReader(bytes.NewReader(buf.Bytes()))
	for i, h := range hs {
		got, payload, err := readFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want, _ := json.Marshal(h)
		have, _ := json.Marshal(got)
		if !bytes.Equal(want, have) || len(payload) != i*1000 {
			t.Errorf("frame %d: got %s (payload %d bytes), want %s", i, have, len(payload), want)
		}
	}
	full, err := appendHeader(nil, fullHeader())
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(full) {
		if _, err := decodeHeader(full[:n]); err == nil {
			t.Fatalf("a header cut to %d of its %d bytes decoded without an error", n, len(full))
		}
	}
	if _, err := decodeHeader(append([]byte{200}, full[1:]...)); err == nil || !strings.Contains(err.Error(), "unknown frame op") {
		t.Errorf("an unknown op: got %v", err)
	}
	if _, err := appendHeader(nil, &header{Op: "nonsense"}); err == nil {
		t.Error("a header with an unknown op was encoded")
	}
}
