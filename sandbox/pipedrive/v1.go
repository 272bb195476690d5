package pipedrive

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The v1 entity endpoints are deprecated (out of support since 2026-08-01)
// and served read-only for completeness: GET /v1/<plural> with start/limit
// in id order, and GET /v1/<plural>/{id}. The v1 shape is derived from the
// v2 one: times as "YYYY-MM-DD HH:MM:SS", active_flag instead of is_deleted,
// visible_to as a string, owner/org/person references expanded to objects,
// persons' emails/phones as email/phone, and custom fields flattened to
// top-level keys (monetary adds <key>_currency, sets become "1,2").

func (s *Sandbox) listV1(rq *request, k kind) reply {
	start, limit, err := parseStartLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	v1JSON := func(r *record) []byte { return mustJSON(s.v1Shape(k, r)) }
	return reply{status: 200, body: startLimitPage(s.stores[k].live(), start, limit, v1JSON, appendPagination), cost: 20}
}

func (s *Sandbox) getV1(k kind, id int64) reply {
	r := s.stores[k].get(id)
	if r == nil || r.deleted {
		return notFoundEntity(k)
	}
	return s.okJSON(200, s.v1Shape(k, r), nil, 2)
}

func (s *Sandbox) v1Shape(k kind, r *record) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.json(), &m)
	out := make(map[string]any, len(m)+8)
	out["company_id"] = companyID
	for key, v := range m {
		switch key {
		case "custom_fields":
			for ck, cv := range v.(map[string]any) {
				switch x := cv.(type) {
				case map[string]any: // monetary
					out[ck] = x["value"]
					out[ck+"_currency"] = x["currency"]
				case []any: // set
					parts := make([]string, len(x))
					for i, id := range x {
						parts[i] = strconv.FormatFloat(id.(float64), 'f', -1, 64)
					}
					out[ck] = strings.Join(parts, ",")
				default:
					out[ck] = cv
				}
			}
		case "is_deleted":
			out["active_flag"] = !v.(bool)
		case "visible_to":
			out[key] = strconv.FormatFloat(v.(float64), 'f', -1, 64)
		case "emails":
			out["email"] = v
		case "phones":
			out["phone"] = v
		case "owner_id", "creator_user_id":
			out[key] = s.v1UserRef(int64(v.(float64)))
		case "org_id":
			out[key] = nil
			if v != nil {
				if r := s.stores[kindOrganization].get(int64(v.(float64))); r != nil {
					o := r.item.(*organization)
					var addr *string
					if o.Address != nil {
						addr = strPtr(o.Address.Value)
					}
					out[key] = map[string]any{"name": o.Name, "address": addr, "active_flag": !o.IsDeleted, "value": o.ID}
				}
			}
		case "person_id":
			out[key] = nil
			if v != nil {
				if pr := s.stores[kindPerson].get(int64(v.(float64))); pr != nil {
					p := pr.item.(*person)
					out[key] = map[string]any{"name": p.Name, "email": p.Emails, "phone": p.Phones,
						"active_flag": !p.IsDeleted, "value": p.ID}
				}
			}
		default:
			if str, ok := v.(string); ok && (strings.HasSuffix(key, "_time")) {
				if t, err := time.Parse(time.RFC3339, str); err == nil {
					v = v1Time(t.Unix())
				}
			}
			out[key] = v
		}
	}
	if p, ok := r.item.(*person); ok {
		out["primary_email"] = nil
		for _, e := range p.Emails {
			if e.Primary {
				out["primary_email"] = e.Value
			}
		}
	}
	return out
}

func (s *Sandbox) v1UserRef(id int64) any {
	u := s.users.get(id, 0)
	if u == nil {
		return id
	}
	return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "has_pic": boolInt(u.IconURL != nil),
		"pic_hash": nil, "active_flag": u.ActiveFlag, "value": u.ID}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
