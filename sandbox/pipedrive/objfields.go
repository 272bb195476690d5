package pipedrive

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Notes and leads have v1 fields endpoints, /v1/noteFields and
// /v1/leadFields. Pipedrive's leads share the deals' custom fields, so
// leadFields lists the lead's own fields and then the deal custom fields,
// and leads carry those custom fields as top-level keys (null until set).

// leadCustom sets the deal custom fields a lead write carries (top-level
// 40-hex keys), each checked against its field's type.
func (s *Sandbox) leadCustom(vals map[string]any, raw []byte) error {
	var patch map[string]json.RawMessage
	_ = json.Unmarshal(raw, &patch)
	for key, v := range patch {
		d := s.reg.custom(kindDeal, key)
		if d == nil {
			continue
		}
		if err := s.checkCustom(d, v); err != nil {
			return fmt.Errorf("Validation failed: %s: %w", key, err)
		}
		vals[key] = v
	}
	return nil
}

// withLeadCustom adds the deal custom fields, null, to a lead's values.
func (s *Sandbox) withLeadCustom(vals map[string]any) map[string]any {
	for _, d := range s.reg.customDefs(kindDeal) {
		if _, ok := vals[d.key]; !ok {
			vals[d.key] = nil
		}
	}
	return vals
}

// objFieldSpec is one built-in field of notes or leads.
type objFieldSpec struct {
	key, name, typ string
	mandatory      bool
}

var noteFieldSpecs = []objFieldSpec{
	{"id", "ID", "int", false}, {"content", "Content", "text", true}, {"deal_id", "Deal", "deal", false},
	{"lead_id", "Lead", "lead", false}, {"person_id", "Person", "people", false}, {"org_id", "Organization", "org", false},
	{"user_id", "Owner", "user", false}, {"add_time", "Add time", "date", false}, {"update_time", "Update time", "date", false},
	{"pinned_to_deal_flag", "Pinned to deal", "boolean", false}, {"pinned_to_person_flag", "Pinned to person", "boolean", false},
	{"pinned_to_organization_flag", "Pinned to organization", "boolean", false},
}

var leadFieldSpecs = []objFieldSpec{
	{"id", "ID", "varchar", false}, {"title", "Title", "varchar", true}, {"owner_id", "Owner", "user", false},
	{"creator_id", "Creator", "user", false}, {"label_ids", "Labels", "set", false}, {"person_id", "Person", "people", false},
	{"organization_id", "Organization", "org", false}, {"source_name", "Source", "varchar", false},
	{"origin", "Source origin", "varchar", false}, {"channel", "Source channel", "enum", false},
	{"is_archived", "Archived", "boolean", false}, {"was_seen", "Seen", "boolean", false}, {"value", "Value", "monetary", false},
	{"expected_close_date", "Expected close date", "date", false}, {"next_activity_id", "Next activity", "activity", false},
	{"add_time", "Add time", "date", false}, {"update_time", "Update time", "date", false},
	{"visible_to", "Visible to", "visible_to", false},
}

// noteFieldJSON is a noteFields item: Pipedrive's definition gives it few
// keys.
type noteFieldJSON struct {
	ID              int64      `json:"id"`
	Key             string     `json:"key"`
	Name            string     `json:"name"`
	FieldType       string     `json:"field_type"`
	ActiveFlag      bool       `json:"active_flag"`
	EditFlag        bool       `json:"edit_flag"`
	BulkEditAllowed bool       `json:"bulk_edit_allowed"`
	MandatoryFlag   bool       `json:"mandatory_flag"`
	Options         []v1Option `json:"options"`
}

// objFieldsJSON renders the noteFields or leadFields items.
func (s *Sandbox) objFieldsJSON(k objKind) []json.RawMessage {
	var out []json.RawMessage
	switch k {
	case objNote:
		for i, f := range noteFieldSpecs {
			out = append(out, mustJSON(noteFieldJSON{ID: int64(9000 + i), Key: f.key, Name: f.name, FieldType: f.typ,
				ActiveFlag: true, BulkEditAllowed: f.key != "id", MandatoryFlag: f.mandatory}))
		}
	case objLead:
		for i, f := range leadFieldSpecs {
			v := v1Field{ID: int64(9500 + i), Key: f.key, Name: f.name, OrderNr: i + 1, FieldType: f.typ,
				AddTime: v1Time(s.t0 - 400*day), UpdateTime: v1Time(s.t0 - 397*day), LastUpdatedByUserID: 1, CreatedByUserID: 1,
				ActiveFlag: true, IndexVisibleFlag: true, DetailsVisibleFlag: true, AddVisibleFlag: f.key != "id",
				BulkEditAllowed: f.key != "id", FilteringAllowed: true, SortableFlag: true, MandatoryFlag: f.mandatory}
			if f.typ == "visible_to" {
				for _, o := range visibleToOptions {
					v.Options = append(v.Options, v1Option{ID: o.id, Label: o.label})
				}
			}
			out = append(out, mustJSON(v))
		}
		// The deals' custom fields, as dealFields lists them.
		for _, d := range s.reg.customDefs(kindDeal) {
			out = append(out, d.v1JSON)
		}
	}
	return out
}

// listObjFields serves /v1/noteFields and /v1/leadFields: start/limit
// paged, with {start, limit, more_items_in_collection} in additional_data.
func (s *Sandbox) listObjFields(rq *request, k objKind) reply {
	start, limit, err := parseStartLimit(rq.q)
	if err != nil {
		return apiError(400, err.Error())
	}
	raw := func(f json.RawMessage) []byte { return f }
	return reply{status: 200, body: startLimitPage(s.objFieldsJSON(k), start, limit, raw, appendFlatPaging), cost: 20}
}

// appendFlatPaging is the additional_data of noteFields and leadFields:
// start, limit and more_items_in_collection at the top, in that order.
func appendFlatPaging(b []byte, start, limit int, more bool) []byte {
	b = append(b, `{"start":`...)
	b = strconv.AppendInt(b, int64(start), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, `,"more_items_in_collection":`...)
	b = strconv.AppendBool(b, more)
	return append(b, '}')
}
