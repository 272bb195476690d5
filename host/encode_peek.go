package host

import (
	"encoding/json"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// peekRead reads what paging needs of a READ result before it is encoded:
// the number of records, the watermark encoded as encodeResult will write
// it, and the offsetType (pydantic's RECORD_COUNT when absent). ok is
// false when the result is not a ReadResponse the encoder would accept.
func (c *Connector) peekRead(res goja.Value, m *Method) (n int, wm json.RawMessage, offsetType string, ok bool) {
	o, isObj := res.(*goja.Object)
	if !isObj || jsvalue.KindOf(res) != jsvalue.Object {
		return 0, nil, "", false
	}
	switch data := o.Get("data"); jsvalue.KindOf(data) {
	case jsvalue.Undefined, jsvalue.Null:
	case jsvalue.Array:
		n = jsvalue.ArrayLen(data.(*goja.Object))
	default:
		return 0, nil, "", false
	}
	s := m.shape(c.engine.models)
	i, known := s.index["watermark"]
	if !known {
		return 0, nil, "", false
	}
	w := o.Get("watermark")
	if jsvalue.KindOf(w) != jsvalue.Object {
		return 0, nil, "", false
	}
	enc := &encoder{method: m.Export}
	if err := enc.value(w, s.fields[i].shape); err != nil {
		return 0, nil, "", false
	}
	offsetType = "RECORD_COUNT"
	switch ot := o.Get("offsetType"); jsvalue.KindOf(ot) {
	case jsvalue.Undefined, jsvalue.Null:
	case jsvalue.String:
		offsetType = ot.String()
	default:
		return 0, nil, "", false
	}
	return n, enc.buf, offsetType, true
}
