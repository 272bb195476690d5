package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
)

// CheckResult is one line of the report.
type CheckResult struct {
	// Name is the check ("read person").
	Name string `json:"name"`
	// Status is pass, fail or skip.
	Status string `json:"status"`
	// Reason says what passed, what failed or why it was skipped.
	Reason string `json:"reason,omitempty"`
	// Millis is how long it took.
	Millis int64 `json:"ms"`
}

// Statuses of a CheckResult.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// CheckOptions configure Check.
type CheckOptions struct {
	// File names the connector in the report.
	File string
	// Load loads the connector; its failure is the validate check's.
	Load func(ctx context.Context) (*host.Connector, error)
	// Connection is the Connection every call gets.
	Connection json.RawMessage
	// Secrets are redacted from every reason.
	Secrets *bindings.Secrets
	// Timeout is each call's deadline.
	Timeout time.Duration
	// Entities limits the suite to these entities (default: all describe
	// lists).
	Entities []string
	// Since is the start of the read window (epoch ms).
	Since int64
	// Write adds the create/update/get_by_id/delete round trip.
	Write bool
	// WriteValues are the throwaway record's values (default: made from
	// describe's attributes).
	WriteValues map[string]any
	// MaxRecords stops reading an entity after this many records.
	MaxRecords int
	// Now is the time the suite runs at (default time.Now()).
	Now time.Time
	// OnResult, if set, is told about each check as it finishes.
	OnResult func(CheckResult)
}

// Check runs the conformance suite: what the platform will do with the
// connector, one named check at a time, with later checks skipped when
// what they need failed. The connector it loads is closed when it returns.
func Check(ctx context.Context, o CheckOptions) *CheckReport {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Secrets == nil {
		o.Secrets = bindings.NewSecrets()
	}
	k := &checker{conn: o.Connection, timeout: o.Timeout, secrets: o.Secrets, maxRecords: o.MaxRecords, now: o.Now, onResult: o.OnResult}
	k.run(ctx, o)
	rep := &CheckReport{File: o.File, Checks: k.results}
	if k.c != nil {
		rep.Synapse = k.c.Name()
		k.c.Close()
	}
	for _, r := range k.results {
		switch r.Status {
		case StatusPass:
			rep.Passed++
		case StatusFail:
			rep.Failed++
		default:
			rep.Skipped++
		}
	}
	return rep
}

// CheckReport is the suite's outcome.
type CheckReport struct {
	// File is the connector file checked.
	File string `json:"file"`
	// Synapse is the connector's synapse_info name; empty when it did not
	// load.
	Synapse string `json:"synapse,omitempty"`
	// Passed counts the checks that passed.
	Passed int `json:"passed"`
	// Failed counts the checks that failed; any makes the suite fail.
	Failed int `json:"failed"`
	// Skipped counts the checks skipped, mostly because one they need failed.
	Skipped int `json:"skipped"`
	// Checks are every check's result, in the order they ran.
	Checks []CheckResult `json:"checks"`
}

// checker runs the suite and collects results.
type checker struct {
	c          *host.Connector
	conn       json.RawMessage
	timeout    time.Duration
	secrets    *bindings.Secrets
	maxRecords int
	now        time.Time
	results    []CheckResult
	onResult   func(CheckResult)
}

// step runs fn as one named check and records its outcome: fn returns a
// reason for a pass, or a *skip or any error for the others.
func (k *checker) step(name string, fn func() (string, error)) bool {
	start := time.Now()
	reason, err := fn()
	r := CheckResult{Name: name, Status: StatusPass, Reason: reason, Millis: time.Since(start).Milliseconds()}
	var sk *skipErr
	switch {
	case errors.As(err, &sk):
		r.Status, r.Reason = StatusSkip, sk.reason
	case err != nil:
		r.Status, r.Reason = StatusFail, err.Error()
	}
	r.Reason = k.secrets.Redact(r.Reason)
	k.results = append(k.results, r)
	if k.onResult != nil {
		k.onResult(r)
	}
	return r.Status == StatusPass
}

// skipErr is a check skipped, and why.
type skipErr struct{ reason string }

// Error implements error.
func (e *skipErr) Error() string { return e.reason }

func skip(format string, args ...any) error { return &skipErr{fmt.Sprintf(format, args...)} }

// Schema is what the platform reads of a Schema; Raw is the whole JSON.
type Schema struct {
	// Raw is the Schema exactly as describe answered it: the suite sends it
	// back as the entity of read and write requests.
	Raw json.RawMessage `json:"-"`
	// APIName is the wire's "apiName", the entity's name in requests.
	APIName string `json:"apiName"`
	// DisplayName is the wire's "displayName".
	DisplayName string `json:"displayName"`
	// ReadOnly is the wire's "readOnly": the entity takes no writes.
	ReadOnly bool `json:"readOnly"`
	// Attributes is the wire's "attributes", the entity's fields.
	Attributes []Attribute `json:"attributes"`
}

// Attribute is what the platform reads of an Attribute.
type Attribute struct {
	// APIName is the wire's "apiName", the field's key in a record's values.
	APIName string `json:"apiName"`
	// DisplayName is the wire's "displayName".
	DisplayName string `json:"displayName"`
	// DataType is the wire's "dataType" (boolean, string, datetime, ...);
	// empty means string.
	DataType string `json:"dataType"`
	// IsIDField is the wire's "isIdField": the record id, never written.
	IsIDField bool `json:"isIdField"`
	// IsWatermarkField is the wire's "isWatermarkField": the field reads
	// page by, never written.
	IsWatermarkField bool `json:"isWatermarkField"`
	// IsCreatedAtField is the wire's "isCreatedAtField"; never written.
	IsCreatedAtField bool `json:"isCreatedAtField"`
	// IsUpdatedAtField is the wire's "isUpdatedAtField"; never written.
	IsUpdatedAtField bool `json:"isUpdatedAtField"`
	// IsSystem is the wire's "isSystem": set by the connected system, never
	// written.
	IsSystem bool `json:"isSystem"`
	// Calculated is the wire's "calculated": derived, never written.
	Calculated bool `json:"calculated"`
	// Nillable is the wire's "nillable"; false means a create must set the
	// field (nil: not stated).
	Nillable *bool `json:"nillable"`
	// Initializable is the wire's "initializable"; false keeps the field
	// out of create (nil: not stated, so allowed).
	Initializable *bool `json:"initializable"`
	// Updateable is the wire's "updateable"; false keeps the field out of
	// update (nil: not stated, so allowed).
	Updateable *bool `json:"updateable"`
}

func (a Attribute) dataType() string {
	if a.DataType == "" {
		return "string"
	}
	return a.DataType
}

// run is the suite, in order; later checks are skipped when what they need
// failed.
func (k *checker) run(ctx context.Context, o CheckOptions) {
	since, writeValues := o.Since, o.WriteValues
	if !k.step("validate", func() (string, error) {
		c, err := o.Load(ctx)
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
	var schemas []Schema
	if !k.step("describe", func() (string, error) {
		ents := o.Entities
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
			var s Schema
			if err := json.Unmarshal(r, &s); err != nil {
				return "", fmt.Errorf("Schema %d: %w", i, err)
			}
			s.Raw = r
			schemas = append(schemas, s)
			names[i] = s.APIName
		}
		return fmt.Sprintf("%s: %s", Plural(int64(len(names)), "entity"), strings.Join(names, ", ")), nil
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
		var sample *Record
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
			return k.checkGetByID(ctx, s, sample.ID(), "", nil)
		})
	}
	if !o.Write {
		return
	}
	targets := schemas
	if len(o.Entities) == 0 {
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
		return nil, &CallError{Method: method, Err: resp.Err}
	}
	return resp.Body, nil
}

// checkSchema holds a Schema to the contract's rules for its fields.
func checkSchema(s Schema, source bool) (string, error) {
	var ids, wms []Attribute
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
		return "", fmt.Errorf("no id field: one Attribute must have isIdField: true")
	case 1:
	default:
		names := make([]string, len(ids))
		for i, at := range ids {
			names[i] = at.APIName
		}
		return "", fmt.Errorf("%d id fields (%s): want exactly one Attribute with isIdField: true", len(ids), strings.Join(names, ", "))
	}
	reason := fmt.Sprintf("%d attributes; id %s", len(s.Attributes), ids[0].APIName)
	if !source {
		return reason, nil
	}
	switch len(wms) {
	case 0:
		return "", fmt.Errorf("no Watermark field: a source entity needs one datetime Attribute with isWatermarkField: true")
	case 1:
		if wms[0].dataType() != "datetime" {
			return "", fmt.Errorf("Watermark field %s is %s, want datetime", wms[0].APIName, wms[0].dataType())
		}
	default:
		return "", fmt.Errorf("%d Watermark fields: want one", len(wms))
	}
	return reason + "; Watermark " + wms[0].APIName, nil
}

// checkRead reads a window and holds the records to the paging rules. It
// returns a record to fetch by id.
func (k *checker) checkRead(ctx context.Context, s Schema, since int64) (string, *Record, error) {
	end := k.now.UnixMilli()
	res, err := k.readWindow(ctx, s, since, end)
	if err != nil {
		return "", nil, err
	}
	window := fmt.Sprintf("since %s", FormatMs(since))
	if res.Records == 0 && since > 0 {
		if res, err = k.readWindow(ctx, s, 0, end); err != nil {
			return "", nil, fmt.Errorf("no records since %s; reading all history: %w", FormatMs(since), err)
		}
		window = fmt.Sprintf("none since %s, so all history", FormatMs(since))
	}
	reason := fmt.Sprintf("%s in %s (%s); ended on %s", Plural(res.Records, "record"), Plural(int64(res.pages), "page"), window, res.reason)
	return reason, res.sample, nil
}

// readResult is what the read check found.
type readResult struct {
	// Records counts the records read.
	Records int64
	pages   int
	reason  string
	sample  *Record
}

// readWindow pages through [start, end] and checks every record.
func (k *checker) readWindow(ctx context.Context, s Schema, start, end int64) (readResult, error) {
	p := NewPager(k.c, k.conn, s.Raw, k.timeout, NewWatermark(start, end))
	var res readResult
	seen := map[string]int{} // id -> page
	prev := int64(-1 << 63)
	noLM := 0
	for !p.Done() {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		page, _, err := p.Next(ctx)
		if err != nil {
			return res, err
		}
		for i, rec := range page.Records {
			where := fmt.Sprintf("page %d record %d", p.Pages(), i)
			id := rec.ID()
			if id == "" {
				return res, fmt.Errorf("%s has no id", where)
			}
			where += fmt.Sprintf(" (id %s)", id)
			if pg, dup := seen[id]; dup {
				return res, fmt.Errorf("%s: id %s was already returned on page %d: duplicate ids across pages", where, id, pg)
			}
			seen[id] = p.Pages()
			if !rec.HasLM {
				noLM++
				continue
			}
			if rec.LastModified < start || rec.LastModified > end {
				return res, fmt.Errorf("%s: lastModified %s is outside the window %s .. %s", where, fmtMsFull(rec.LastModified), fmtMsFull(start), fmtMsFull(end))
			}
			if rec.LastModified < prev {
				return res, fmt.Errorf("%s: lastModified %s comes after %s: records must be in ascending lastModified", where, fmtMsFull(rec.LastModified), fmtMsFull(prev))
			}
			prev = rec.LastModified
			if res.sample == nil {
				r := rec
				r.idRaw = append([]byte(nil), rec.idRaw...)
				r.Raw = nil
				res.sample = &r
			}
		}
		res.Records, res.pages = p.Records(), p.Pages()
		if k.maxRecords > 0 && p.Records() >= int64(k.maxRecords) && !p.Done() {
			res.reason = fmt.Sprintf("--max-records %d (paging not followed to its end)", k.maxRecords)
			return res, nil
		}
	}
	if noLM > 0 {
		return res, fmt.Errorf("%d of %d records have no lastModified: they never advance the sync", noLM, res.Records)
	}
	res.reason = p.Reason()
	return res, nil
}

// fmtMsFull prints epoch ms with its millisecond part.
func fmtMsFull(ms int64) string {
	return fmt.Sprintf("%d (%s)", ms, time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"))
}

// checkGetByID fetches id and, when field is set, checks values[field].
func (k *checker) checkGetByID(ctx context.Context, s Schema, id, field string, want any) (string, error) {
	req, _ := json.Marshal(map[string]any{
		"entity": s.Raw, "entityWithMappedFields": s.Raw,
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
func (k *checker) writeRoundTrip(ctx context.Context, s Schema, values map[string]any) {
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
		req, _ := json.Marshal(map[string]any{"entity": s.Raw, "data": []any{rec}})
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
func createPayload(s Schema, marker string, now time.Time) (map[string]any, string) {
	var candidates []Attribute
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
	value := func(at Attribute) string {
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

func updatable(at Attribute) bool { return at.Updateable == nil || *at.Updateable }

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
