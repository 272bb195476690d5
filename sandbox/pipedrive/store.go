package pipedrive

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sortKey is a v2 sort_by value.
type sortKey int

const (
	keyID sortKey = iota
	keyUpdate
	keyAdd
	keyName
	keyDue
	numSortKeys
)

var sortKeyNames = [numSortKeys]string{"id", "update_time", "add_time", "name", "due_date"}

func parseSortKey(s string) (sortKey, bool) {
	for i, n := range sortKeyNames {
		if n == s {
			return sortKey(i), true
		}
	}
	return 0, false
}

func (k sortKey) numeric() bool { return k == keyID || k == keyUpdate || k == keyAdd }

// record is one stored entity. It is immutable once published: a write builds
// a new record, so readers may hold it after releasing the store lock. Only
// the rendered-JSON cache is filled lazily, atomically and idempotently.
type record struct {
	id      int64
	add     int64 // unix seconds
	upd     int64
	owner   int64
	name    string // products: sort_by=name
	due     string // activities: sort_by=due_date
	deleted bool
	item    item
	cache   atomic.Pointer[[]byte]
}

func newRecord(it item) *record {
	c := it.core()
	r := &record{id: *c.id, owner: *c.owner, deleted: *c.deleted, item: it, name: *c.label}
	r.add = parseV2Time(*c.add)
	r.upd = parseV2Time(*c.upd)
	if a, ok := it.(*activity); ok && a.DueDate != nil {
		r.due = *a.DueDate
	}
	return r
}

// json returns the record's v2 JSON, rendering it on first use.
func (r *record) json() []byte {
	if b := r.cache.Load(); b != nil {
		return *b
	}
	b := mustJSON(r.item)
	r.cache.Store(&b)
	return b
}

func (r *record) numKey(k sortKey) int64 {
	switch k {
	case keyUpdate:
		return r.upd
	case keyAdd:
		return r.add
	default:
		return r.id
	}
}

func (r *record) strKey(k sortKey) string {
	if k == keyDue {
		return r.due
	}
	return r.name
}

// pos is a keyset position: a sort value and the id that breaks ties.
type pos struct {
	num int64
	str string
	id  int64
}

func (p pos) of(k sortKey, r *record) pos {
	if k.numeric() {
		return pos{num: r.numKey(k), id: r.id}
	}
	return pos{str: r.strKey(k), id: r.id}
}

// cmpPos orders r against p in ascending (key, id) order.
func cmpPos(k sortKey, r *record, p pos) int {
	if k.numeric() {
		v := r.numKey(k)
		if v != p.num {
			if v < p.num {
				return -1
			}
			return 1
		}
	} else if c := strings.Compare(r.strKey(k), p.str); c != 0 {
		return c
	}
	switch {
	case r.id < p.id:
		return -1
	case r.id > p.id:
		return 1
	}
	return 0
}

// store holds one entity's records: all of them by id (deleted included, for
// GET and DELETE), and the live ones in one sorted slice per allowed sort key.
type store struct {
	mu     sync.RWMutex
	kind   kind
	byID   map[int64]*record
	idx    [numSortKeys][]*record // nil for keys the entity does not sort by
	maxID  int64
	maxUpd int64
}

func newStore(k kind, recs []*record) *store {
	st := &store{kind: k, byID: make(map[int64]*record, len(recs))}
	live := make([]*record, 0, len(recs))
	for _, r := range recs {
		st.byID[r.id] = r
		st.maxID = max(st.maxID, r.id)
		st.maxUpd = max(st.maxUpd, r.upd)
		if !r.deleted {
			live = append(live, r)
		}
	}
	for _, name := range entitySpecs[k].sortKeys {
		key, _ := parseSortKey(name)
		s := make([]*record, len(live))
		copy(s, live)
		slices.SortFunc(s, func(a, b *record) int { return cmpPos(key, a, pos{}.of(key, b)) })
		st.idx[key] = s
	}
	return st
}

// search returns the index of the first record at or after p.
func (st *store) search(k sortKey, p pos) int { return searchIn(st.idx[k], k, p) }

// searchIn returns the index of the first record of s at or after p.
func searchIn(s []*record, k sortKey, p pos) int {
	return sort.Search(len(s), func(i int) bool { return cmpPos(k, s[i], p) >= 0 })
}

// deletedSorted returns the soft-deleted records deleted at or after since,
// sorted by k. Deleted records are few and rarely listed: they are sorted
// when asked for rather than indexed. Callers hold mu.
func (st *store) deletedSorted(k sortKey, since int64) []*record {
	var s []*record
	for _, r := range st.byID {
		if r.deleted && r.upd >= since {
			s = append(s, r)
		}
	}
	slices.SortFunc(s, func(a, b *record) int { return cmpPos(k, a, pos{}.of(k, b)) })
	return s
}

func (st *store) insert(r *record) {
	for k := range st.idx {
		if st.idx[k] == nil {
			continue
		}
		key := sortKey(k)
		i := st.search(key, pos{}.of(key, r))
		s := append(st.idx[k], nil)
		copy(s[i+1:], s[i:])
		s[i] = r
		st.idx[k] = s
	}
}

func (st *store) remove(r *record) {
	for k := range st.idx {
		if st.idx[k] == nil {
			continue
		}
		key := sortKey(k)
		i := st.search(key, pos{}.of(key, r))
		if s := st.idx[k]; i < len(s) && s[i] == r {
			st.idx[k] = append(s[:i], s[i+1:]...)
		}
	}
}

// put publishes r in place of old (nil on create). Callers hold mu.
func (st *store) put(old, r *record) {
	if old != nil && !old.deleted {
		st.remove(old)
	}
	st.byID[r.id] = r
	st.maxID = max(st.maxID, r.id)
	st.maxUpd = max(st.maxUpd, r.upd)
	if !r.deleted {
		st.insert(r)
	}
}

func (st *store) get(id int64) *record {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.byID[id]
}

func (st *store) count() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.idx[keyID])
}

// live returns a copy of the live records in id order (the index itself
// is edited in place by writes).
func (st *store) live() []*record {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return append([]*record(nil), st.idx[keyID]...)
}

// listQuery is a parsed v2 list request.
type listQuery struct {
	key          sortKey
	desc         bool
	after        *pos  // from the cursor: start strictly after this position
	since        int64 // update_time >= since (unix s); 0: none
	until        int64 // update_time < until; 0: none
	hasSince     bool
	hasUntil     bool
	limit        int
	deleted      bool  // list the soft-deleted records (deals' status=deleted) instead
	deletedSince int64 // ... deleted (update_time) at or after this
	ids          map[int64]bool
	owner        int64
	extraCheck   func(*record) bool
}

func (q *listQuery) match(r *record) bool {
	if q.hasSince && r.upd < q.since {
		return false
	}
	if q.hasUntil && r.upd >= q.until {
		return false
	}
	if q.ids != nil && !q.ids[r.id] {
		return false
	}
	if q.owner != 0 && r.owner != q.owner {
		return false
	}
	return q.extraCheck == nil || q.extraCheck(r)
}

// list returns one page of records and whether more follow. The window of
// an update_time sort is found by binary search, so a page costs O(log n +
// limit) however deep the cursor is.
func (st *store) list(q *listQuery) (page []*record, more bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	s := st.idx[q.key]
	if q.deleted {
		s = st.deletedSorted(q.key, q.deletedSince)
	}
	page = make([]*record, 0, min(q.limit, len(s)))
	byUpd := q.key == keyUpdate
	if !q.desc {
		i := 0
		if q.after != nil {
			i = sort.Search(len(s), func(j int) bool { return cmpPos(q.key, s[j], *q.after) > 0 })
		}
		if byUpd && q.hasSince {
			i = max(i, searchIn(s, keyUpdate, pos{num: q.since}))
		}
		for ; i < len(s); i++ {
			r := s[i]
			if byUpd && q.hasUntil && r.upd >= q.until {
				break
			}
			if !q.match(r) {
				continue
			}
			if len(page) == q.limit {
				return page, true
			}
			page = append(page, r)
		}
		return page, false
	}
	i := len(s) - 1
	if q.after != nil {
		i = searchIn(s, q.key, *q.after) - 1
	}
	if byUpd && q.hasUntil {
		i = min(i, searchIn(s, keyUpdate, pos{num: q.until})-1)
	}
	for ; i >= 0; i-- {
		r := s[i]
		if byUpd && q.hasSince && r.upd < q.since {
			break
		}
		if !q.match(r) {
			continue
		}
		if len(page) == q.limit {
			return page, true
		}
		page = append(page, r)
	}
	return page, false
}

// ---- time formats ----

func v2Time(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }
func v1Time(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.DateTime) }

func parseV2Time(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0
	}
	return t.Unix()
}

// marshalMap renders an item as a generic JSON object, for patching.
func marshalMap(v any) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(mustJSON(v), &m)
	return m
}
