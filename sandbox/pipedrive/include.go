package pipedrive

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// includeOptions are the include_fields values each v2 list and get
// accepts, as Pipedrive's OpenAPI definition lists them. Any other value is
// a 400.
var includeOptions = [numKinds][]string{
	kindPerson: {"next_activity_id", "last_activity_id", "open_deals_count", "related_open_deals_count", "closed_deals_count",
		"related_closed_deals_count", "participant_open_deals_count", "participant_closed_deals_count", "email_messages_count",
		"activities_count", "done_activities_count", "undone_activities_count", "files_count", "notes_count", "followers_count",
		"won_deals_count", "related_won_deals_count", "lost_deals_count", "related_lost_deals_count", "last_incoming_mail_time",
		"last_outgoing_mail_time", "marketing_status", "doi_status", "smart_bcc_email"},
	kindOrganization: {"next_activity_id", "last_activity_id", "open_deals_count", "related_open_deals_count", "closed_deals_count",
		"related_closed_deals_count", "email_messages_count", "people_count", "activities_count", "done_activities_count",
		"undone_activities_count", "files_count", "notes_count", "followers_count", "won_deals_count", "related_won_deals_count",
		"lost_deals_count", "related_lost_deals_count", "smart_bcc_email"},
	kindDeal: {"next_activity_id", "last_activity_id", "first_won_time", "products_count", "files_count", "notes_count",
		"followers_count", "email_messages_count", "activities_count", "done_activities_count", "undone_activities_count",
		"participants_count", "last_incoming_mail_time", "last_outgoing_mail_time", "smart_bcc_email", "source_lead_id"},
	kindActivity: {"attendees"},
}

// extraFields renders the include_fields values of one record: key and
// JSON value pairs appended to its object.
type extraFields func(r *record) []byte

// includeFields parses include_fields. The counts the sandbox knows
// (deals, activities and people per person or organization, products per
// deal, activities per deal) are computed from the stores; the others
// answer 0 (counts) or null. Activities' attendees come from their
// participants.
func (s *Sandbox) includeFields(rq *request, k kind) (extraFields, *reply) {
	v := rq.q.Get("include_fields")
	if v == "" {
		return nil, nil
	}
	var keys []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(includeOptions[k], f) {
			r := apiError(400, fmt.Sprintf("Validation failed: include_fields: Parameter 'include_fields' must be a comma-separated list of %s", strings.Join(includeOptions[k], ", ")))
			return nil, &r
		}
		if !slices.Contains(keys, f) {
			keys = append(keys, f)
		}
	}
	counts := s.cachedCounts(k, keys)
	return func(r *record) []byte {
		var b []byte
		for _, key := range keys {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			switch {
			case key == "attendees":
				b = s.appendAttendees(b, r.item.(*activity))
			case key == "source_lead_id":
				b = append(b, mustJSON(r.item.(*deal).SourceLeadID)...)
			case strings.HasSuffix(key, "_count"):
				b = strconv.AppendInt(b, int64(counts[key][r.id]), 10)
			default:
				b = append(b, "null"...)
			}
		}
		return b
	}, nil
}

// relatedCounts counts, per record id of kind k, what the requested
// *_count keys need.
func (s *Sandbox) relatedCounts(k kind, keys []string) map[string]map[int64]int {
	out := map[string]map[int64]int{}
	for _, key := range keys {
		out[key] = map[int64]int{}
	}
	wants := func(key string) bool { _, ok := out[key]; return ok }
	add := func(key string, id *int64) {
		if id != nil && wants(key) {
			out[key][*id]++
		}
	}
	wantsAny := func(keys ...string) bool { return slices.ContainsFunc(keys, wants) }
	activityKeys := []string{"activities_count", "done_activities_count", "undone_activities_count"}
	switch k {
	case kindPerson, kindOrganization:
		ref := func(per *int64, org *int64) *int64 {
			if k == kindPerson {
				return per
			}
			return org
		}
		for _, r := range s.stores[kindDeal].live() {
			if !wantsAny("open_deals_count", "won_deals_count", "lost_deals_count", "closed_deals_count") {
				break
			}
			d := r.item.(*deal)
			id := ref(d.PersonID, d.OrgID)
			switch d.Status {
			case "open":
				add("open_deals_count", id)
			case "won":
				add("won_deals_count", id)
				add("closed_deals_count", id)
			case "lost":
				add("lost_deals_count", id)
				add("closed_deals_count", id)
			}
		}
		for _, r := range s.stores[kindActivity].live() {
			if !wantsAny(activityKeys...) {
				break
			}
			a := r.item.(*activity)
			id := ref(a.PersonID, a.OrgID)
			add("activities_count", id)
			if a.Done {
				add("done_activities_count", id)
			} else {
				add("undone_activities_count", id)
			}
		}
		if k == kindOrganization && wants("people_count") {
			for _, r := range s.stores[kindPerson].live() {
				add("people_count", r.item.(*person).OrgID)
			}
		}
	case kindDeal:
		for _, r := range s.stores[kindActivity].live() {
			if !wantsAny(activityKeys...) {
				break
			}
			a := r.item.(*activity)
			add("activities_count", a.DealID)
			if a.Done {
				add("done_activities_count", a.DealID)
			} else {
				add("undone_activities_count", a.DealID)
			}
		}
		if wants("products_count") {
			for id, n := range s.dealProductCounts() {
				out["products_count"][id] = n
			}
		}
	}
	return out
}

// attendee is one entry of an activity's attendees.
type attendee struct {
	Email       string `json:"email"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	IsOrganizer bool   `json:"is_organizer"`
	PersonID    int64  `json:"person_id"`
}

func (s *Sandbox) appendAttendees(b []byte, a *activity) []byte {
	out := []attendee{}
	for _, p := range a.Participants {
		r := s.stores[kindPerson].get(p.PersonID)
		if r == nil {
			continue
		}
		per := r.item.(*person)
		at := attendee{Name: per.Name, Status: "accepted", PersonID: per.ID}
		if len(per.Emails) > 0 {
			at.Email = per.Emails[0].Value
		}
		out = append(out, at)
	}
	return append(b, mustJSON(out)...)
}

// appendWithExtra appends r's JSON with extra's fields added at its end.
func appendWithExtra(b []byte, r *record, extra extraFields) []byte {
	j := r.json()
	if extra == nil {
		return append(b, j...)
	}
	b = append(b, j[:len(j)-1]...)
	b = append(b, extra(r)...)
	return append(b, '}')
}

// countCache keeps the include_fields counts until the next write, so that
// paging through a list with include_fields does not count every deal and
// activity again for each page.
type countCache struct {
	mu     sync.Mutex
	writes int64 // s.writes when computed
	by     map[string]map[int64]int
}

// cachedCounts is relatedCounts, cached per entity and key until a write.
func (s *Sandbox) cachedCounts(k kind, keys []string) map[string]map[int64]int {
	c := &s.counts
	c.mu.Lock()
	defer c.mu.Unlock()
	if w := s.writes.Load(); c.by == nil || c.writes != w {
		c.by, c.writes = map[string]map[int64]int{}, w
	}
	out := map[string]map[int64]int{}
	var missing []string
	for _, key := range keys {
		if m, ok := c.by[itoa(int64(k))+":"+key]; ok {
			out[key] = m
		} else if strings.HasSuffix(key, "_count") {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		for key, m := range s.relatedCounts(k, missing) {
			c.by[itoa(int64(k))+":"+key] = m
			out[key] = m
		}
	}
	return out
}
