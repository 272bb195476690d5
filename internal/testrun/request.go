package testrun

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/internal/timearg"
	"github.com/synapsejs/synapse-js/platform"
)

// buildRequest turns a helper's short form into the request the platform
// would send, as `run`'s flags do: {entity, since, until, limit, cursor,
// offset} for read, {entity, ids|id} for get_by_id, {entity, data, ids}
// for create/update/delete, {entities|entity} for describe. A short form
// holding "request" is sent as that request unchanged; methods whose
// request is the connection (test, refresh_token, get_headers) or nothing
// (synapse_info) ignore it.
func buildRequest(method string, short map[string]any, now time.Time) (json.RawMessage, error) {
	if raw, ok := short["request"]; ok {
		return json.Marshal(raw)
	}
	known := func(keys ...string) error {
		for k := range short {
			ok := false
			for _, w := range keys {
				ok = ok || k == w
			}
			if !ok {
				return fmt.Errorf("%s: unknown field %q in the request (want %s, or request for a whole request body)", method, k, strings.Join(keys, ", "))
			}
		}
		return nil
	}
	entity := func() (any, error) {
		switch e := short["entity"].(type) {
		case string:
			if e == "" {
				break
			}
			return map[string]any{"apiName": e, "displayName": e, "attributes": []any{}}, nil
		case map[string]any:
			return e, nil
		}
		return nil, fmt.Errorf("%s needs entity: an apiName or a Schema", method)
	}
	switch method {
	case "synapse_info", "test", "refresh_token", "get_headers":
		return nil, nil
	case "describe":
		if err := known("entities", "entity"); err != nil {
			return nil, err
		}
		ents := []any{}
		if e, ok := short["entity"].(string); ok {
			ents = append(ents, e)
		}
		if es, ok := short["entities"].([]any); ok {
			ents = append(ents, es...)
		}
		return json.Marshal(map[string]any{"entities": ents})
	case "read":
		if err := known("entity", "since", "until", "limit", "cursor", "offset", "watermark"); err != nil {
			return nil, err
		}
		ent, err := entity()
		if err != nil {
			return nil, err
		}
		var start int64
		end := now.UnixMilli()
		if v, ok := short["since"]; ok {
			if start, err = timeArg(v, now); err != nil {
				return nil, fmt.Errorf("read: since: %w", err)
			}
		}
		if v, ok := short["until"]; ok {
			if end, err = timeArg(v, now); err != nil {
				return nil, fmt.Errorf("read: until: %w", err)
			}
		}
		// The platform's first watermark of a window (platform.NewWatermark),
		// as a map so the short form can override any key.
		wm := map[string]any{}
		first, _ := json.Marshal(platform.NewWatermark(start, end))
		_ = json.Unmarshal(first, &wm)
		wm["offset"], wm["limit"] = num(short["offset"]), num(short["limit"])
		if c, ok := short["cursor"]; ok {
			wm["cursor"] = c
		}
		if w, ok := short["watermark"].(map[string]any); ok {
			for k, v := range w {
				wm[k] = v
			}
		}
		return json.Marshal(map[string]any{"entity": ent, "entityWithMappedFields": ent, "watermark": wm})
	case "get_by_id", "create", "update", "delete":
		if err := known("entity", "ids", "id", "data"); err != nil {
			return nil, err
		}
		ent, err := entity()
		if err != nil {
			return nil, err
		}
		ids := idsArg(short)
		recs, err := platform.Records(short["data"])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		switch {
		case len(recs) == 0:
			for _, id := range ids {
				recs = append(recs, map[string]any{"id": id, "values": map[string]any{}})
			}
		case len(ids) > 0:
			if len(ids) != len(recs) {
				return nil, fmt.Errorf("%s: %d ids for %d records in data", method, len(ids), len(recs))
			}
			for i, id := range ids {
				recs[i]["id"] = id
			}
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("%s needs data (records or their values) or ids", method)
		}
		body := map[string]any{"entity": ent, "data": recs}
		if method == "get_by_id" {
			body["entityWithMappedFields"] = ent
		}
		return json.Marshal(body)
	}
	// search, webhooks, get_access_token: the short form is the request.
	return json.Marshal(short)
}

func num(v any) any {
	switch n := v.(type) {
	case json.Number:
		return n
	case float64:
		return n
	}
	return 0
}

func idsArg(short map[string]any) []string {
	var out []string
	add := func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		}
	}
	if v, ok := short["id"]; ok {
		add(v)
	}
	if vs, ok := short["ids"].([]any); ok {
		for _, v := range vs {
			add(v)
		}
	}
	return out
}

// timeArg reads a point in time as epoch ms: a number (epoch ms), or any
// string run's --since takes (timearg.Parse), so a test's short form and
// the command line agree.
func timeArg(v any, now time.Time) (int64, error) {
	switch t := v.(type) {
	case json.Number:
		return timearg.Parse(t.String(), now)
	case float64:
		if t < 0 {
			return 0, fmt.Errorf("%v: negative epoch ms", t)
		}
		return int64(t), nil
	case string:
		return timearg.Parse(t, now)
	}
	return 0, fmt.Errorf("%v: want epoch ms, RFC 3339, a date, now, or an age (30d, 12h)", v)
}
