package pipedrive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// The smaller entities (pipelines, stages, notes, leads, activity types,
// currencies, files, filters and deal products) share one generic store:
// each record is a JSON object whose keys are exactly those of Pipedrive's
// OpenAPI definition for it, held as a map and rendered with sorted keys
// (so bodies stay byte-identical for a seed).

// objKind identifies one of the generic entities.
type objKind int

const (
	objPipeline objKind = iota
	objStage
	objNote
	objLead
	objActivityType
	objCurrency
	objFile
	objFilter
	objDealProduct
	numObjKinds
)

// How a list pages.
const (
	pageCursor = iota // v2: cursor and limit
	pageStart         // v1: start and limit, additional_data.pagination
	pageNone          // v1: everything at once
)

// Time formats of the entities' add_time and update_time.
const (
	timeV2   = iota // 2025-01-01T10:20:00Z
	timeV1          // 2025-01-01 10:20:00
	timeLead        // 2025-01-01T10:20:00.000Z
)

// ftype is what a writable field accepts.
type ftype int

const (
	fString ftype = iota
	fInt
	fNumber
	fBool
	fObject
	fArray
	fIntOrNull
	fStringOrNull
)

// objField is one writable field.
type objField struct {
	key string
	typ ftype
}

// objSpec is the constant description of a generic entity.
type objSpec struct {
	name     string // "note"
	title    string // "Note": error messages
	path     string // "notes", under /api/v2 or /v1
	v2       bool
	paging   int
	times    int
	sortKeys []string // v2 sort_by values, v1 sort fields
	filters  []string // query parameters that select records whose field of the same name equals them
	// updatedSince: the list takes updated_since (RFC 3339, >=).
	updatedSince bool
	label        string // the required text field
	create       []objField
	update       []objField // nil: no update
	updateMethod string
	createStatus int
	deleteBody   string // "id" ({"id":N}) or "true" (data: true)
	softDelete   bool   // deleted records stay, is_deleted true, out of lists
	readOnly     bool   // no writes at all
	cost         int    // list cost in daily-budget tokens
}

var objSpecs = [numObjKinds]objSpec{
	objPipeline: {name: "pipeline", title: "Pipeline", path: "pipelines", v2: true, paging: pageCursor, times: timeV2,
		sortKeys: []string{"id", "update_time", "add_time"}, label: "name",
		create:       []objField{{"name", fString}, {"is_deal_probability_enabled", fBool}},
		update:       []objField{{"name", fString}, {"is_deal_probability_enabled", fBool}},
		updateMethod: "PATCH", createStatus: 200, deleteBody: "id", softDelete: true, cost: 5},
	objStage: {name: "stage", title: "Stage", path: "stages", v2: true, paging: pageCursor, times: timeV2,
		sortKeys: []string{"id", "update_time", "add_time", "order_nr"}, filters: []string{"pipeline_id"}, label: "name",
		create:       []objField{{"name", fString}, {"pipeline_id", fInt}, {"deal_probability", fInt}, {"is_deal_rot_enabled", fBool}, {"days_to_rotten", fIntOrNull}},
		update:       []objField{{"name", fString}, {"pipeline_id", fInt}, {"deal_probability", fInt}, {"is_deal_rot_enabled", fBool}, {"days_to_rotten", fIntOrNull}},
		updateMethod: "PATCH", createStatus: 200, deleteBody: "id", softDelete: true, cost: 5},
	objNote: {name: "note", title: "Note", path: "notes", paging: pageStart, times: timeV1,
		sortKeys: []string{"id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time"},
		filters:  []string{"user_id", "lead_id", "deal_id", "person_id", "org_id"}, updatedSince: true, label: "content",
		create: []objField{{"content", fString}, {"deal_id", fIntOrNull}, {"person_id", fIntOrNull}, {"org_id", fIntOrNull}, {"lead_id", fStringOrNull},
			{"pinned_to_deal_flag", fBool}, {"pinned_to_person_flag", fBool}, {"pinned_to_organization_flag", fBool}},
		update: []objField{{"content", fString}, {"deal_id", fIntOrNull}, {"person_id", fIntOrNull}, {"org_id", fIntOrNull}, {"lead_id", fStringOrNull},
			{"pinned_to_deal_flag", fBool}, {"pinned_to_person_flag", fBool}, {"pinned_to_organization_flag", fBool}},
		updateMethod: "PUT", createStatus: 200, deleteBody: "true", cost: 20},
	objLead: {name: "lead", title: "Lead", path: "leads", paging: pageStart, times: timeLead,
		sortKeys: []string{"id", "title", "owner_id", "creator_id", "was_seen", "expected_close_date", "add_time", "update_time"},
		filters:  []string{"owner_id", "person_id", "organization_id"}, updatedSince: true, label: "title",
		create: []objField{{"title", fString}, {"owner_id", fInt}, {"label_ids", fArray}, {"person_id", fIntOrNull}, {"organization_id", fIntOrNull},
			{"value", fObject}, {"expected_close_date", fStringOrNull}, {"visible_to", fString}, {"was_seen", fBool}, {"origin_id", fStringOrNull},
			{"channel", fIntOrNull}, {"channel_id", fStringOrNull}},
		update: []objField{{"title", fString}, {"owner_id", fInt}, {"label_ids", fArray}, {"person_id", fIntOrNull}, {"organization_id", fIntOrNull},
			{"value", fObject}, {"expected_close_date", fStringOrNull}, {"visible_to", fString}, {"was_seen", fBool}, {"is_archived", fBool},
			{"channel", fIntOrNull}, {"channel_id", fStringOrNull}},
		updateMethod: "PATCH", createStatus: 201, deleteBody: "id", cost: 20},
	objActivityType: {name: "activityType", title: "Activity type", path: "activityTypes", paging: pageNone, times: timeV1, readOnly: true, cost: 20},
	objCurrency:     {name: "currency", title: "Currency", path: "currencies", paging: pageNone, readOnly: true, cost: 20},
	objFile: {name: "file", title: "File", path: "files", paging: pageStart, times: timeV1,
		sortKeys: []string{"id", "user_id", "deal_id", "person_id", "org_id", "product_id", "add_time", "update_time", "file_name", "file_size"},
		readOnly: true, cost: 20},
	objFilter: {name: "filter", title: "Filter", path: "filters", paging: pageNone, times: timeV1, filters: []string{"type"}, label: "name",
		create:       []objField{{"name", fString}, {"conditions", fObject}, {"type", fString}},
		update:       []objField{{"name", fString}, {"conditions", fObject}},
		updateMethod: "PUT", createStatus: 200, deleteBody: "id", cost: 20},
	objDealProduct: {name: "dealProduct", title: "Deal product", path: "deals/products", v2: true, paging: pageCursor, times: timeV2,
		sortKeys: []string{"id", "deal_id", "add_time", "update_time", "order_nr"},
		create: []objField{{"product_id", fInt}, {"item_price", fNumber}, {"quantity", fNumber}, {"discount", fNumber}, {"discount_type", fString},
			{"tax", fNumber}, {"tax_method", fString}, {"comments", fString}, {"is_enabled", fBool}, {"product_variation_id", fIntOrNull},
			{"billing_frequency", fString}, {"billing_frequency_cycles", fIntOrNull}, {"billing_start_date", fStringOrNull}},
		update: []objField{{"product_id", fInt}, {"item_price", fNumber}, {"quantity", fNumber}, {"discount", fNumber}, {"discount_type", fString},
			{"tax", fNumber}, {"tax_method", fString}, {"comments", fString}, {"is_enabled", fBool}, {"product_variation_id", fIntOrNull},
			{"billing_frequency", fString}, {"billing_frequency_cycles", fIntOrNull}, {"billing_start_date", fStringOrNull}},
		updateMethod: "PATCH", createStatus: 201, deleteBody: "id", cost: 10},
}

// obj is one record of a generic entity. Like the v2 records it is
// immutable once stored: a write stores a new obj.
type obj struct {
	id      int64  // numeric id (leads: the order they were made in)
	sid     string // leads: the UUID id; "" otherwise
	add     int64  // unix seconds
	upd     int64
	deleted bool
	vals    map[string]any
	body    []byte // rendered JSON
}

func newObj(id int64, sid string, add, upd int64, deleted bool, vals map[string]any) *obj {
	o := &obj{id: id, sid: sid, add: add, upd: upd, deleted: deleted, vals: vals}
	o.body = mustJSON(vals)
	return o
}

// key is the record's id as the API shows it.
func (o *obj) key() string {
	if o.sid != "" {
		return o.sid
	}
	return itoa(o.id)
}

// objStore holds one generic entity's records.
type objStore struct {
	mu     sync.RWMutex
	kind   objKind
	byKey  map[string]*obj
	maxID  int64
	maxUpd int64
}

func newObjStore(k objKind, objs []*obj) *objStore {
	st := &objStore{kind: k, byKey: make(map[string]*obj, len(objs))}
	for _, o := range objs {
		st.putLocked(o)
	}
	return st
}

func (st *objStore) putLocked(o *obj) {
	st.byKey[o.key()] = o
	st.maxID = max(st.maxID, o.id)
	st.maxUpd = max(st.maxUpd, o.upd)
}

func (st *objStore) get(key string) *obj {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.byKey[key]
}

// live returns the records not deleted, in id order.
func (st *objStore) live() []*obj {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]*obj, 0, len(st.byKey))
	for _, o := range st.byKey {
		if !o.deleted {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *obj) int { return cmpInt(a.id, b.id) })
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// formatTime renders unix seconds in the entity's format.
func (sp *objSpec) formatTime(sec int64) string {
	switch sp.times {
	case timeV1:
		return v1Time(sec)
	case timeLead:
		return time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return v2Time(sec)
}

// ---- listing ----

// objQuery is a parsed list request.
type objQuery struct {
	sortKey  string
	desc     bool
	then     []sortField // v1: further sort fields, for ties
	since    int64
	hasSince bool
	eq       map[string]string // filter param -> wanted value
	archived *bool             // leads: which list
	dealIDs  map[int64]bool    // deal products: deal_ids
}

func (q *objQuery) match(o *obj) bool {
	if o.deleted {
		return false
	}
	if q.hasSince && o.upd < q.since {
		return false
	}
	if q.archived != nil && o.vals["is_archived"] != *q.archived {
		return false
	}
	if q.dealIDs != nil {
		id, _ := o.vals["deal_id"].(int64)
		if !q.dealIDs[id] {
			return false
		}
	}
	for k, want := range q.eq {
		if fmt.Sprint(o.vals[k]) != want {
			return false
		}
	}
	return true
}

// sortField is one field of a v1 sort.
type sortField struct {
	key  string
	desc bool
}

// sortValue is o's value for sorting by key: numbers compare as numbers,
// the rest as text, null first. Leads' ids are UUIDs: they sort as text.
func (o *obj) sortValue(key string) (float64, string, bool) {
	switch key {
	case "id":
		if o.sid != "" {
			return 0, o.sid, false
		}
		return float64(o.id), "", true
	case "add_time":
		return float64(o.add), "", true
	case "update_time":
		return float64(o.upd), "", true
	}
	switch v := o.vals[key].(type) {
	case int64:
		return float64(v), "", true
	case int:
		return float64(v), "", true
	case float64:
		return v, "", true
	case bool:
		if v {
			return 1, "", true
		}
		return 0, "", true
	case string:
		return 0, v, false
	}
	return -1e18, "", true
}

// cmpKey compares a and b by key alone (0 on a tie).
func cmpKey(key string, a, b *obj) int {
	an, as, anum := a.sortValue(key)
	bn, bs, bnum := b.sortValue(key)
	switch {
	case anum && bnum && an != bn:
		if an < bn {
			return -1
		}
		return 1
	case !anum || !bnum:
		return strings.Compare(as, bs)
	}
	return 0
}

func cmpObj(key string, a, b *obj) int {
	if c := cmpKey(key, a, b); c != 0 {
		return c
	}
	return cmpInt(a.id, b.id)
}

// selected returns the records a list request selects, sorted.
func (st *objStore) selected(q *objQuery) []*obj {
	st.mu.RLock()
	all := make([]*obj, 0, len(st.byKey))
	for _, o := range st.byKey {
		if q.match(o) {
			all = append(all, o)
		}
	}
	st.mu.RUnlock()
	slices.SortFunc(all, func(a, b *obj) int {
		c := cmpKey(q.sortKey, a, b)
		if q.desc {
			c = -c
		}
		for _, f := range q.then {
			if c != 0 {
				break
			}
			if c = cmpKey(f.key, a, b); f.desc {
				c = -c
			}
		}
		if c == 0 {
			// Ties go by the order records were made in, in the sort's
			// direction.
			c = cmpInt(a.id, b.id)
			if q.desc {
				c = -c
			}
		}
		return c
	})
	return all
}

func (s *Sandbox) listObj(rq *request, k objKind, q *objQuery) reply {
	sp := &objSpecs[k]
	if q == nil {
		q = &objQuery{}
	}
	q.sortKey = "id"
	if sp.v2 {
		if v := rq.q.Get("sort_by"); v != "" {
			if !slices.Contains(sp.sortKeys, v) {
				return apiError(400, fmt.Sprintf("Validation failed: sort_by: Parameter 'sort_by' must be one of %s", strings.Join(sp.sortKeys, ", ")))
			}
			q.sortKey = v
		}
		switch rq.q.Get("sort_direction") {
		case "", "asc":
		case "desc":
			q.desc = true
		default:
			return apiError(400, "Validation failed: sort_direction: Parameter 'sort_direction' must be one of asc, desc")
		}
	} else if v := strings.TrimSpace(rq.q.Get("sort")); v != "" && sp.paging != pageNone {
		// v1: "field_1 ASC, field_2 DESC".
		for i, part := range strings.Split(v, ",") {
			f := strings.Fields(part)
			if len(f) == 0 || len(f) > 2 || !slices.Contains(sp.sortKeys, f[0]) {
				return apiError(400, fmt.Sprintf("Validation failed: sort: field must be one of %s, optionally followed by ASC or DESC", strings.Join(sp.sortKeys, ", ")))
			}
			sf := sortField{key: f[0]}
			if len(f) == 2 {
				switch strings.ToUpper(f[1]) {
				case "ASC":
				case "DESC":
					sf.desc = true
				default:
					return apiError(400, "Validation failed: sort: the direction must be ASC or DESC")
				}
			}
			if i == 0 {
				q.sortKey, q.desc = sf.key, sf.desc
			} else {
				q.then = append(q.then, sf)
			}
		}
	}
	if sp.updatedSince {
		var err error
		if q.since, q.hasSince, err = parseRFC3339(rq.q, "updated_since"); err != nil {
			return apiError(400, err.Error())
		}
	}
	for _, f := range sp.filters {
		if v := rq.q.Get(f); v != "" {
			if q.eq == nil {
				q.eq = map[string]string{}
			}
			q.eq[f] = v
		}
	}
	if k == objCurrency {
		if term := strings.ToLower(rq.q.Get("term")); term != "" {
			return s.currencies(term)
		}
	}
	all := s.objs[k].selected(q)
	switch sp.paging {
	case pageNone:
		data := make([]json.RawMessage, len(all))
		for i, o := range all {
			data[i] = o.body
			if k == objFilter {
				// The list leaves out each filter's conditions.
				v := make(map[string]any, len(o.vals))
				for key, val := range o.vals {
					if key != "conditions" {
						v[key] = val
					}
				}
				data[i] = mustJSON(v)
			}
		}
		return s.okJSON(200, data, nil, sp.cost)
	case pageStart:
		start, limit, err := parseStartLimit(rq.q)
		if err != nil {
			return apiError(400, err.Error())
		}
		extra := appendPagination
		if k == objLead {
			// Leads answer start, limit and more_items_in_collection right
			// in additional_data, without next_start.
			extra = func(b []byte, start, limit int, more bool) []byte {
				return append(b, mustJSON(map[string]any{"start": start, "limit": limit, "more_items_in_collection": more})...)
			}
		}
		return reply{status: 200, body: startLimitPage(all, start, limit, objBody, extra), cost: sp.cost}
	}
	start, limit, err := parseCursorLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	return reply{status: 200, body: offsetCursorPage(all, start, limit, objBody), cost: sp.cost}
}

func (s *Sandbox) currencies(term string) reply {
	var data []json.RawMessage
	for _, o := range s.objs[objCurrency].live() {
		code, _ := o.vals["code"].(string)
		name, _ := o.vals["name"].(string)
		if strings.Contains(strings.ToLower(code), term) || strings.Contains(strings.ToLower(name), term) {
			data = append(data, o.body)
		}
	}
	if data == nil {
		data = []json.RawMessage{}
	}
	return s.okJSON(200, data, nil, 20)
}

func notFoundObj(k objKind) reply { return apiError(404, objSpecs[k].title+" not found") }

func (s *Sandbox) getObj(k objKind, key string) reply {
	o := s.objs[k].get(key)
	if o == nil || o.deleted {
		return notFoundObj(k)
	}
	cost := 1
	if !objSpecs[k].v2 {
		cost = 2
	}
	return s.okRaw(200, o.body, cost)
}

// ---- writes ----

// checkField validates one body value against its declared type; v2 is
// strict (no "1" for 1), and so is the sandbox's v1.
func checkField(f objField, raw json.RawMessage) (any, error) {
	t := bytes.TrimSpace(raw)
	isNull := string(t) == "null"
	bad := func(what string) error {
		return fmt.Errorf("Validation failed: %s: Parameter '%s' must be %s", f.key, f.key, what)
	}
	switch f.typ {
	case fIntOrNull, fStringOrNull:
		if isNull {
			return nil, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bad("valid JSON")
	}
	switch f.typ {
	case fString, fStringOrNull:
		s, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		return s, nil
	case fInt, fIntOrNull:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad("an integer")
		}
		i, err := n.Int64()
		if err != nil {
			return nil, bad("an integer")
		}
		return i, nil
	case fNumber:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad("a number")
		}
		x, _ := n.Float64()
		return x, nil
	case fBool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("a boolean")
		}
		return b, nil
	case fArray:
		if _, ok := v.([]any); !ok {
			return nil, bad("an array")
		}
		return json.RawMessage(t), nil
	default:
		if _, ok := v.(map[string]any); !ok && !isNull {
			return nil, bad("an object")
		}
		return json.RawMessage(t), nil
	}
}

// applyObj applies a write body to vals (a copy is made), keeping only
// the writable fields.
func applyObj(fields []objField, vals map[string]any, raw []byte) (map[string]any, map[string]bool, error) {
	patch := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &patch); err != nil || patch == nil {
			return nil, nil, fmt.Errorf("Invalid request body: must be a JSON object")
		}
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		out[k] = v
	}
	set := map[string]bool{}
	for _, f := range fields {
		raw, ok := patch[f.key]
		if !ok {
			continue
		}
		v, err := checkField(f, raw)
		if err != nil {
			return nil, nil, err
		}
		out[f.key] = v
		set[f.key] = true
	}
	return out, set, nil
}

func (s *Sandbox) createObj(rq *request, k objKind, fixed map[string]any) reply {
	defer s.writes.Add(1)
	sp := &objSpecs[k]
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	st := s.objs[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	ts := max(s.now(), st.maxUpd)
	id := st.maxID + 1
	vals := s.objDefaults(k, id, ts, rq.who.user)
	for key, v := range fixed {
		vals[key] = v
	}
	vals, set, err := applyObj(sp.create, vals, raw)
	if err != nil {
		return apiError(400, err.Error())
	}
	if k == objLead {
		if err := s.leadCustom(s.withLeadCustom(vals), raw); err != nil {
			return apiError(400, err.Error())
		}
	}
	if err := s.finishObj(k, vals, set, true); err != nil {
		return apiError(400, err.Error())
	}
	o := newObj(id, leadUUID(k, id), ts, ts, false, vals)
	if o.sid != "" {
		vals["id"] = o.sid
		o = newObj(id, o.sid, ts, ts, false, vals)
	}
	st.putLocked(o)
	return s.okRaw(sp.createStatus, o.body, 5)
}

func (s *Sandbox) updateObj(rq *request, k objKind, key string) reply {
	defer s.writes.Add(1)
	sp := &objSpecs[k]
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	st := s.objs[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.byKey[key]
	if prev == nil || prev.deleted {
		return notFoundObj(k)
	}
	vals, set, err := applyObj(sp.update, prev.vals, raw)
	if err != nil {
		return apiError(400, err.Error())
	}
	if k == objLead {
		if err := s.leadCustom(vals, raw); err != nil {
			return apiError(400, err.Error())
		}
	}
	if err := s.finishObj(k, vals, set, false); err != nil {
		return apiError(400, err.Error())
	}
	ts := max(s.now(), st.maxUpd)
	vals["update_time"] = sp.formatTime(ts)
	o := newObj(prev.id, prev.sid, prev.add, ts, false, vals)
	st.putLocked(o)
	return s.okRaw(200, o.body, 5)
}

func (s *Sandbox) deleteObj(k objKind, key string) reply {
	defer s.writes.Add(1)
	sp := &objSpecs[k]
	st := s.objs[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.byKey[key]
	if prev == nil || prev.deleted {
		return notFoundObj(k)
	}
	ts := max(s.now(), st.maxUpd)
	vals := make(map[string]any, len(prev.vals))
	for k, v := range prev.vals {
		vals[k] = v
	}
	if _, ok := vals["is_deleted"]; ok {
		vals["is_deleted"] = true
	}
	if _, ok := vals["active_flag"]; ok {
		vals["active_flag"] = false
	}
	if _, ok := vals["update_time"]; ok {
		vals["update_time"] = sp.formatTime(ts)
	}
	st.putLocked(newObj(prev.id, prev.sid, prev.add, ts, true, vals))
	if sp.deleteBody == "true" {
		return reply{status: 200, body: []byte(`{"success":true,"data":true}`), cost: 3}
	}
	return reply{status: 200, body: []byte(`{"success":true,"data":{"id":` + string(mustJSON(prev.vals["id"])) + `}}`), cost: 3}
}

// finishObj validates a written record and fills what Pipedrive derives.
func (s *Sandbox) finishObj(k objKind, vals map[string]any, set map[string]bool, create bool) error {
	sp := &objSpecs[k]
	if sp.label != "" {
		if v, _ := vals[sp.label].(string); strings.TrimSpace(v) == "" {
			return fmt.Errorf("Validation failed: %s: Parameter '%s' is required", sp.label, sp.label)
		}
	}
	switch k {
	case objStage:
		pid, _ := vals["pipeline_id"].(int64)
		if s.objs[objPipeline].get(itoa(pid)) == nil {
			return fmt.Errorf("Validation failed: pipeline_id: pipeline %d does not exist", pid)
		}
		if p, _ := vals["deal_probability"].(int64); p < 0 || p > 100 {
			return fmt.Errorf("Validation failed: deal_probability: must be between 0 and 100")
		}
	case objNote:
		if vals["deal_id"] == nil && vals["person_id"] == nil && vals["org_id"] == nil && vals["lead_id"] == nil {
			return fmt.Errorf("Validation failed: a note needs one of deal_id, person_id, org_id or lead_id")
		}
		refs := []struct {
			key, obj, what string
			k              kind
		}{{"deal_id", "deal", "deal", kindDeal}, {"person_id", "person", "person", kindPerson}, {"org_id", "organization", "organization", kindOrganization}}
		for _, ref := range refs {
			id, ok := vals[ref.key].(int64)
			if !ok {
				vals[ref.obj] = nil
				continue
			}
			r := s.stores[ref.k].get(id)
			if r == nil || r.deleted {
				return fmt.Errorf("Validation failed: %s: %s %d does not exist", ref.key, ref.what, id)
			}
			// v1 embeds the referenced record's name.
			switch it := r.item.(type) {
			case *deal:
				vals[ref.obj] = map[string]any{"title": it.Title}
			case *person:
				vals[ref.obj] = map[string]any{"name": it.Name}
			case *organization:
				vals[ref.obj] = map[string]any{"name": it.Name}
			}
		}
	case objLead:
		if vals["person_id"] == nil && vals["organization_id"] == nil {
			return fmt.Errorf("Validation failed: a lead needs a person_id or an organization_id")
		}
		if v, ok := vals["value"].(json.RawMessage); ok && string(v) != "null" {
			var m struct {
				Amount   *float64 `json:"amount"`
				Currency string   `json:"currency"`
			}
			if err := json.Unmarshal(v, &m); err != nil || m.Amount == nil || !currencyRE.MatchString(m.Currency) {
				return fmt.Errorf(`Validation failed: value: must be {"amount": number, "currency": "ISO code"}`)
			}
		}
	case objFilter:
		if create {
			if _, ok := set["conditions"]; !ok {
				return fmt.Errorf("Validation failed: conditions: Parameter 'conditions' is required")
			}
			t, _ := vals["type"].(string)
			if !slices.Contains([]string{"deals", "leads", "org", "people", "products", "activity", "projects"}, t) {
				return fmt.Errorf("Validation failed: type: Parameter 'type' must be one of deals, leads, org, people, products, activity, projects")
			}
		}
		if c, ok := vals["conditions"].(json.RawMessage); ok {
			var m struct {
				Glue       string `json:"glue"`
				Conditions []any  `json:"conditions"`
			}
			// Pipedrive's filters join their condition groups with "and" at
			// the top; "or" is only for the groups inside.
			if json.Unmarshal(c, &m) != nil || m.Glue != "and" {
				return fmt.Errorf(`Validation failed: conditions: must be {"glue": "and", "conditions": [groups]}`)
			}
		}
	case objDealProduct:
		pid, _ := vals["product_id"].(int64)
		pr := s.stores[kindProduct].get(pid)
		if pr == nil || pr.deleted {
			return fmt.Errorf("Validation failed: product_id: product %d does not exist", pid)
		}
		if create {
			for _, req := range []string{"product_id", "item_price", "quantity"} {
				if !set[req] {
					return fmt.Errorf("Validation failed: %s: Parameter '%s' is required", req, req)
				}
			}
		}
		if !slices.Contains([]string{"percentage", "amount"}, vals["discount_type"].(string)) {
			return fmt.Errorf("Validation failed: discount_type: must be percentage or amount")
		}
		if !slices.Contains([]string{"exclusive", "inclusive", "none"}, vals["tax_method"].(string)) {
			return fmt.Errorf("Validation failed: tax_method: must be exclusive, inclusive or none")
		}
		vals["name"] = pr.item.(*product).Name
		vals["sum"] = dealProductSum(vals)
	}
	return nil
}

// dealProductSum is quantity x price less the discount, plus exclusive tax.
func dealProductSum(vals map[string]any) float64 {
	f := func(k string) float64 { v, _ := vals[k].(float64); return v }
	sum := f("quantity") * f("item_price")
	if vals["discount_type"] == "percentage" {
		sum -= sum * f("discount") / 100
	} else {
		sum -= f("discount")
	}
	if vals["tax_method"] == "exclusive" {
		sum += sum * f("tax") / 100
	}
	return float64(int64(sum*100+0.5)) / 100
}

// leadUUID gives lead number id a UUID (other kinds: "").
func leadUUID(k objKind, id int64) string {
	if k != objLead {
		return ""
	}
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(id*2654435761), uint16(id>>16), uint16(id)&0xfff, uint16(id*7)&0xfff, (uint64(id)*0x9e3779b97f4a)&0xffffffffffff)
}

// objDefaults is a new record's starting point, before the body applies.
func (s *Sandbox) objDefaults(k objKind, id, ts int64, user int64) map[string]any {
	sp := &objSpecs[k]
	t := sp.formatTime(ts)
	switch k {
	case objPipeline:
		return map[string]any{"id": id, "name": "", "order_nr": id, "is_deleted": false, "is_deal_probability_enabled": false, "add_time": t, "update_time": t}
	case objStage:
		return map[string]any{"id": id, "order_nr": id, "name": "", "is_deleted": false, "deal_probability": int64(100), "pipeline_id": int64(0),
			"is_deal_rot_enabled": false, "days_to_rotten": nil, "add_time": t, "update_time": t}
	case objNote:
		return s.noteVals(id, t, t, user, "", nil, nil, nil, nil)
	case objLead:
		return map[string]any{"id": "", "title": "", "owner_id": user, "creator_id": user, "label_ids": json.RawMessage(`[]`), "person_id": nil,
			"organization_id": nil, "source_name": "API", "origin": "API", "origin_id": nil, "channel": nil, "channel_id": nil, "source_deal_id": nil,
			"is_archived": false, "was_seen": false, "value": nil, "expected_close_date": nil, "next_activity_id": nil, "add_time": t, "update_time": t,
			"visible_to": "3", "cc_email": fmt.Sprintf("sandbox+lead%d@pipedrivemail.com", id)}
	case objFilter:
		return map[string]any{"id": id, "name": "", "filter_code": nil, "is_editable": true, "active_flag": true, "type": "", "temporary_flag": nil,
			"user_id": user, "add_time": t, "update_time": t, "visible_to": "1", "last_used_time": nil, "custom_view_id": nil,
			"conditions": json.RawMessage(`{"glue":"and","conditions":[]}`)}
	case objDealProduct:
		return map[string]any{"id": id, "sum": 0.0, "tax": 0.0, "deal_id": int64(0), "name": "", "product_id": int64(0), "product_variation_id": nil,
			"order_nr": id, "add_time": t, "update_time": t, "comments": "", "currency": "USD", "discount": 0.0, "discount_type": "percentage",
			"quantity": 1.0, "item_price": 0.0, "tax_method": "inclusive", "is_enabled": true, "billing_frequency": "one-time",
			"billing_frequency_cycles": nil, "billing_start_date": nil}
	}
	return map[string]any{"id": id}
}

// noteVals builds a note; its deal, person, organization and user objects
// carry the referenced records' names, as v1 embeds them.
func (s *Sandbox) noteVals(id int64, add, upd string, user int64, content string, dealID, personID, orgID *int64, leadID *string) map[string]any {
	v := map[string]any{"id": id, "active_flag": true, "add_time": add, "update_time": upd, "content": content,
		"deal": nil, "deal_id": nil, "lead_id": nil, "last_update_user_id": user, "org_id": nil, "organization": nil,
		"person": nil, "person_id": nil, "project_id": nil, "project": nil, "task_id": nil, "task": nil,
		"pinned_to_deal_flag": false, "pinned_to_organization_flag": false, "pinned_to_person_flag": false,
		"pinned_to_project_flag": false, "pinned_to_task_flag": false, "user_id": user, "user": nil}
	if dealID != nil {
		v["deal_id"] = *dealID
		if r := s.stores[kindDeal].get(*dealID); r != nil {
			v["deal"] = map[string]any{"title": r.item.(*deal).Title}
		}
	}
	if personID != nil {
		v["person_id"] = *personID
		if r := s.stores[kindPerson].get(*personID); r != nil {
			v["person"] = map[string]any{"name": r.item.(*person).Name}
		}
	}
	if orgID != nil {
		v["org_id"] = *orgID
		if r := s.stores[kindOrganization].get(*orgID); r != nil {
			v["organization"] = map[string]any{"name": r.item.(*organization).Name}
		}
	}
	if leadID != nil {
		v["lead_id"] = *leadID
	}
	if u := s.users.get(user, 1); u != nil {
		icon := ""
		if u.IconURL != nil {
			icon = *u.IconURL
		}
		v["user"] = map[string]any{"email": u.Email, "icon_url": icon, "is_you": user == 1, "name": u.Name}
	}
	return v
}

// ---- routing ----

// routeObjV2 serves /api/v2/pipelines, /stages and the deal product
// endpoints; ok is false for other paths.
func (s *Sandbox) routeObjV2(rq *request, segs []string) (reply, bool) {
	m := rq.r.Method
	switch {
	case segs[0] == "pipelines" || segs[0] == "stages":
		k := objPipeline
		if segs[0] == "stages" {
			k = objStage
		}
		return s.objCRUD(rq, k, segs[1:], nil), true
	case segs[0] == "deals" && len(segs) == 2 && segs[1] == "products":
		if m != "GET" {
			return methodNotAllowed("GET"), true
		}
		v := rq.q.Get("deal_ids")
		if v == "" {
			return apiError(400, "Validation failed: deal_ids: Parameter 'deal_ids' is required"), true
		}
		q := &objQuery{dealIDs: map[int64]bool{}}
		parts := strings.Split(v, ",")
		if len(parts) > 100 {
			return apiError(400, "Validation failed: deal_ids: Parameter 'deal_ids' must contain at most 100 items"), true
		}
		for _, p := range parts {
			id, ok := parseID(strings.TrimSpace(p))
			if !ok {
				return apiError(400, "Validation failed: deal_ids: Parameter 'deal_ids' must be a comma-separated list of integers"), true
			}
			q.dealIDs[id] = true
		}
		return s.listObj(rq, objDealProduct, q), true
	case segs[0] == "deals" && len(segs) >= 3 && segs[2] == "products":
		dealID, ok := parseID(segs[1])
		if !ok {
			return apiError(400, "Validation failed: id: Parameter 'id' must be an integer"), true
		}
		if r := s.stores[kindDeal].get(dealID); r == nil || r.deleted {
			return notFoundEntity(kindDeal), true
		}
		switch len(segs) {
		case 3:
			switch m {
			case "GET":
				return s.listObj(rq, objDealProduct, &objQuery{dealIDs: map[int64]bool{dealID: true}}), true
			case "POST":
				d := s.stores[kindDeal].get(dealID).item.(*deal)
				return s.createObj(rq, objDealProduct, map[string]any{"deal_id": dealID, "currency": d.Currency}), true
			}
			return methodNotAllowed("GET, POST"), true
		case 4:
			o := s.objs[objDealProduct].get(segs[3])
			if o == nil || o.deleted || o.vals["deal_id"] != dealID {
				return notFoundObj(objDealProduct), true
			}
			switch m {
			case "PATCH":
				return s.updateObj(rq, objDealProduct, segs[3]), true
			case "DELETE":
				return s.deleteObj(objDealProduct, segs[3]), true
			}
			return methodNotAllowed("PATCH, DELETE"), true
		}
	}
	return reply{}, false
}

// routeObjV1 serves /v1/notes, /leads, /activityTypes, /currencies, /files
// and /filters; ok is false for other paths.
func (s *Sandbox) routeObjV1(rq *request, segs []string) (reply, bool) {
	if len(segs) == 1 && (segs[0] == "noteFields" || segs[0] == "leadFields") {
		if rq.r.Method != "GET" {
			return methodNotAllowed("GET"), true
		}
		if segs[0] == "noteFields" {
			return s.listObjFields(rq, objNote), true
		}
		return s.listObjFields(rq, objLead), true
	}
	for k := objKind(0); k < numObjKinds; k++ {
		sp := &objSpecs[k]
		if sp.v2 || segs[0] != sp.path {
			continue
		}
		if k == objLead {
			archived := len(segs) == 2 && segs[1] == "archived"
			if len(segs) == 1 || archived {
				if rq.r.Method == "GET" {
					return s.listObj(rq, k, &objQuery{archived: &archived}), true
				}
			}
			if archived {
				return methodNotAllowed("GET"), true
			}
		}
		return s.objCRUD(rq, k, segs[1:], nil), true
	}
	return reply{}, false
}

// objCRUD serves a collection (rest empty) or one record (rest = [id]).
func (s *Sandbox) objCRUD(rq *request, k objKind, rest []string, q *objQuery) reply {
	sp := &objSpecs[k]
	m := rq.r.Method
	switch len(rest) {
	case 0:
		switch {
		case m == "GET":
			return s.listObj(rq, k, q)
		case m == "POST" && !sp.readOnly:
			return s.createObj(rq, k, nil)
		}
		if sp.readOnly {
			return methodNotAllowed("GET")
		}
		return methodNotAllowed("GET, POST")
	case 1:
		key := rest[0]
		if k != objLead {
			if _, ok := parseID(key); !ok {
				return apiError(400, "Validation failed: id: Parameter 'id' must be an integer")
			}
		}
		allow := "GET, " + sp.updateMethod + ", DELETE"
		switch {
		case m == "GET" && sp.paging != pageNone || m == "GET" && k == objFilter:
			return s.getObj(k, key)
		case !sp.readOnly && m == sp.updateMethod:
			return s.updateObj(rq, k, key)
		case !sp.readOnly && m == "DELETE":
			return s.deleteObj(k, key)
		}
		if sp.readOnly {
			allow = "GET"
			if sp.paging == pageNone {
				allow = ""
			}
		}
		if allow == "" {
			return notFound()
		}
		return methodNotAllowed(allow)
	}
	return notFound()
}

// objCount is how many live records a generic entity has.
func (s *Sandbox) objCount(name string) (int, bool) {
	for k := objKind(0); k < numObjKinds; k++ {
		sp := &objSpecs[k]
		if name == sp.name || name == sp.path || strings.EqualFold(strings.ReplaceAll(name, "_", ""), sp.name) {
			return len(s.objs[k].live()), true
		}
	}
	return 0, false
}

// activityTypeOK reports whether key is an active activity type's
// key_string.
func (s *Sandbox) activityTypeOK(key string) bool {
	for _, o := range s.objs[objActivityType].live() {
		if o.vals["key_string"] == key && o.vals["active_flag"] == true {
			return true
		}
	}
	return false
}
