package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/synapsejs/synapse-js/host"
)

// TestOnReadSeesWhatIsEncoded: OnRead gets the record count, the
// watermark exactly as the answer carries it and the offsetType, before
// the answer is encoded; a result that is not a ReadResponse is not
// peeked (the call fails as ever).
func TestOnReadSeesWhatIsEncoded(t *testing.T) {
	t.Parallel()
	e := host.New(host.Options{})
	c := load(t, e, `read(req) {
		if (req.watermark.offset === 9) return { data: 'nope', watermark: req.watermark };
		const d = new Date(5000);
		return { data: [{ id: '1', values: {} }, { id: '2', values: {} }], watermark: { start: d, end: 7000.0, cursor: 'c', offset: 3 }, offsetType: req.watermark.offset === 1 ? undefined : 'CUSTOM' };
	},`)
	for _, c2 := range []struct {
		body, offsetType string
		n                int
	}{
		{`{"entity":{"apiName":"t"},"watermark":{"start":0,"end":1,"offset":0}}`, "CUSTOM", 2},
		{`{"entity":{"apiName":"t"},"watermark":{"start":0,"end":1,"offset":1}}`, "RECORD_COUNT", 2},
	} {
		var n int
		var wm json.RawMessage
		var ot string
		calls := 0
		resp := c.Call(context.Background(), "read", nil, json.RawMessage(c2.body), host.CallOptions{OnRead: func(records int, w json.RawMessage, offsetType string) {
			calls++
			n, wm, ot = records, append(json.RawMessage(nil), w...), offsetType
		}})
		if resp.Err != nil {
			t.Fatal(resp.Err)
		}
		var out struct {
			Data      []json.RawMessage `json:"data"`
			Watermark json.RawMessage   `json:"watermark"`
		}
		if err := json.Unmarshal(resp.Body, &out); err != nil {
			t.Fatal(err)
		}
		if calls != 1 || n != c2.n || ot != c2.offsetType || !bytes.Equal(wm, out.Watermark) {
			t.Errorf("OnRead called %d times with %d, %s, %q; the answer has %d records, watermark %s", calls, n, wm, ot, len(out.Data), out.Watermark)
		}
	}
	called := false
	resp := c.Call(context.Background(), "read", nil, json.RawMessage(`{"entity":{"apiName":"t"},"watermark":{"start":0,"end":1,"offset":9}}`),
		host.CallOptions{OnRead: func(int, json.RawMessage, string) { called = true }})
	if resp.Err == nil || called {
		t.Errorf("a bad result: error %v, OnRead called %v", resp.Err, called)
	}
}
