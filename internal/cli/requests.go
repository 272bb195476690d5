package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/synapsejs/synapse-js/internal/timearg"
	"github.com/synapsejs/synapse-js/platform"
)

// reqFlags build a request body from flags, so authors need not write
// READ or CRUD bodies by hand.
type reqFlags struct {
	entities []string
	since    string
	until    string
	limit    int
	cursor   string
	offset   int
	ids      []string
	data     string
}

func (rf *reqFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&rf.entities, "entity", nil, "entity apiName (describe: repeatable)")
	fl.StringVar(&rf.since, "since", "", "read: watermark start (RFC 3339, a date, epoch ms, or an age like 30d)")
	fl.StringVar(&rf.until, "until", "", "read: watermark end (default now)")
	fl.IntVar(&rf.limit, "limit", 0, "read: watermark.limit")
	fl.StringVar(&rf.cursor, "cursor", "", "read: watermark.cursor")
	fl.IntVar(&rf.offset, "offset", 0, "read: watermark.offset")
	fl.StringArrayVar(&rf.ids, "id", nil, "get_by_id, update, delete: a record id (repeatable)")
	fl.StringVar(&rf.data, "data", "", `create, update, delete: a JSON object or array of objects or Records, or @FILE`)
	for _, f := range []string{"entity", "since", "until", "limit", "cursor", "offset", "id"} {
		_ = cmd.RegisterFlagCompletionFunc(f, cobra.NoFileCompletions)
	}
}

// explicit reports whether a request flag was given.
func (rf *reqFlags) explicit() bool {
	return len(rf.entities) > 0 || rf.since != "" || rf.until != "" || rf.limit != 0 || rf.cursor != "" ||
		rf.offset != 0 || len(rf.ids) > 0 || rf.data != ""
}

// minimalSchema is the smallest Schema the contract accepts. Connectors
// that need the attributes should be called through sync or check, which
// send describe's Schema.
func minimalSchema(entity string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"apiName": entity, "displayName": entity, "attributes": []any{}})
	return b
}

// buildRequest builds the body for method from the flags. It answers nil
// for methods whose body is the connection (test) or nothing.
func (a *App) buildRequest(method string, rf *reqFlags, now time.Time, stdinTaken bool) (json.RawMessage, error) {
	one := func() (string, error) {
		switch len(rf.entities) {
		case 0:
			return "", usageError("%s needs --entity", method)
		case 1:
			return rf.entities[0], nil
		}
		return "", usageError("%s takes one --entity, got %d", method, len(rf.entities))
	}
	only := func(allowed ...string) error {
		set := map[string]bool{}
		for _, s := range allowed {
			set[s] = true
		}
		check := []struct {
			name  string
			on    bool
			value string
		}{
			{"since", rf.since != "", rf.since}, {"until", rf.until != "", rf.until}, {"limit", rf.limit != 0, strconv.Itoa(rf.limit)},
			{"cursor", rf.cursor != "", rf.cursor}, {"offset", rf.offset != 0, strconv.Itoa(rf.offset)},
			{"id", len(rf.ids) > 0, strings.Join(rf.ids, ",")}, {"data", rf.data != "", rf.data},
		}
		for _, c := range check {
			if c.on && !set[c.name] {
				return usageError("--%s does not apply to %s", c.name, method)
			}
		}
		return nil
	}
	switch method {
	case "describe":
		if err := only(); err != nil {
			return nil, err
		}
		ents := rf.entities
		if ents == nil {
			ents = []string{}
		}
		return json.Marshal(map[string]any{"entities": ents})
	case "read":
		if err := only("since", "until", "limit", "cursor", "offset"); err != nil {
			return nil, err
		}
		ent, err := one()
		if err != nil {
			return nil, err
		}
		var start, end int64
		if rf.since != "" {
			if start, err = timearg.Parse(rf.since, now); err != nil {
				return nil, usageError("--since: %v", err)
			}
		}
		end = now.UnixMilli()
		if rf.until != "" {
			if end, err = timearg.Parse(rf.until, now); err != nil {
				return nil, usageError("--until: %v", err)
			}
		}
		if end < start {
			return nil, usageError("--until is before --since")
		}
		wm := platform.NewWatermark(start, end)
		wm.Offset, wm.Limit = int64(rf.offset), int64(rf.limit)
		if rf.cursor != "" {
			wm.Cursor = &rf.cursor
		}
		return platform.ReadBody(minimalSchema(ent), wm), nil
	case "get_by_id":
		if err := only("id"); err != nil {
			return nil, err
		}
		ent, err := one()
		if err != nil {
			return nil, err
		}
		if len(rf.ids) == 0 {
			return nil, usageError("get_by_id needs --id (repeatable)")
		}
		recs := make([]map[string]any, len(rf.ids))
		for i, id := range rf.ids {
			recs[i] = map[string]any{"id": id, "values": map[string]any{}}
		}
		s := minimalSchema(ent)
		return json.Marshal(map[string]any{"entity": s, "entityWithMappedFields": s, "data": recs})
	case "create", "update", "delete":
		if err := only("id", "data"); err != nil {
			return nil, err
		}
		ent, err := one()
		if err != nil {
			return nil, err
		}
		recs, err := a.recordsArg(rf.data, stdinTaken)
		if err != nil {
			return nil, err
		}
		switch {
		case len(rf.ids) > 0 && len(recs) == 0:
			for _, id := range rf.ids {
				recs = append(recs, map[string]any{"id": id, "values": map[string]any{}})
			}
		case len(rf.ids) > 0:
			if len(rf.ids) != len(recs) {
				return nil, usageError("%d --id for %d records in --data", len(rf.ids), len(recs))
			}
			for i, id := range rf.ids {
				recs[i]["id"] = id
			}
		}
		if len(recs) == 0 {
			return nil, usageError("%s needs --data (or, for delete, --id)", method)
		}
		if method != "create" {
			for i, r := range recs {
				if id, _ := r["id"].(string); id == "" {
					return nil, usageError("%s: record %d has no id (give it in the record or with --id)", method, i)
				}
			}
		}
		return json.Marshal(map[string]any{"entity": minimalSchema(ent), "data": recs})
	case "search":
		return nil, usageError("search takes --request FILE (a {query, params} body)")
	}
	return nil, usageError("%s has no request flags; use --request FILE", method)
}

// recordsArg turns --data into Records: a Record is an object with a
// "values" object; any other object is taken as the values of one, with its
// "id" (if any) as the Record's id.
func (a *App) recordsArg(data string, stdinTaken bool) ([]map[string]any, error) {
	if data == "" {
		return nil, nil
	}
	var raw []byte
	switch {
	case data == "@-":
		if stdinTaken {
			return nil, usageError("--data @- : stdin is already used by another flag")
		}
		b, err := io.ReadAll(a.Stdin)
		if err != nil {
			return nil, usageError("--data: %v", err)
		}
		raw = b
	case strings.HasPrefix(data, "@"):
		b, err := os.ReadFile(data[1:])
		if err != nil {
			return nil, usageError("--data: %v", err)
		}
		raw = b
	default:
		raw = []byte(data)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, usageError("--data: not valid JSON: %v", err)
	}
	if v == nil {
		return nil, usageError("--data: want an object or an array of objects")
	}
	recs, err := platform.Records(v)
	if err != nil {
		return nil, usageError("--%v", err)
	}
	return recs, nil
}
