package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
)

type checkFlags struct {
	engineFlags
	conn       connFlags
	entities   []string
	since      string
	write      bool
	writeData  string
	maxRecords int
	output     string
}

func (a *App) checkCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Run the conformance suite against a real or sandbox system",
		Long: `check runs a connector through what the platform will do with it and
reports a pass, fail or skip line per check, with the reason:

  validate        the file loads: exports, synapse_info
  synapse_info    answers a valid SynapseInfo
  test            accepts the connection
  describe        answers a Schema for every entity asked, in order
  describe E      exactly one id field; a source entity has a datetime
                  watermark field
  read E          a recent window (--since, default the last 30 days; all
                  history when that is empty), paged as the platform does:
                  records in ascending lastModified, inside the window, each
                  with an id and a lastModified, no id twice, paging ends
  get_by_id E     returns a record the read returned (skipped without
                  get_by_id)
  with --write, on a throwaway record of the first entity (or each --entity):
  create, update, get_by_id, delete
                  a round trip; the create payload fills the required (else
                  one name-like) string fields from describe's attributes, or
                  is --write-data

It exits 1 if any check failed. Secrets given in the connection are
redacted from everything printed.`,
		Example: `  synapse-js check scripts/pipedrive.js --endpoint http://127.0.0.1:8089/ --token sandbox-token
  SYNAPSE_JS_TOKEN=... synapse-js check scripts/pipedrive.js --connection conn.json --entity person --write
  synapse-js check my.js --connection conn.json --since 2024-01-01 --output json`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"js", "ts", "mjs", "cjs"}, cobra.ShellCompDirectiveFilterFileExt
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.check(cmd.Context(), args[0], &f)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.entities, "entity", nil, "check only this entity (repeatable; default all that describe lists)")
	fl.StringVar(&f.since, "since", "30d", "start of the read window (RFC 3339, a date, epoch ms or an age like 30d)")
	fl.BoolVar(&f.write, "write", false, "also create, update, read back and delete a throwaway record")
	fl.StringVar(&f.writeData, "write-data", "", "the values of the throwaway record (a JSON object, or @FILE)")
	fl.IntVar(&f.maxRecords, "max-records", 20000, "stop reading an entity after this many records")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "each call's deadline")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	for _, n := range []string{"entity", "since", "write-data", "max-records"} {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
	return cmd
}

// outputFormat normalises --output: "text" and "table" are the same human
// format (so one SYNAPSE_JS_OUTPUT serves every command), named human here;
// "" means a value that is neither.
func outputFormat(v, human string) string {
	switch v {
	case "text", "table":
		return human
	case "json":
		return "json"
	}
	return ""
}

// checkResult is one line of the report.
type checkResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // pass, fail or skip
	Reason string `json:"reason,omitempty"`
	Millis int64  `json:"ms"`
}

// checkReport is --output json.
type checkReport struct {
	File    string        `json:"file"`
	Synapse string        `json:"synapse,omitempty"`
	Passed  int           `json:"passed"`
	Failed  int           `json:"failed"`
	Skipped int           `json:"skipped"`
	Checks  []checkResult `json:"checks"`
}

// checker runs the suite and collects results.
type checker struct {
	c          *host.Connector
	conn       json.RawMessage
	timeout    time.Duration
	secrets    *bindings.Secrets
	maxRecords int
	now        time.Time
	results    []checkResult
	onResult   func(checkResult)
}

const (
	statusPass = "pass"
	statusFail = "fail"
	statusSkip = "skip"
)

// step runs fn as one named check and records its outcome: fn returns a
// reason for a pass, or a *skip or any error for the others.
func (k *checker) step(name string, fn func() (string, error)) bool {
	start := time.Now()
	reason, err := fn()
	r := checkResult{Name: name, Status: statusPass, Reason: reason, Millis: time.Since(start).Milliseconds()}
	var sk *skipErr
	switch {
	case errors.As(err, &sk):
		r.Status, r.Reason = statusSkip, sk.reason
	case err != nil:
		r.Status, r.Reason = statusFail, err.Error()
	}
	r.Reason = k.secrets.Redact(r.Reason)
	k.results = append(k.results, r)
	if k.onResult != nil {
		k.onResult(r)
	}
	return r.Status == statusPass
}

type skipErr struct{ reason string }

func (e *skipErr) Error() string { return e.reason }

func skip(format string, args ...any) error { return &skipErr{fmt.Sprintf(format, args...)} }

// schema is what check reads of a Schema.
type schema struct {
	raw         json.RawMessage
	APIName     string      `json:"apiName"`
	DisplayName string      `json:"displayName"`
	ReadOnly    bool        `json:"readOnly"`
	Attributes  []attribute `json:"attributes"`
}

type attribute struct {
	APIName          string `json:"apiName"`
	DisplayName      string `json:"displayName"`
	DataType         string `json:"dataType"`
	IsIDField        bool   `json:"isIdField"`
	IsWatermarkField bool   `json:"isWatermarkField"`
	IsCreatedAtField bool   `json:"isCreatedAtField"`
	IsUpdatedAtField bool   `json:"isUpdatedAtField"`
	IsSystem         bool   `json:"isSystem"`
	Calculated       bool   `json:"calculated"`
	Nillable         *bool  `json:"nillable"`
	Initializable    *bool  `json:"initializable"`
	Updateable       *bool  `json:"updateable"`
}

func (a attribute) dataType() string {
	if a.DataType == "" {
		return "string"
	}
	return a.DataType
}

func (a *App) check(ctx context.Context, file string, f *checkFlags) error {
	if f.output = outputFormat(f.output, "table"); f.output == "" {
		return usageError("--output: want table or json")
	}
	now := time.Now()
	since, err := parseTime(f.since, now)
	if err != nil {
		return usageError("--since: %v", err)
	}
	var writeValues map[string]any
	if f.writeData != "" {
		recs, err := a.recordsArg(f.writeData, f.conn.file == "-")
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return usageError("--write-data: want one object, got %d", len(recs))
		}
		writeValues, _ = recs[0]["values"].(map[string]any)
	}
	conn, err := a.buildConnection(&f.conn, false, nil)
	if err != nil {
		return err
	}
	outs := a.redacted(conn.secrets)
	k := &checker{conn: conn.raw, timeout: f.timeout, secrets: conn.secrets, maxRecords: f.maxRecords, now: now}
	if f.output == "table" {
		// Lines go out as checks finish, so a slow system shows progress.
		k.onResult = func(r checkResult) {
			fmt.Fprintf(outs.out, "%s  %-28s %s%s\n", strings.ToUpper(r.Status), r.Name, r.Reason, msSuffix(r.Millis))
		}
	}
	e := a.newEngine(f.engineFlags)
	k.run(ctx, e, a, file, f, since, writeValues)

	rep := checkReport{File: file, Checks: k.results}
	if k.c != nil {
		rep.Synapse = k.c.Name()
		k.c.Close()
	}
	for _, r := range k.results {
		switch r.Status {
		case statusPass:
			rep.Passed++
		case statusFail:
			rep.Failed++
		default:
			rep.Skipped++
		}
	}
	if f.output == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		b = append(b, '\n')
		outs.out.Write(b)
	} else {
		fmt.Fprintf(outs.out, "\n%d passed, %d failed, %d skipped\n", rep.Passed, rep.Failed, rep.Skipped)
	}
	if ctx.Err() != nil {
		return &ExitError{Code: 130, Err: errors.New("interrupted")}
	}
	if rep.Failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

func msSuffix(ms int64) string {
	if ms < 1 {
		return ""
	}
	return fmt.Sprintf(" (%s)", (time.Duration(ms) * time.Millisecond).String())
}

// run is the suite, in order; later checks are skipped when what they need
// failed.
func (k *checker) run(ctx context.Context, e *host.Engine, a *App, file string, f *checkFlags, since int64, writeValues map[string]any) {
	if !k.step("validate", func() (string, error) {
		c, err := a.loadFile(ctx, e, file)
		if err != nil {
			return "", err
		}
		k.c = c
		return fmt.Sprintf("%s: %s", c.Name(), strings.Join(c.Methods(), ", ")), nil
	}) {
		return
	}
	var info struct {
		Name         string   `json:"name"`
		Capabilities []string `json:"capabilities"`
		Metadata     struct {
			DisplayName string `json:"displayName"`
		} `json:"metadata"`
		SupportedAuthTypes []struct {
			AuthType string `json:"authType"`
		} `json:"supportedAuthTypes"`
	}
	k.step("synapse_info", func() (string, error) {
		body, err := k.call(ctx, "synapse_info", nil)
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(body, &info); err != nil {
			return "", err
		}
		var auth []string
		for _, t := range info.SupportedAuthTypes {
			auth = append(auth, t.AuthType)
		}
		r := fmt.Sprintf("%s (%s); auth %s", info.Name, info.Metadata.DisplayName, strings.Join(auth, ", "))
		if len(info.Capabilities) > 0 {
			r += "; capabilities " + strings.Join(info.Capabilities, ", ")
		}
		return r, nil
	})
	k.step("test", func() (string, error) {
		body, err := k.call(ctx, "test", nil)
		if err != nil {
			return "", err
		}
		var conn struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(body, &conn); err != nil {
			return "", err
		}
		return fmt.Sprintf("connection %q accepted", conn.Name), nil
	})
	var schemas []schema
	if !k.step("describe", func() (string, error) {
		ents := f.entities
		if ents == nil {
			ents = []string{}
		}
		req, _ := json.Marshal(map[string]any{"entities": ents})
		body, err := k.call(ctx, "describe", req)
		if err != nil {
			return "", err
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return "", err
		}
		if len(raws) == 0 {
			return "", errors.New("describe answered no entities")
		}
		names := make([]string, len(raws))
		for i, r := range raws {
			var s schema
			if err := json.Unmarshal(r, &s); err != nil {
				return "", fmt.Errorf("schema %d: %w", i, err)
			}
			s.raw = r
			schemas = append(schemas, s)
			names[i] = s.APIName
		}
		return fmt.Sprintf("%d entities: %s", len(names), strings.Join(names, ", ")), nil
	}) {
		return
	}
	source := k.c.Has("read")
	noWatermark := slices.Contains(info.Capabilities, "noWatermark")
	for _, s := range schemas {
		k.step("describe "+s.APIName, func() (string, error) { return checkSchema(s, source && !noWatermark) })
	}
	for _, s := range schemas {
		if ctx.Err() != nil {
			return
		}
		var sample *rawRecord
		readOK := k.step("read "+s.APIName, func() (string, error) {
			if !source {
				return "", skip("the connector has no read (a destination)")
			}
			var reason string
			var err error
			reason, sample, err = k.checkRead(ctx, s, since)
			return reason, err
		})
		k.step("get_by_id "+s.APIName, func() (string, error) {
			switch {
			case !k.c.Has("get_by_id"):
				return "", skip("the connector has no get_by_id")
			case !source:
				return "", skip("no read to take a record from")
			case !readOK:
				return "", skip("the read failed")
			case sample == nil:
				return "", skip("the read returned no record to fetch")
			}
			return k.checkGetByID(ctx, s, sample.id(), "", nil)
		})
	}
	if !f.write {
		return
	}
	targets := schemas
	if len(f.entities) == 0 {
		targets = nil
		for _, s := range schemas {
			if !s.ReadOnly {
				targets = append(targets, s)
				break
			}
		}
	}
	if len(targets) == 0 {
		k.step("create", func() (string, error) { return "", skip("every entity is readOnly") })
		return
	}
	for _, s := range targets {
		if ctx.Err() != nil {
			return
		}
		k.writeRoundTrip(ctx, s, writeValues)
	}
}

// call makes one call and turns an error answer into an error.
func (k *checker) call(ctx context.Context, method string, req json.RawMessage) (json.RawMessage, error) {
	resp := k.c.Call(ctx, method, k.conn, req, host.CallOptions{Timeout: k.timeout})
	if resp.Err != nil {
		return nil, &callError{method: method, err: resp.Err}
	}
	return resp.Body, nil
}

// checkSchema holds a Schema to the contract's rules for its fields.
func checkSchema(s schema, source bool) (string, error) {
	var ids, wms []attribute
	for _, at := range s.Attributes {
		if at.IsIDField {
			ids = append(ids, at)
		}
		if at.IsWatermarkField {
			wms = append(wms, at)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no id field: one attribute must have isIdField: true")
	case 1:
	default:
		names := make([]string, len(ids))
		for i, at := range ids {
			names[i] = at.APIName
		}
		return "", fmt.Errorf("%d id fields (%s): want exactly one attribute with isIdField: true", len(ids), strings.Join(names, ", "))
	}
	reason := fmt.Sprintf("%d attributes; id %s", len(s.Attributes), ids[0].APIName)
	if !source {
		return reason, nil
	}
	switch len(wms) {
	case 0:
		return "", fmt.Errorf("no watermark field: a source entity needs one datetime attribute with isWatermarkField: true")
	case 1:
		if wms[0].dataType() != "datetime" {
			return "", fmt.Errorf("watermark field %s is %s, want datetime", wms[0].APIName, wms[0].dataType())
		}
	default:
		return "", fmt.Errorf("%d watermark fields: want one", len(wms))
	}
	return reason + "; watermark " + wms[0].APIName, nil
}

// checkRead reads a window and holds the records to the paging rules. It
// returns a record to fetch by id.
func (k *checker) checkRead(ctx context.Context, s schema, since int64) (string, *rawRecord, error) {
	end := k.now.UnixMilli()
	res, err := k.readWindow(ctx, s, since, end)
	if err != nil {
		return "", nil, err
	}
	window := fmt.Sprintf("since %s", formatMs(since))
	if res.records == 0 && since > 0 {
		if res, err = k.readWindow(ctx, s, 0, end); err != nil {
			return "", nil, fmt.Errorf("no records since %s; reading all history: %w", formatMs(since), err)
		}
		window = fmt.Sprintf("none since %s, so all history", formatMs(since))
	}
	reason := fmt.Sprintf("%s in %s (%s); ended on %s", plural(res.records, "record"), plural(int64(res.pages), "page"), window, res.reason)
	return reason, res.sample, nil
}

type readResult struct {
	records int64
	pages   int
	reason  string
	sample  *rawRecord
}

// readWindow pages through [start, end] and checks every record.
func (k *checker) readWindow(ctx context.Context, s schema, start, end int64) (readResult, error) {
	p := newPager(k.c, k.conn, s.raw, k.timeout, newWatermark(start, end))
	var res readResult
	seen := map[string]int{} // id -> page
	prev := int64(-1 << 63)
	noLM := 0
	for !p.done {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		page, _, err := p.next(ctx)
		if err != nil {
			return res, err
		}
		for i, rec := range page.records {
			where := fmt.Sprintf("page %d record %d", p.pages, i)
			id := rec.id()
			if id == "" {
				return res, fmt.Errorf("%s has no id", where)
			}
			where += fmt.Sprintf(" (id %s)", id)
			if pg, dup := seen[id]; dup {
				return res, fmt.Errorf("%s: id %s was already returned on page %d: duplicate ids across pages", where, id, pg)
			}
			seen[id] = p.pages
			if !rec.hasLM {
				noLM++
				continue
			}
			if rec.lastModified < start || rec.lastModified > end {
				return res, fmt.Errorf("%s: lastModified %s is outside the window %s .. %s", where, fmtMsFull(rec.lastModified), fmtMsFull(start), fmtMsFull(end))
			}
			if rec.lastModified < prev {
				return res, fmt.Errorf("%s: lastModified %s comes after %s: records must be in ascending lastModified", where, fmtMsFull(rec.lastModified), fmtMsFull(prev))
			}
			prev = rec.lastModified
			if res.sample == nil {
				r := rec
				r.idRaw = append([]byte(nil), rec.idRaw...)
				r.raw = nil
				res.sample = &r
			}
		}
		res.records, res.pages = p.records, p.pages
		if k.maxRecords > 0 && p.records >= int64(k.maxRecords) && !p.done {
			res.reason = fmt.Sprintf("--max-records %d (paging not followed to its end)", k.maxRecords)
			return res, nil
		}
	}
	if noLM > 0 {
		return res, fmt.Errorf("%d of %d records have no lastModified: they never advance the sync", noLM, res.records)
	}
	res.reason = p.reason
	return res, nil
}

// fmtMsFull prints epoch ms with its millisecond part.
func fmtMsFull(ms int64) string {
	return fmt.Sprintf("%d (%s)", ms, time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"))
}

// checkGetByID fetches id and, when field is set, checks values[field].
func (k *checker) checkGetByID(ctx context.Context, s schema, id, field string, want any) (string, error) {
	req, _ := json.Marshal(map[string]any{
		"entity": s.raw, "entityWithMappedFields": s.raw,
		"data": []any{map[string]any{"id": id, "values": map[string]any{}}},
	})
	body, err := k.call(ctx, "get_by_id", req)
	if err != nil {
		return "", err
	}
	var recs []struct {
		ID     *string        `json:"id"`
		Values map[string]any `json:"values"`
	}
	if err := json.Unmarshal(body, &recs); err != nil {
		return "", err
	}
	if len(recs) != 1 {
		return "", fmt.Errorf("asked for id %s, got %d records", id, len(recs))
	}
	if recs[0].ID == nil || *recs[0].ID != id {
		got := "no id"
		if recs[0].ID != nil {
			got = "id " + *recs[0].ID
		}
		return "", fmt.Errorf("asked for id %s, got a record with %s", id, got)
	}
	if field != "" {
		got, ok := recs[0].Values[field]
		if !ok {
			return fmt.Sprintf("id %s (values.%s not returned, so the update is not verified)", id, field), nil
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return "", fmt.Errorf("id %s: values.%s is %q, want %q: the update did not stick", id, field, fmt.Sprint(got), fmt.Sprint(want))
		}
		return fmt.Sprintf("id %s; values.%s is the updated value", id, field), nil
	}
	return fmt.Sprintf("id %s", id), nil
}

// writeRoundTrip creates, updates, reads back and deletes a record.
func (k *checker) writeRoundTrip(ctx context.Context, s schema, values map[string]any) {
	name := func(op string) string { return op + " " + s.APIName }
	marker := fmt.Sprintf("synapse-js check %d", k.now.Unix())
	var field string
	if values == nil {
		values, field = createPayload(s, marker, k.now)
	} else {
		for _, at := range s.Attributes {
			if v, ok := values[at.APIName].(string); ok && at.dataType() == "string" && updatable(at) {
				field, marker = at.APIName, v
				break
			}
		}
	}
	if len(values) == 0 {
		k.step(name("create"), func() (string, error) {
			return "", skip("found no string field to fill; pass --write-data '{...}'")
		})
		return
	}
	var id string
	syncariID := "synapse-js-check-1"
	crud := func(method string, rec map[string]any) (string, error) {
		rec["syncariEntityId"] = syncariID
		req, _ := json.Marshal(map[string]any{"entity": s.raw, "data": []any{rec}})
		body, err := k.call(ctx, method, req)
		if err != nil {
			return "", err
		}
		var results []struct {
			Success   bool     `json:"success"`
			Errors    []string `json:"errors"`
			ID        *string  `json:"id"`
			SyncariID *string  `json:"syncariId"`
		}
		if err := json.Unmarshal(body, &results); err != nil {
			return "", err
		}
		if len(results) != 1 {
			return "", fmt.Errorf("%d results for 1 record", len(results))
		}
		r := results[0]
		if !r.Success {
			return "", fmt.Errorf("success false: %s", strings.Join(r.Errors, "; "))
		}
		if r.SyncariID == nil || *r.SyncariID != syncariID {
			return "", fmt.Errorf("the result's syncariId does not echo the record's syncariEntityId %q", syncariID)
		}
		if r.ID == nil || *r.ID == "" {
			return "", errors.New("the result has no id")
		}
		return *r.ID, nil
	}
	if !k.step(name("create"), func() (string, error) {
		if !k.c.Has("create") {
			return "", skip("the connector has no create")
		}
		got, err := crud("create", map[string]any{"values": values})
		if err != nil {
			return "", err
		}
		id = got
		return fmt.Sprintf("id %s, values %s", id, compactJSON(values)), nil
	}) {
		return
	}
	updated := marker + " (updated)"
	k.step(name("update"), func() (string, error) {
		switch {
		case !k.c.Has("update"):
			return "", skip("the connector has no update")
		case field == "":
			return "", skip("no updatable string field in the payload")
		}
		vals := map[string]any{}
		for kk, v := range values {
			vals[kk] = v
		}
		vals[field] = updated
		got, err := crud("update", map[string]any{"id": id, "values": vals})
		if err != nil {
			field = ""
			return "", err
		}
		if got != id {
			return "", fmt.Errorf("updated id %s, the result says id %s", id, got)
		}
		return fmt.Sprintf("id %s: %s = %q", id, field, updated), nil
	})
	k.step(name("get_by_id"), func() (string, error) {
		if !k.c.Has("get_by_id") {
			return "", skip("the connector has no get_by_id")
		}
		if field == "" || !k.c.Has("update") {
			return k.checkGetByID(ctx, s, id, "", nil)
		}
		return k.checkGetByID(ctx, s, id, field, updated)
	})
	k.step(name("delete"), func() (string, error) {
		if !k.c.Has("delete") {
			return "", skip("the connector has no delete; record %s is left in the system", id)
		}
		if _, err := crud("delete", map[string]any{"id": id, "values": map[string]any{}}); err != nil {
			return "", err
		}
		return fmt.Sprintf("id %s", id), nil
	})
}

// createPayload fills a new record's string fields: the required ones, or
// else one that looks like a name. field is the one to update.
func createPayload(s schema, marker string, now time.Time) (map[string]any, string) {
	var candidates []attribute
	for _, at := range s.Attributes {
		if at.IsIDField || at.IsWatermarkField || at.IsCreatedAtField || at.IsUpdatedAtField || at.Calculated || at.IsSystem {
			continue
		}
		if at.Initializable != nil && !*at.Initializable {
			continue
		}
		if at.dataType() != "string" {
			continue
		}
		candidates = append(candidates, at)
	}
	value := func(at attribute) string {
		if strings.Contains(strings.ToLower(at.APIName), "email") {
			return fmt.Sprintf("synapse-js-check-%d@example.com", now.Unix())
		}
		return marker
	}
	vals := map[string]any{}
	field := ""
	for _, at := range candidates {
		if at.Nillable != nil && !*at.Nillable {
			vals[at.APIName] = value(at)
			if field == "" && updatable(at) && !strings.Contains(strings.ToLower(at.APIName), "email") {
				field = at.APIName
			}
		}
	}
	if len(vals) > 0 {
		return vals, field
	}
	for _, want := range []string{"name", "title", "subject"} {
		for _, at := range candidates {
			if strings.Contains(strings.ToLower(at.APIName), want) {
				vals[at.APIName] = value(at)
				if updatable(at) {
					field = at.APIName
				}
				return vals, field
			}
		}
	}
	if len(candidates) > 0 {
		at := candidates[0]
		vals[at.APIName] = value(at)
		if updatable(at) {
			field = at.APIName
		}
	}
	return vals, field
}

func updatable(at attribute) bool { return at.Updateable == nil || *at.Updateable }

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
