package pipedrive

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// searchHit is one matching record and its score.
type searchHit struct {
	rec     *record
	score   float64
	customs []string // matched custom field values
}

// idRef is a search item's reference to a record by id (the owner).
type idRef struct {
	ID int64 `json:"id"`
}

// orgRef is a search item's organization: id and name.
type orgRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// nameRef is a search item's stage or person: id and name.
type nameRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// personSearchItem is the item of a v2 persons/search result, as
// Pipedrive sends it.
type personSearchItem struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	Phones       []string `json:"phones"`
	Emails       []string `json:"emails"`
	VisibleTo    int      `json:"visible_to"`
	Owner        idRef    `json:"owner"`
	Organization *orgRef  `json:"organization"`
	CustomFields []string `json:"custom_fields"`
	Notes        []string `json:"notes"`
}

// orgSearchItem is the item of a v2 organizations/search result, as
// Pipedrive sends it.
type orgSearchItem struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	Address      *string  `json:"address"`
	VisibleTo    int      `json:"visible_to"`
	Owner        idRef    `json:"owner"`
	CustomFields []string `json:"custom_fields"`
	Notes        []string `json:"notes"`
}

// dealSearchItem is the item of a v2 deals/search result, as Pipedrive
// sends it.
type dealSearchItem struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Title        string   `json:"title"`
	Value        float64  `json:"value"`
	Currency     string   `json:"currency"`
	Status       string   `json:"status"`
	VisibleTo    int      `json:"visible_to"`
	Owner        idRef    `json:"owner"`
	Stage        nameRef  `json:"stage"`
	Person       *nameRef `json:"person"`
	Organization *orgRef  `json:"organization"`
	CustomFields []string `json:"custom_fields"`
	Notes        []string `json:"notes"`
}

// productSearchItem is the item of a v2 products/search result, as
// Pipedrive sends it.
type productSearchItem struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	Code         *string  `json:"code"`
	VisibleTo    int      `json:"visible_to"`
	Owner        idRef    `json:"owner"`
	CustomFields []string `json:"custom_fields"`
}

// searchResult is one entry of a v2 search answer's items.
type searchResult struct {
	ResultScore float64 `json:"result_score"`
	Item        any     `json:"item"`
}

// searchV2 serves GET /api/v2/{persons,organizations,deals,products}/search.
// Matching is case-insensitive: exact_match=true wants a whole value equal to
// the term, otherwise a substring; phone numbers also match on digits only.
// Results are ordered by score (1 exact, 0.75 prefix, 0.5 substring), then id.
func (s *Sandbox) searchV2(rq *request, k kind) reply {
	spec := &entitySpecs[k]
	term := strings.TrimSpace(rq.q.Get("term"))
	exact := false
	switch rq.q.Get("exact_match") {
	case "", "false":
	case "true":
		exact = true
	default:
		return apiError(400, "Validation failed: exact_match: Parameter 'exact_match' must be a boolean")
	}
	minLen := 2
	if exact {
		minLen = 1
	}
	if utf8.RuneCountInString(term) < minLen {
		return apiError(400, "Validation failed: term: Parameter 'term' must be at least 2 characters long (1 with exact_match)")
	}
	fields := spec.searchFields
	if v := rq.q.Get("fields"); v != "" {
		fields = nil
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if !slices.Contains(spec.searchFields, f) {
				return apiError(400, "Validation failed: fields: Parameter 'fields' must be a comma-separated subset of "+strings.Join(spec.searchFields, ","))
			}
			fields = append(fields, f)
		}
	}
	start, limit, err := parseCursorLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	lterm := strings.ToLower(term)
	dterm := digitsOnly(term)
	var hits []searchHit
	for _, r := range s.stores[k].live() {
		var h searchHit
		for _, f := range fields {
			for _, v := range r.item.searchValues(f) {
				sc := matchScore(strings.ToLower(v), lterm, exact)
				if f == "phone" && sc == 0 && len(dterm) >= 2 {
					sc = matchScore(digitsOnly(v), dterm, exact)
				}
				if sc > 0 && f == "custom_fields" {
					h.customs = append(h.customs, v)
				}
				h.score = max(h.score, sc)
			}
		}
		if h.score > 0 {
			h.rec = r
			hits = append(hits, h)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	start = min(start, len(hits))
	end := min(start+limit, len(hits))
	items := make([]searchResult, 0, end-start)
	for _, h := range hits[start:end] {
		items = append(items, searchResult{ResultScore: h.score, Item: s.searchItem(k, h)})
	}
	var next *string
	if end < len(hits) {
		c := offsetCursor(end)
		next = &c
	}
	return s.okJSON(200, map[string]any{"items": items}, map[string]any{"next_cursor": next}, 20)
}

func matchScore(v, term string, exact bool) float64 {
	switch {
	case v == term:
		return 1
	case exact:
		return 0
	case strings.HasPrefix(v, term):
		return 0.75
	case strings.Contains(v, term):
		return 0.5
	}
	return 0
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Sandbox) orgRef(id *int64) *orgRef {
	if id == nil {
		return nil
	}
	r := s.stores[kindOrganization].get(*id)
	if r == nil {
		return nil
	}
	o := r.item.(*organization)
	return &orgRef{ID: o.ID, Name: o.Name}
}

func (s *Sandbox) searchItem(k kind, h searchHit) any {
	customs := nonNil(h.customs)
	switch it := h.rec.item.(type) {
	case *person:
		return personSearchItem{ID: it.ID, Type: "person", Name: it.Name, Phones: contactValues(it.Phones),
			Emails: contactValues(it.Emails), VisibleTo: it.VisibleTo, Owner: idRef{it.OwnerID},
			Organization: s.orgRef(it.OrgID), CustomFields: customs, Notes: []string{}}
	case *organization:
		var addr *string
		if it.Address != nil {
			addr = strPtr(it.Address.Value)
		}
		return orgSearchItem{ID: it.ID, Type: "organization", Name: it.Name, Address: addr, VisibleTo: it.VisibleTo,
			Owner: idRef{it.OwnerID}, CustomFields: customs, Notes: []string{}}
	case *deal:
		stageName := ""
		if st := s.objs[objStage].get(itoa(it.StageID)); st != nil {
			stageName, _ = st.vals["name"].(string)
		}
		item := dealSearchItem{ID: it.ID, Type: "deal", Title: it.Title, Value: it.Value, Currency: it.Currency,
			Status: it.Status, VisibleTo: it.VisibleTo, Owner: idRef{it.OwnerID}, Stage: nameRef{it.StageID, stageName},
			Organization: s.orgRef(it.OrgID), CustomFields: customs, Notes: []string{}}
		if it.PersonID != nil {
			if r := s.stores[kindPerson].get(*it.PersonID); r != nil {
				item.Person = &nameRef{r.id, r.item.(*person).Name}
			}
		}
		return item
	case *product:
		return productSearchItem{ID: it.ID, Type: "product", Name: it.Name, Code: it.Code, VisibleTo: it.VisibleTo,
			Owner: idRef{it.OwnerID}, CustomFields: customs}
	}
	return nil
}
