package host

import (
	"strings"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// checkReadBodyFast is checkBody's fast path for a READ body, with
// jsjson's tape instead of encoding/json (which took a thirtieth of a
// sync's CPU here: a sync sends the entity's whole schema twice with every
// page). ok is false when it cannot tell the answer for sure: not a
// well-formed object, a key that matches a field only case-insensitively,
// a watermark or start/end of another kind than encoding/json takes
// without a word; checkBody's encoding/json path then decides, and words
// the error, as before.
func checkReadBodyFast(body []byte) (msg string, ok bool) {
	var entity, wm []byte
	hasWM := false
	ok = true
	isObj, err := jsjson.ObjectMembers(body, func(key, val []byte) {
		switch string(key) {
		case "entity":
			entity = val
		case "watermark":
			wm, hasWM = val, true
		default:
			ok = ok && !strings.EqualFold(string(key), "entity") && !strings.EqualFold(string(key), "watermark")
		}
	})
	if err != nil || !isObj || !ok {
		return "", false
	}
	if !hasWM || string(wm) == "null" {
		return "watermark: required for READ", true
	}
	if wm[0] != '{' {
		return "", false
	}
	var start, end bool
	if _, err := jsjson.ObjectMembers(wm, func(key, val []byte) {
		field := (*bool)(nil)
		switch string(key) {
		case "start":
			field = &start
		case "end":
			field = &end
		default:
			ok = ok && !strings.EqualFold(string(key), "start") && !strings.EqualFold(string(key), "end")
			return
		}
		switch c := val[0]; {
		case c == 'n':
			*field = false // null leaves the pointer nil, also after a number
		case c == '-' || (c >= '0' && c <= '9'):
			*field = true
		default:
			ok = false // a string holding a number, or a type error
		}
	}); err != nil || !ok {
		return "", false
	}
	if !start || !end {
		return "watermark: start and end (epoch ms) are required", true
	}
	if !isObject(entity) {
		return "entity: want a Schema object, got " + jsonKind(entity), true
	}
	return "", true
}
