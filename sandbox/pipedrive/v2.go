package pipedrive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultLimit = 100
	maxLimit     = 500
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// parseLimit applies Pipedrive's limit rules: default 100, 1..500, and a
// 400 beyond.
func parseLimit(s string) (int, error) {
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("Validation failed: limit: Parameter 'limit' must be an integer")
	case n < 1:
		return 0, fmt.Errorf("Validation failed: limit: Parameter 'limit' must be greater than or equal to 1")
	case n > maxLimit:
		return 0, fmt.Errorf("Validation failed: limit: Parameter 'limit' must be less than or equal to %d", maxLimit)
	}
	return n, nil
}

func parseRFC3339(q url.Values, name string) (int64, bool, error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, false, fmt.Errorf("Validation failed: %s: Parameter '%s' must be a valid RFC 3339 date-time, e.g. 2025-01-01T10:20:00Z", name, name)
	}
	// Records have whole seconds: >= 10:00:00.5 means >= 10:00:01, and
	// < 10:00:00.5 means < 10:00:01.
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec, true, nil
}

// idFilter is a query parameter that filters on an id-valued record field.
type idFilter struct {
	param string
	get   func(item) *int64
}

var extraFilters = [numKinds][]idFilter{
	kindPerson: {{"org_id", func(it item) *int64 { return it.(*person).OrgID }}},
	kindDeal: {
		{"person_id", func(it item) *int64 { return it.(*deal).PersonID }},
		{"org_id", func(it item) *int64 { return it.(*deal).OrgID }},
		{"pipeline_id", func(it item) *int64 { return &it.(*deal).PipelineID }},
		{"stage_id", func(it item) *int64 { return &it.(*deal).StageID }},
	},
	kindActivity: {
		{"deal_id", func(it item) *int64 { return it.(*activity).DealID }},
		{"person_id", func(it item) *int64 { return it.(*activity).PersonID }},
		{"org_id", func(it item) *int64 { return it.(*activity).OrgID }},
	},
}

// listV2 answers GET /api/v2/<plural>; archived selects deals' archived
// list (/api/v2/deals/archived), which /api/v2/deals leaves out.
func (s *Sandbox) listV2(rq *request, k kind, archived bool) reply {
	spec := &entitySpecs[k]
	q := &listQuery{}
	var err error
	if q.limit, err = parseLimit(rq.q.Get("limit")); err != nil {
		return apiError(400, err.Error())
	}
	sortBy := rq.q.Get("sort_by")
	if sortBy == "" {
		sortBy = "id"
	}
	if !slices.Contains(spec.sortKeys, sortBy) {
		return apiError(400, fmt.Sprintf("Validation failed: sort_by: Parameter 'sort_by' must be one of %s", strings.Join(spec.sortKeys, ", ")))
	}
	q.key, _ = parseSortKey(sortBy)
	switch rq.q.Get("sort_direction") {
	case "", "asc":
	case "desc":
		q.desc = true
	default:
		return apiError(400, "Validation failed: sort_direction: Parameter 'sort_direction' must be one of asc, desc")
	}
	if c := rq.q.Get("cursor"); c != "" {
		key, desc, p, err := decodeCursor(c)
		if err != nil || !slices.Contains(spec.sortKeys, sortKeyNames[key]) {
			return apiError(400, errBadCursor.Error())
		}
		// The cursor carries the sort it was made for and wins over sort_by.
		q.key, q.desc, q.after = key, desc, &p
	}
	if spec.updatedFilter {
		if q.since, q.hasSince, err = parseRFC3339(rq.q, "updated_since"); err != nil {
			return apiError(400, err.Error())
		}
		if q.until, q.hasUntil, err = parseRFC3339(rq.q, "updated_until"); err != nil {
			return apiError(400, err.Error())
		}
	}
	if v := rq.q.Get("ids"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) > 100 {
			return apiError(400, "Validation failed: ids: Parameter 'ids' must contain at most 100 items")
		}
		q.ids = map[int64]bool{}
		for _, p := range parts {
			id, ok := parseID(strings.TrimSpace(p))
			if !ok {
				return apiError(400, "Validation failed: ids: Parameter 'ids' must be a comma-separated list of integers")
			}
			q.ids[id] = true
		}
	}
	if v := rq.q.Get("owner_id"); v != "" {
		if q.owner, _ = parseID(v); q.owner == 0 {
			return apiError(400, "Validation failed: owner_id: Parameter 'owner_id' must be an integer")
		}
	}
	var checks []func(item) bool
	for _, f := range extraFilters[k] {
		if v := rq.q.Get(f.param); v != "" {
			want, ok := parseID(v)
			if !ok {
				return apiError(400, fmt.Sprintf("Validation failed: %s: Parameter '%s' must be an integer", f.param, f.param))
			}
			get := f.get
			checks = append(checks, func(it item) bool { p := get(it); return p != nil && *p == want })
		}
	}
	if k == kindDeal {
		checks = append(checks, func(it item) bool { return it.(*deal).IsArchived == archived })
		switch st := rq.q.Get("status"); st {
		case "", "all_not_deleted":
		case "open", "won", "lost":
			checks = append(checks, func(it item) bool { return it.(*deal).Status == st })
		case "deleted":
			// Deleted deals are kept for 30 days and listed only when asked
			// for (status=deleted).
			q.deleted, q.deletedSince = true, s.now()-30*day
		default:
			return apiError(400, "Validation failed: status: Parameter 'status' must be one of open, won, lost, deleted, all_not_deleted")
		}
	}
	extra, rerr := s.includeFields(rq, k)
	if rerr != nil {
		return *rerr
	}
	if k == kindActivity {
		if v := rq.q.Get("done"); v != "" {
			done, err := strconv.ParseBool(v)
			if err != nil || (v != "true" && v != "false") {
				return apiError(400, "Validation failed: done: Parameter 'done' must be a boolean")
			}
			checks = append(checks, func(it item) bool { return it.(*activity).Done == done })
		}
	}
	if len(checks) > 0 {
		q.extraCheck = func(r *record) bool {
			for _, c := range checks {
				if !c(r.item) {
					return false
				}
			}
			return true
		}
	}
	page, more := s.stores[k].list(q)

	buf := s.bufs.Get().(*[]byte)
	b := append((*buf)[:0], `{"success":true,"data":[`...)
	for i, r := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendWithExtra(b, r, extra)
	}
	b = append(b, `],"additional_data":{"next_cursor":`...)
	if more {
		b = append(b, '"')
		b = appendCursor(b, q.key, q.desc, page[len(page)-1])
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, "}}"...)
	*buf = b
	cost := 10
	if archived {
		cost = 20
	}
	return reply{status: 200, body: b, cost: cost, buf: buf}
}

func notFoundEntity(k kind) reply { return apiError(404, entitySpecs[k].title+" not found") }

// getV2 returns a live record; a soft-deleted one is 404, like an id that
// never existed.
func (s *Sandbox) getV2(rq *request, k kind, id int64) reply {
	r := s.stores[k].get(id)
	if r == nil || r.deleted {
		return notFoundEntity(k)
	}
	extra, rerr := s.includeFields(rq, k)
	if rerr != nil {
		return *rerr
	}
	if extra != nil {
		return s.okRaw(200, appendWithExtra(nil, r, extra), 1)
	}
	return s.okRaw(200, r.json(), 1)
}

// writeTime is the update_time of a write: now, but never before the
// newest update_time already stored, so incremental reads always see it.
func (st *store) writeTime(now int64) int64 { return max(now, st.maxUpd) }

func (s *Sandbox) createV2(rq *request, k kind) reply {
	defer s.writes.Add(1)
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	st := s.stores[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	ts := st.writeTime(s.now())
	it, err := s.applyPatch(k, nil, raw, ts, rq.who.user)
	if err != nil {
		return apiError(400, err.Error())
	}
	c := it.core()
	*c.id = st.maxID + 1
	*c.add, *c.upd = v2Time(ts), v2Time(ts)
	if p, ok := it.(*product); ok {
		p.setProductID()
	}
	r := newRecord(it)
	st.put(nil, r)
	return s.okRaw(entitySpecs[k].createStatus, r.json(), 5)
}

func (s *Sandbox) updateV2(rq *request, k kind, id int64) reply {
	defer s.writes.Add(1)
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	st := s.stores[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.byID[id]
	if prev == nil || prev.deleted {
		return notFoundEntity(k)
	}
	ts := st.writeTime(s.now())
	it, err := s.applyPatch(k, prev.item, raw, ts, rq.who.user)
	if err != nil {
		return apiError(400, err.Error())
	}
	c, pc := it.core(), prev.item.core()
	*c.id, *c.add, *c.upd, *c.deleted = id, *pc.add, v2Time(ts), false
	if p, ok := it.(*product); ok {
		p.setProductID()
	}
	r := newRecord(it)
	st.put(prev, r)
	return s.okRaw(200, r.json(), 5)
}

// deleteV2 soft-deletes: the record stays (is_deleted:true, update_time
// bumped) but leaves lists, and GET answers 404.
func (s *Sandbox) deleteV2(k kind, id int64) reply {
	defer s.writes.Add(1)
	st := s.stores[k]
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.byID[id]
	if prev == nil || prev.deleted {
		return notFoundEntity(k)
	}
	it := newItem(k)
	_ = json.Unmarshal(prev.json(), it) // a deep copy: records are immutable
	c := it.core()
	*c.deleted = true
	*c.upd = v2Time(st.writeTime(s.now()))
	if d, ok := it.(*deal); ok {
		d.Status = "deleted" // as Pipedrive marks a deleted deal
	}
	st.put(prev, newRecord(it))
	return reply{status: 200, body: []byte(`{"success":true,"data":{"id":` + itoa(id) + `}}`), cost: 3}
}

// applyPatch merges a JSON body into base (nil: a new record) and returns a
// fresh, validated item. Read-only keys (id, add_time, update_time,
// is_deleted) and unknown keys are ignored; custom_fields merge key by key.
func (s *Sandbox) applyPatch(k kind, base item, raw []byte, ts int64, owner int64) (item, error) {
	patch := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &patch); err != nil || patch == nil {
			return nil, errors.New("Invalid request body: must be a JSON object")
		}
	}
	prev := base
	if base == nil {
		base = defaultItem(k, owner)
	}
	cur := marshalMap(base)
	for key, v := range patch {
		switch key {
		case "id", "add_time", "update_time", "is_deleted":
		case "custom_fields":
			merged, err := s.mergeCustom(k, cur[key], v)
			if err != nil {
				return nil, err
			}
			cur[key] = merged
		default:
			if _, known := cur[key]; known {
				cur[key] = v
			}
		}
	}
	it := newItem(k)
	if err := json.Unmarshal(mustJSON(cur), it); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("Validation failed: %s: Parameter '%s' must be of type %s", te.Field, te.Field, jsonKind(te.Type.Kind().String()))
		}
		return nil, fmt.Errorf("Validation failed: %w", err)
	}
	c := it.core()
	if *c.custom == nil {
		*c.custom = map[string]any{}
	}
	for _, d := range s.reg.customDefs(k) {
		v, ok := (*c.custom)[d.key]
		if !ok {
			(*c.custom)[d.key] = nil
		}
		// Monetary values keep the generated records' key order,
		// {"value":..,"currency":..}, rather than a map's sorted one.
		if m, isMap := v.(map[string]any); isMap && d.typ == "monetary" {
			val, _ := m["value"].(float64)
			cur, _ := m["currency"].(string)
			(*c.custom)[d.key] = monetary{Value: val, Currency: cur}
		}
	}
	if !s.users.exists(*c.owner) {
		return nil, fmt.Errorf("Validation failed: owner_id: user %d does not exist", *c.owner)
	}
	// References to the smaller entities, which the API can create too.
	switch x := it.(type) {
	case *deal:
		st := s.objs[objStage].get(itoa(x.StageID))
		if st == nil || st.deleted {
			return nil, fmt.Errorf("Validation failed: stage_id: stage %d does not exist", x.StageID)
		}
		x.PipelineID = st.vals["pipeline_id"].(int64)
	case *activity:
		if !s.activityTypeOK(x.Type) {
			return nil, fmt.Errorf("Validation failed: type: unknown activity type %q", x.Type)
		}
	}
	// normalize may derive the label (a person's name from first_name and
	// last_name), so the required-field check comes after it.
	if err := it.normalize(prev, patch, v2Time(ts)); err != nil {
		return nil, fmt.Errorf("Validation failed: %w", err)
	}
	if strings.TrimSpace(*c.label) == "" {
		lk := entitySpecs[k].labelKey
		return nil, fmt.Errorf("Validation failed: %s: Parameter '%s' is required", lk, lk)
	}
	return it, nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return goKind
}

// mergeCustom merges a patch's custom_fields into the current ones,
// validating each value against the field registry.
func (s *Sandbox) mergeCustom(k kind, cur, patch json.RawMessage) (json.RawMessage, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, errors.New("Validation failed: custom_fields: Parameter 'custom_fields' must be an object")
	}
	var c map[string]json.RawMessage
	_ = json.Unmarshal(cur, &c)
	if c == nil { // a null (or absent) current value: json sets the map to nil
		c = map[string]json.RawMessage{}
	}
	for key, v := range p {
		d := s.reg.custom(k, key)
		if d == nil {
			return nil, fmt.Errorf("Validation failed: custom_fields: unknown custom field key %q", key)
		}
		if err := s.checkCustom(d, v); err != nil {
			return nil, fmt.Errorf("Validation failed: custom_fields.%s: %w", key, err)
		}
		c[key] = v
	}
	return mustJSON(c), nil
}

// checkCustom validates one v2 custom field value by field type.
func (s *Sandbox) checkCustom(d *fieldDef, raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	isInt := func(x any) (int64, bool) {
		n, ok := x.(json.Number)
		if !ok {
			return 0, false
		}
		i, err := n.Int64()
		return i, err == nil
	}
	switch d.typ {
	case "int":
		if _, ok := isInt(v); !ok {
			return errors.New("must be an integer")
		}
	case "double":
		if _, ok := v.(json.Number); !ok {
			return errors.New("must be a number")
		}
	case "monetary":
		m, ok := v.(map[string]any)
		if !ok {
			return errors.New(`must be an object {"value": number, "currency": "ISO code"}`)
		}
		if _, ok := m["value"].(json.Number); !ok {
			return errors.New("value must be a number")
		}
		if cur, ok := m["currency"].(string); !ok || !currencyRE.MatchString(cur) {
			return errors.New("currency must be a 3-letter ISO 4217 code")
		}
	case "date":
		if str, ok := v.(string); !ok || !validDate(str) {
			return errors.New("must be a date in the format YYYY-MM-DD")
		}
	case "enum":
		id, ok := isInt(v)
		if !ok || !optionExists(d.options, id) {
			return errors.New("must be the id of one of the field's options")
		}
	case "set":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return errors.New("must be a non-empty array of option ids (use null to clear)")
		}
		for _, x := range arr {
			if id, ok := isInt(x); !ok || !optionExists(d.options, id) {
				return errors.New("must contain only ids of the field's options")
			}
		}
	case "user":
		id, ok := isInt(v)
		if !ok || !s.users.exists(id) {
			return errors.New("must be the id of an existing user")
		}
	case "org", "people", "deal":
		if id, ok := isInt(v); !ok || id < 1 {
			return errors.New("must be a positive integer id")
		}
	default:
		if _, ok := v.(string); !ok {
			return errors.New("must be a string")
		}
	}
	return nil
}

// ---- fields ----

func (s *Sandbox) fieldsV2(rq *request, k kind) reply {
	start, limit, err := parseCursorLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	return reply{status: 200, body: offsetCursorPage(s.reg.fields[k], start, limit, fieldV2JSON), cost: 10}
}

func (s *Sandbox) fieldsV1(rq *request, k kind) reply {
	start, limit, err := parseStartLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	return reply{status: 200, body: startLimitPage(s.reg.fields[k], start, limit, fieldV1JSON, appendPagination), cost: 20}
}

func parseStartLimit(q url.Values) (start, limit int, err error) {
	if v := q.Get("start"); v != "" {
		if start, err = strconv.Atoi(v); err != nil || start < 0 {
			return 0, 0, errors.New("Validation failed: start: Parameter 'start' must be a non-negative integer")
		}
	}
	limit, err = parseLimit(q.Get("limit"))
	return start, limit, err
}

// parseCursorLimit reads the limit and the offset cursor of a v2 page
// that is paged by offset (search, *Fields, the v2 object lists); no
// cursor is the first page.
func parseCursorLimit(q url.Values) (start, limit int, err error) {
	if limit, err = parseLimit(q.Get("limit")); err != nil {
		return 0, 0, err
	}
	if c := q.Get("cursor"); c != "" {
		if start, err = decodeOffsetCursor(c); err != nil {
			return 0, 0, err
		}
	}
	return start, limit, nil
}

func paginationJSON(start, limit int, more bool) []byte {
	p := struct {
		Start     int  `json:"start"`
		Limit     int  `json:"limit"`
		More      bool `json:"more_items_in_collection"`
		NextStart *int `json:"next_start,omitempty"`
	}{Start: start, Limit: limit, More: more}
	if more {
		n := start + limit
		p.NextStart = &n
	}
	return mustJSON(p)
}
