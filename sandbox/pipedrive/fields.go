package pipedrive

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
)

// fieldOption is one option of an enum or set field.
type fieldOption struct {
	id    int64
	label string
	color string
}

// subfield is one component of a composite field (address, monetary).
type subfield struct {
	Code string `json:"field_code"`
	Name string `json:"field_name"`
	Type string `json:"field_type"`
}

// fieldSpec is the constant description of one field.
type fieldSpec struct {
	key              string // built-in key; custom keys are derived from the name
	name             string
	typ              string
	mandatory        bool
	optionalResponse bool // v2 is_optional_response_field: absent from records unless asked for
	options          []fieldOption
	subfields        []subfield
	description      string
}

// ---- constant option tables shared by fields, generator and validation ----

var visibleToOptions = []fieldOption{{1, "Owner only", ""}, {3, "Owner's visibility group", ""}, {5, "Owner's visibility group and sub-groups", ""}, {7, "Entire company", ""}}

var personLabels = []fieldOption{{1, "Customer", "green"}, {2, "Hot lead", "red"}, {3, "Warm lead", "yellow"}, {4, "Cold lead", "blue"}}

var orgLabels = []fieldOption{{1, "Customer", "green"}, {2, "Hot lead", "red"}, {3, "Warm lead", "yellow"}, {4, "Cold lead", "blue"}, {5, "Partner", "purple"}}

var dealLabels = []fieldOption{{1, "Hot", "red"}, {2, "Warm", "yellow"}, {3, "Cold", "blue"}, {4, "Strategic", "purple"}}

var activityPriorities = []fieldOption{{1, "High", "red"}, {2, "Medium", "yellow"}, {3, "Low", "gray"}}

var productCategories = []fieldOption{{1, "Software", ""}, {2, "Hardware", ""}, {3, "Services", ""}, {4, "Training", ""}, {5, "Support", ""}}

// dealChannels are the options of a deal's source channel.
var dealChannels = []fieldOption{{1, "Email", ""}, {2, "Web forms", ""}, {3, "Chatbot", ""}, {4, "Live chat", ""}, {5, "Prospector", ""}}

var activityTypes = []string{"call", "meeting", "task", "deadline", "email", "lunch"}

// stage is one pipeline stage; deals reference stages.
type stage struct {
	id       int64
	name     string
	pipeline int64
	prob     int
}

var stages = []stage{
	{1, "Qualified", 1, 10}, {2, "Contact Made", 1, 20}, {3, "Demo Scheduled", 1, 40},
	{4, "Proposal Made", 1, 60}, {5, "Negotiations Started", 1, 80},
	{6, "Lead In", 2, 10}, {7, "Evaluation", 2, 50}, {8, "Contract Sent", 2, 90},
}

var addressSubfields = []subfield{
	{"value", "Value", "varchar"}, {"street_number", "Street number", "varchar"}, {"route", "Street/road name", "varchar"},
	{"sublocality", "District/sublocality", "varchar"}, {"locality", "City/town/village/locality", "varchar"},
	{"admin_area_level_1", "State/county", "varchar"}, {"admin_area_level_2", "Region", "varchar"},
	{"country", "Country", "varchar"}, {"postal_code", "ZIP/Postal code", "varchar"},
	{"formatted_address", "Full/combined address", "varchar"},
}

var monetarySubfields = []subfield{{"value", "Value", "double"}, {"currency", "Currency", "varchar"}}

func opts(labels ...string) []fieldOption {
	out := make([]fieldOption, len(labels))
	for i, l := range labels {
		out[i] = fieldOption{label: l} // ids are assigned by the registry
	}
	return out
}

// builtinFields lists each entity's system fields, in Pipedrive's order.
var builtinFields = [numKinds][]fieldSpec{
	kindPerson: {
		{key: "id", name: "ID", typ: "int"},
		{key: "name", name: "Name", typ: "varchar", mandatory: true},
		{key: "first_name", name: "First name", typ: "varchar"},
		{key: "last_name", name: "Last name", typ: "varchar"},
		{key: "owner_id", name: "Owner", typ: "user"},
		{key: "org_id", name: "Organization", typ: "org"},
		{key: "emails", name: "Email", typ: "varchar"},
		{key: "phones", name: "Phone", typ: "phone"},
		{key: "label_ids", name: "Labels", typ: "set", options: personLabels},
		{key: "visible_to", name: "Visible to", typ: "visible_to", options: visibleToOptions},
		{key: "picture_id", name: "Profile picture", typ: "picture"},
		{key: "add_time", name: "Person created", typ: "date"},
		{key: "update_time", name: "Update time", typ: "date"},
		{key: "open_deals_count", name: "Open deals", typ: "int", optionalResponse: true},
	},
	kindOrganization: {
		{key: "id", name: "ID", typ: "int"},
		{key: "name", name: "Name", typ: "varchar", mandatory: true},
		{key: "owner_id", name: "Owner", typ: "user"},
		{key: "address", name: "Address", typ: "address", subfields: addressSubfields},
		{key: "label_ids", name: "Labels", typ: "set", options: orgLabels},
		{key: "visible_to", name: "Visible to", typ: "visible_to", options: visibleToOptions},
		{key: "add_time", name: "Organization created", typ: "date"},
		{key: "update_time", name: "Update time", typ: "date"},
		{key: "people_count", name: "People", typ: "int", optionalResponse: true},
	},
	kindDeal: {
		{key: "id", name: "ID", typ: "int"},
		{key: "title", name: "Title", typ: "varchar", mandatory: true},
		{key: "creator_user_id", name: "Creator", typ: "user"},
		{key: "owner_id", name: "Owner", typ: "user"},
		{key: "value", name: "Value", typ: "monetary"},
		{key: "currency", name: "Currency", typ: "varchar"},
		{key: "person_id", name: "Contact person", typ: "people"},
		{key: "org_id", name: "Organization", typ: "org"},
		{key: "pipeline_id", name: "Pipeline", typ: "int"},
		{key: "stage_id", name: "Stage", typ: "stage"},
		{key: "status", name: "Status", typ: "status"},
		{key: "probability", name: "Probability", typ: "double"},
		{key: "lost_reason", name: "Lost reason", typ: "varchar"},
		{key: "visible_to", name: "Visible to", typ: "visible_to", options: visibleToOptions},
		{key: "close_time", name: "Deal closed on", typ: "date"},
		{key: "won_time", name: "Won time", typ: "date"},
		{key: "lost_time", name: "Lost time", typ: "date"},
		{key: "expected_close_date", name: "Expected close date", typ: "date"},
		{key: "stage_change_time", name: "Last stage change", typ: "date"},
		{key: "label_ids", name: "Labels", typ: "set", options: dealLabels},
		{key: "origin", name: "Source origin", typ: "varchar"},
		{key: "origin_id", name: "Source origin ID", typ: "varchar"},
		{key: "channel", name: "Source channel", typ: "enum", options: dealChannels},
		{key: "channel_id", name: "Source channel ID", typ: "varchar"},
		{key: "source_lead_id", name: "Source lead", typ: "lead"},
		{key: "is_archived", name: "Archived", typ: "boolean"},
		{key: "archive_time", name: "Archive time", typ: "date"},
		{key: "arr", name: "ARR", typ: "double"},
		{key: "mrr", name: "MRR", typ: "double"},
		{key: "acv", name: "ACV", typ: "double"},
		{key: "add_time", name: "Deal created", typ: "date"},
		{key: "update_time", name: "Update time", typ: "date"},
		{key: "products_count", name: "Products", typ: "int", optionalResponse: true},
	},
	kindActivity: {
		{key: "id", name: "ID", typ: "int"},
		{key: "subject", name: "Subject", typ: "varchar", mandatory: true},
		{key: "type", name: "Type", typ: "varchar"},
		{key: "owner_id", name: "Assigned to user", typ: "user"},
		{key: "creator_user_id", name: "Creator", typ: "user"},
		{key: "deal_id", name: "Deal", typ: "deal"},
		{key: "lead_id", name: "Lead", typ: "lead"},
		{key: "person_id", name: "Contact person", typ: "people"},
		{key: "org_id", name: "Organization", typ: "org"},
		{key: "project_id", name: "Project", typ: "project"},
		{key: "due_date", name: "Due date", typ: "date"},
		{key: "due_time", name: "Due time", typ: "time"},
		{key: "duration", name: "Duration", typ: "time"},
		{key: "busy", name: "Free/busy", typ: "boolean"},
		{key: "done", name: "Done", typ: "boolean"},
		{key: "marked_as_done_time", name: "Marked as done time", typ: "date"},
		{key: "location", name: "Location", typ: "address", subfields: addressSubfields},
		{key: "participants", name: "Participants", typ: "people"},
		{key: "attendees", name: "Attendees", typ: "people", optionalResponse: true},
		{key: "conference_meeting_client", name: "Conference meeting client", typ: "varchar"},
		{key: "conference_meeting_url", name: "Conference meeting URL", typ: "varchar"},
		{key: "conference_meeting_id", name: "Conference meeting ID", typ: "varchar"},
		{key: "public_description", name: "Public description", typ: "text"},
		{key: "priority", name: "Priority", typ: "enum", options: activityPriorities},
		{key: "note", name: "Note", typ: "text"},
		{key: "add_time", name: "Add time", typ: "date"},
		{key: "update_time", name: "Update time", typ: "date"},
	},
	kindProduct: {
		{key: "id", name: "ID", typ: "int"},
		{key: "name", name: "Name", typ: "varchar", mandatory: true},
		{key: "code", name: "Product code", typ: "varchar"},
		{key: "description", name: "Description", typ: "text"},
		{key: "unit", name: "Unit", typ: "varchar"},
		{key: "tax", name: "Tax", typ: "double"},
		{key: "category", name: "Category", typ: "enum", options: productCategories},
		{key: "is_linkable", name: "Linkable", typ: "boolean"},
		{key: "visible_to", name: "Visible to", typ: "visible_to", options: visibleToOptions},
		{key: "owner_id", name: "Owner", typ: "user"},
		{key: "prices", name: "Prices", typ: "price_list"},
		{key: "billing_frequency", name: "Billing frequency", typ: "billing_frequency"},
		{key: "billing_frequency_cycles", name: "Billing cycles", typ: "int"},
		{key: "add_time", name: "Add time", typ: "date"},
		{key: "update_time", name: "Update time", typ: "date"},
	},
}

// customFields lists each entity's custom fields. Their keys are
// sha1("pipedrive-sandbox:<entity>:<name>") in hex: 40 hex digits like the
// real hashes, stable across seeds so connector tests may hard-code them.
var customFields = [numKinds][]fieldSpec{
	kindPerson: {
		{name: "Lead source", typ: "enum", options: opts("Website", "Referral", "Trade show", "Cold call", "LinkedIn", "Partner")},
		{name: "Interests", typ: "set", options: opts("Analytics", "Automation", "Integrations", "Security", "Mobile", "AI assistant")},
		{name: "Customer since", typ: "date"},
		{name: "Lifetime value", typ: "monetary", subfields: monetarySubfields},
		{name: "NPS score", typ: "int"},
		{name: "Engagement score", typ: "double"},
		{name: "Account manager", typ: "user"},
		{name: "Billing organization", typ: "org"},
		{name: "Referred by", typ: "people"},
		{name: "Position", typ: "varchar"},
		{name: "LinkedIn profile", typ: "varchar", description: "Public profile URL"},
	},
	kindOrganization: {
		{name: "Industry", typ: "enum", options: opts("Software", "Manufacturing", "Retail", "Finance", "Healthcare", "Logistics", "Education")},
		{name: "Employees", typ: "int"},
		{name: "Annual revenue", typ: "monetary", subfields: monetarySubfields},
		{name: "VAT number", typ: "varchar"},
		{name: "Segments", typ: "set", options: opts("SMB", "Mid-market", "Enterprise", "Public sector", "Partner")},
		{name: "Contract renewal", typ: "date"},
		{name: "Parent organization", typ: "org"},
		{name: "Key account manager", typ: "user"},
		{name: "Main contact", typ: "people"},
		{name: "Health score", typ: "double"},
		{name: "Website", typ: "varchar"},
	},
	kindDeal: {
		{name: "Contract value", typ: "monetary", subfields: monetarySubfields},
		{name: "Deal type", typ: "enum", options: opts("New business", "Upsell", "Renewal", "Cross-sell")},
		{name: "Competitors", typ: "set", options: opts("Salesforce", "HubSpot", "Zoho", "Freshworks", "Monday")},
		{name: "Decision date", typ: "date"},
		{name: "Seats", typ: "int"},
		{name: "Discount %", typ: "double"},
		{name: "Sales engineer", typ: "user"},
		{name: "Reseller", typ: "org"},
		{name: "Champion", typ: "people"},
		{name: "PO number", typ: "varchar"},
	},
	// Pipedrive's activities have no custom fields.
	kindActivity: nil,
	kindProduct: {
		{name: "Product family", typ: "enum", options: opts("Core", "Add-on", "Bundle", "Legacy")},
		{name: "Warranty months", typ: "int"},
		{name: "Weight kg", typ: "double"},
		{name: "Launch date", typ: "date"},
		{name: "Product manager", typ: "user"},
		{name: "Vendor", typ: "org"},
		{name: "Tags", typ: "set", options: opts("Bestseller", "New", "Discounted", "Seasonal")},
		{name: "List price", typ: "monetary", subfields: monetarySubfields},
		{name: "Datasheet URL", typ: "varchar"},
	},
}

// fieldIDBase is the first v1 field id of each entity.
var fieldIDBase = [numKinds]int64{kindPerson: 9001, kindOrganization: 4001, kindDeal: 12451, kindActivity: 12601, kindProduct: 14001}

// customKey returns the deterministic 40-hex key of a custom field.
func customKey(k kind, name string) string {
	sum := sha1.Sum([]byte("pipedrive-sandbox:" + entitySpecs[k].name + ":" + name))
	return hex.EncodeToString(sum[:])
}

// fieldDef is one field of the registry, with its rendered v1 and v2 JSON.
type fieldDef struct {
	fieldSpec
	id      int64
	order   int
	custom  bool
	addTime int64
	updTime int64
	v1JSON  []byte
	v2JSON  []byte
}

// registry holds every entity's fields; it never changes after New, so it
// needs no lock.
type registry struct {
	fields  [numKinds][]*fieldDef
	byKey   [numKinds]map[string]*fieldDef
	customs [numKinds][]*fieldDef // the custom ones of fields, in order
}

func newRegistry(t0 int64) *registry {
	reg := &registry{}
	const day = 86400
	for k := kind(0); k < numKinds; k++ {
		reg.byKey[k] = map[string]*fieldDef{}
		id := fieldIDBase[k]
		nextOpt := int64(100 + 100*int64(k))
		add := func(fs fieldSpec, custom bool, created int64) {
			d := &fieldDef{fieldSpec: fs, id: id, order: len(reg.fields[k]) + 1, custom: custom,
				addTime: created, updTime: created + 3*day}
			if custom {
				d.key = customKey(k, fs.name)
				if len(fs.options) > 0 {
					d.options = make([]fieldOption, len(fs.options))
					for i, o := range fs.options {
						nextOpt++
						d.options[i] = fieldOption{id: nextOpt, label: o.label, color: o.color}
					}
				}
			}
			d.render(k)
			reg.fields[k] = append(reg.fields[k], d)
			if custom {
				reg.customs[k] = append(reg.customs[k], d)
			}
			reg.byKey[k][d.key] = d
			id++
		}
		for _, fs := range builtinFields[k] {
			add(fs, false, t0-400*day)
		}
		for i, fs := range customFields[k] {
			add(fs, true, t0-390*day+int64(i)*day)
		}
	}
	return reg
}

// custom returns the custom field with the given key, or nil.
func (r *registry) custom(k kind, key string) *fieldDef {
	d := r.byKey[k][key]
	if d == nil || !d.custom {
		return nil
	}
	return d
}

// customDefs returns an entity's custom fields in order; callers must not
// modify the slice.
func (r *registry) customDefs(k kind) []*fieldDef { return r.customs[k] }

// v1Field is the v1 *Fields item shape.
type v1Field struct {
	ID                  int64      `json:"id"`
	Key                 string     `json:"key"`
	Name                string     `json:"name"`
	OrderNr             int        `json:"order_nr"`
	FieldType           string     `json:"field_type"`
	AddTime             string     `json:"add_time"`
	UpdateTime          string     `json:"update_time"`
	LastUpdatedByUserID int64      `json:"last_updated_by_user_id"`
	CreatedByUserID     int64      `json:"created_by_user_id"`
	ActiveFlag          bool       `json:"active_flag"`
	EditFlag            bool       `json:"edit_flag"`
	IndexVisibleFlag    bool       `json:"index_visible_flag"`
	DetailsVisibleFlag  bool       `json:"details_visible_flag"`
	AddVisibleFlag      bool       `json:"add_visible_flag"`
	ImportantFlag       bool       `json:"important_flag"`
	BulkEditAllowed     bool       `json:"bulk_edit_allowed"`
	SearchableFlag      bool       `json:"searchable_flag"`
	FilteringAllowed    bool       `json:"filtering_allowed"`
	SortableFlag        bool       `json:"sortable_flag"`
	MandatoryFlag       bool       `json:"mandatory_flag"`
	Options             []v1Option `json:"options"`
	IsSubfield          bool       `json:"is_subfield"`
	Subfields           []subfield `json:"subfields"`
}

// v1ProductField is the v1 productFields item: Pipedrive's definition
// gives it fewer keys than the other entities' fields.
type v1ProductField struct {
	ID                  int64      `json:"id"`
	Key                 string     `json:"key"`
	Name                string     `json:"name"`
	OrderNr             int        `json:"order_nr"`
	FieldType           string     `json:"field_type"`
	AddTime             string     `json:"add_time"`
	UpdateTime          string     `json:"update_time"`
	LastUpdatedByUserID int64      `json:"last_updated_by_user_id"`
	CreatedByUserID     int64      `json:"created_by_user_id"`
	ActiveFlag          bool       `json:"active_flag"`
	EditFlag            bool       `json:"edit_flag"`
	AddVisibleFlag      bool       `json:"add_visible_flag"`
	ImportantFlag       bool       `json:"important_flag"`
	BulkEditAllowed     bool       `json:"bulk_edit_allowed"`
	SearchableFlag      bool       `json:"searchable_flag"`
	FilteringAllowed    bool       `json:"filtering_allowed"`
	SortableFlag        bool       `json:"sortable_flag"`
	MandatoryFlag       bool       `json:"mandatory_flag"`
	Options             []v1Option `json:"options"`
}

// v1Option is one choice of a v1 enum or set field.
type v1Option struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// v2Field is the v2 *Fields item shape.
type v2Field struct {
	FieldName               string     `json:"field_name"`
	FieldCode               string     `json:"field_code"`
	FieldType               string     `json:"field_type"`
	Options                 []v2Option `json:"options"`
	Subfields               []subfield `json:"subfields"`
	IsCustomField           bool       `json:"is_custom_field"`
	IsOptionalResponseField bool       `json:"is_optional_response_field"`
}

// v2Option is one choice of a v2 enum or set field.
type v2Option struct {
	ID         int64   `json:"id"`
	Label      string  `json:"label"`
	Color      *string `json:"color"`
	AddTime    string  `json:"add_time"`
	UpdateTime *string `json:"update_time"`
}

func (d *fieldDef) render(k kind) {
	readOnly := d.key == "id" || d.key == "add_time" || d.key == "update_time" || d.key == "creator_user_id" ||
		d.key == "stage_change_time" || d.key == "marked_as_done_time" || d.optionalResponse
	v1 := v1Field{
		ID: d.id, Key: d.key, Name: d.name, OrderNr: d.order, FieldType: d.typ,
		AddTime: v1Time(d.addTime), UpdateTime: v1Time(d.updTime), LastUpdatedByUserID: 1, CreatedByUserID: 1,
		ActiveFlag: true, EditFlag: d.custom, IndexVisibleFlag: true, DetailsVisibleFlag: true,
		AddVisibleFlag: !readOnly, ImportantFlag: d.mandatory, BulkEditAllowed: !readOnly,
		SearchableFlag:   d.typ == "varchar" || d.typ == "phone" || d.typ == "text" || d.typ == "address",
		FilteringAllowed: true, SortableFlag: d.typ != "set" && d.typ != "people" || d.key == "person_id",
		MandatoryFlag: d.mandatory, Subfields: d.subfields,
	}
	v2 := v2Field{FieldName: d.name, FieldCode: d.key, FieldType: d.typ,
		Subfields: d.subfields, IsCustomField: d.custom, IsOptionalResponseField: d.optionalResponse}
	if len(d.options) > 0 {
		for _, o := range d.options {
			v1.Options = append(v1.Options, v1Option{ID: o.id, Label: o.label})
			var color *string
			if o.color != "" {
				color = strPtr(o.color)
			}
			v2.Options = append(v2.Options, v2Option{ID: o.id, Label: o.label, Color: color,
				AddTime: v2Time(d.addTime), UpdateTime: strPtr(v2Time(d.addTime))})
		}
	}
	d.v1JSON = mustJSON(v1)
	if k == kindProduct {
		d.v1JSON = mustJSON(v1ProductField{ID: v1.ID, Key: v1.Key, Name: v1.Name, OrderNr: v1.OrderNr, FieldType: v1.FieldType,
			AddTime: v1.AddTime, UpdateTime: v1.UpdateTime, LastUpdatedByUserID: 1, CreatedByUserID: 1, ActiveFlag: true,
			EditFlag: v1.EditFlag, AddVisibleFlag: v1.AddVisibleFlag, ImportantFlag: v1.ImportantFlag, BulkEditAllowed: v1.BulkEditAllowed,
			SearchableFlag: v1.SearchableFlag, FilteringAllowed: true, SortableFlag: v1.SortableFlag, MandatoryFlag: v1.MandatoryFlag,
			Options: v1.Options})
	}
	d.v2JSON = mustJSON(v2)
}

// mustJSON encodes v without HTML escaping ("&" stays "&", as Pipedrive
// sends it). Only well-typed values reach it, so an error is a bug.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}
