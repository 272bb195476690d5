package pipedrive

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// kind identifies one of the v2 entities the sandbox stores.
type kind int

const (
	kindPerson kind = iota
	kindOrganization
	kindDeal
	kindActivity
	kindProduct
	numKinds
)

// entitySpec is the constant description of an entity: its names, the key of
// its required label field, what its v2 list accepts and what search looks at.
type entitySpec struct {
	name          string   // "person": Count, field registry, search item type
	plural        string   // "persons": v2 and v1 collection path
	title         string   // "Person": error messages
	labelKey      string   // required field: name, title or subject
	createStatus  int      // v2 POST status
	sortKeys      []string // allowed sort_by values
	updatedFilter bool     // accepts updated_since / updated_until
	searchFields  []string // allowed `fields` of /search; nil: no search endpoint
	fieldsPath    string   // "personFields"
}

// entitySpecs is a constant table indexed by kind.
var entitySpecs = [numKinds]entitySpec{
	kindPerson: {
		name: "person", plural: "persons", title: "Person", labelKey: "name", createStatus: 200,
		sortKeys: []string{"id", "update_time", "add_time"}, updatedFilter: true,
		searchFields: []string{"custom_fields", "email", "name", "notes", "phone"}, fieldsPath: "personFields",
	},
	kindOrganization: {
		name: "organization", plural: "organizations", title: "Organization", labelKey: "name", createStatus: 200,
		sortKeys: []string{"id", "update_time", "add_time"}, updatedFilter: true,
		searchFields: []string{"address", "custom_fields", "name", "notes"}, fieldsPath: "organizationFields",
	},
	kindDeal: {
		name: "deal", plural: "deals", title: "Deal", labelKey: "title", createStatus: 200,
		sortKeys: []string{"id", "update_time", "add_time"}, updatedFilter: true,
		searchFields: []string{"custom_fields", "notes", "title"}, fieldsPath: "dealFields",
	},
	kindActivity: {
		name: "activity", plural: "activities", title: "Activity", labelKey: "subject", createStatus: 200,
		sortKeys: []string{"id", "update_time", "add_time", "due_date"}, updatedFilter: true,
		fieldsPath: "activityFields",
	},
	kindProduct: {
		name: "product", plural: "products", title: "Product", labelKey: "name", createStatus: 201,
		sortKeys: []string{"id", "name", "add_time", "update_time"}, updatedFilter: true,
		searchFields: []string{"code", "custom_fields", "name"}, fieldsPath: "productFields",
	},
}

// kindByName maps singular names, v2 plurals and *Fields paths to kinds.
func kindByName(s string) (kind, bool) {
	for k := kind(0); k < numKinds; k++ {
		sp := &entitySpecs[k]
		if s == sp.name || s == sp.plural {
			return k, true
		}
	}
	return 0, false
}

func kindByFieldsPath(s string) (kind, bool) {
	for k := kind(0); k < numKinds; k++ {
		if s == entitySpecs[k].fieldsPath {
			return k, true
		}
	}
	return 0, false
}

// item is a v2 record. Implementations are plain structs whose JSON encoding
// is the v2 shape; records are never mutated once stored (a write builds a
// new item), so their rendered bytes can be cached.
type item interface {
	core() itemCore
	// normalize fills defaults and derived fields after a create or patch and
	// validates the result. prev is nil on create; set holds the keys the
	// request body carried.
	normalize(prev item, set map[string]json.RawMessage, now string) error
	// searchValues returns the strings search looks at for one `fields` value.
	searchValues(field string) []string
}

// itemCore points into an item at the fields every entity shares.
type itemCore struct {
	id      *int64
	add     *string
	upd     *string
	deleted *bool
	owner   *int64
	label   *string
	custom  *map[string]any
}

func newItem(k kind) item {
	switch k {
	case kindPerson:
		return &person{}
	case kindOrganization:
		return &organization{}
	case kindDeal:
		return &deal{}
	case kindActivity:
		return &activity{}
	default:
		return &product{}
	}
}

// defaultItem is the starting point of a v2 POST: the request body is applied
// to it like a PATCH.
func defaultItem(k kind, owner int64) item {
	switch k {
	case kindPerson:
		return &person{OwnerID: owner, VisibleTo: 3, Emails: []contact{}, Phones: []contact{}, LabelIDs: []int64{}}
	case kindOrganization:
		return &organization{OwnerID: owner, VisibleTo: 3, LabelIDs: []int64{}}
	case kindDeal:
		return &deal{CreatorUserID: owner, OwnerID: owner, Currency: "USD", StageID: 1, PipelineID: 1,
			Status: "open", VisibleTo: 3, LabelIDs: []int64{}, Origin: "API"}
	case kindActivity:
		return &activity{Type: "task", OwnerID: owner, CreatorUserID: owner, Participants: []participant{}}
	default:
		return &product{OwnerID: owner, VisibleTo: 3, IsLinkable: true, BillingFrequency: "one-time", Prices: []price{}}
	}
}

// contact is one entry of a person's emails or phones.
type contact struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
	Label   string `json:"label"`
}

// person is Pipedrive's v2 person, field for field; each field is the
// JSON key its tag names.
type person struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	FirstName    *string        `json:"first_name"`
	LastName     *string        `json:"last_name"`
	OwnerID      int64          `json:"owner_id"`
	OrgID        *int64         `json:"org_id"`
	AddTime      string         `json:"add_time"`
	UpdateTime   string         `json:"update_time"`
	Emails       []contact      `json:"emails"`
	Phones       []contact      `json:"phones"`
	IsDeleted    bool           `json:"is_deleted"`
	VisibleTo    int            `json:"visible_to"`
	LabelIDs     []int64        `json:"label_ids"`
	PictureID    *int64         `json:"picture_id"`
	CustomFields map[string]any `json:"custom_fields"`
}

func (p *person) core() itemCore {
	return itemCore{&p.ID, &p.AddTime, &p.UpdateTime, &p.IsDeleted, &p.OwnerID, &p.Name, &p.CustomFields}
}

func (p *person) normalize(prev item, set map[string]json.RawMessage, now string) error {
	_, hasName := set["name"]
	_, hasFirst := set["first_name"]
	_, hasLast := set["last_name"]
	switch {
	case hasName && !hasFirst && !hasLast:
		first, last := splitName(p.Name)
		p.FirstName, p.LastName = strPtr(first), strPtr(last)
		if last == "" {
			p.LastName = nil
		}
	case (hasFirst || hasLast) && !hasName:
		p.Name = strings.TrimSpace(deref(p.FirstName) + " " + deref(p.LastName))
	}
	var err error
	if p.Emails, err = normContacts("emails", p.Emails); err != nil {
		return err
	}
	if p.Phones, err = normContacts("phones", p.Phones); err != nil {
		return err
	}
	if p.LabelIDs, err = checkOptions("label_ids", p.LabelIDs, personLabels); err != nil {
		return err
	}
	return checkVisibleTo(p.VisibleTo)
}

func (p *person) searchValues(field string) []string {
	switch field {
	case "name":
		return []string{p.Name}
	case "email":
		return contactValues(p.Emails)
	case "phone":
		return contactValues(p.Phones)
	case "custom_fields":
		return customStrings(p.CustomFields)
	}
	return nil
}

// address is the v2 shape of an address field.
type address struct {
	Value           string `json:"value"`
	StreetNumber    string `json:"street_number"`
	Route           string `json:"route"`
	Sublocality     string `json:"sublocality"`
	Locality        string `json:"locality"`
	AdminAreaLevel1 string `json:"admin_area_level_1"`
	AdminAreaLevel2 string `json:"admin_area_level_2"`
	Country         string `json:"country"`
	PostalCode      string `json:"postal_code"`
	Subpremise      string `json:"subpremise"`
}

// organization is Pipedrive's v2 organization, field for field; each
// field is the JSON key its tag names.
type organization struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	OwnerID      int64          `json:"owner_id"`
	AddTime      string         `json:"add_time"`
	UpdateTime   string         `json:"update_time"`
	IsDeleted    bool           `json:"is_deleted"`
	VisibleTo    int            `json:"visible_to"`
	LabelIDs     []int64        `json:"label_ids"`
	Address      *address       `json:"address"`
	CustomFields map[string]any `json:"custom_fields"`
}

func (o *organization) core() itemCore {
	return itemCore{&o.ID, &o.AddTime, &o.UpdateTime, &o.IsDeleted, &o.OwnerID, &o.Name, &o.CustomFields}
}

func (o *organization) normalize(prev item, set map[string]json.RawMessage, now string) error {
	var err error
	if o.LabelIDs, err = checkOptions("label_ids", o.LabelIDs, orgLabels); err != nil {
		return err
	}
	return checkVisibleTo(o.VisibleTo)
}

func (o *organization) searchValues(field string) []string {
	switch field {
	case "name":
		return []string{o.Name}
	case "address":
		if o.Address != nil {
			return []string{o.Address.Value}
		}
	case "custom_fields":
		return customStrings(o.CustomFields)
	}
	return nil
}

// deal is Pipedrive's v2 deal, field for field; each field is the JSON
// key its tag names.
type deal struct {
	ID                int64          `json:"id"`
	Title             string         `json:"title"`
	CreatorUserID     int64          `json:"creator_user_id"`
	OwnerID           int64          `json:"owner_id"`
	Value             float64        `json:"value"`
	PersonID          *int64         `json:"person_id"`
	OrgID             *int64         `json:"org_id"`
	StageID           int64          `json:"stage_id"`
	PipelineID        int64          `json:"pipeline_id"`
	Currency          string         `json:"currency"`
	AddTime           string         `json:"add_time"`
	UpdateTime        string         `json:"update_time"`
	StageChangeTime   *string        `json:"stage_change_time"`
	Status            string         `json:"status"`
	IsArchived        bool           `json:"is_archived"`
	ArchiveTime       *string        `json:"archive_time"`
	IsDeleted         bool           `json:"is_deleted"`
	Probability       *int           `json:"probability"`
	LostReason        *string        `json:"lost_reason"`
	VisibleTo         int            `json:"visible_to"`
	CloseTime         *string        `json:"close_time"`
	WonTime           *string        `json:"won_time"`
	LostTime          *string        `json:"lost_time"`
	ExpectedCloseDate *string        `json:"expected_close_date"`
	LabelIDs          []int64        `json:"label_ids"`
	Origin            string         `json:"origin"`
	OriginID          *string        `json:"origin_id"`
	Channel           *int           `json:"channel"`
	ChannelID         *string        `json:"channel_id"`
	SourceLeadID      *string        `json:"source_lead_id"`
	ARR               *float64       `json:"arr"`
	MRR               *float64       `json:"mrr"`
	ACV               *float64       `json:"acv"`
	CustomFields      map[string]any `json:"custom_fields"`
}

func (d *deal) core() itemCore {
	return itemCore{&d.ID, &d.AddTime, &d.UpdateTime, &d.IsDeleted, &d.OwnerID, &d.Title, &d.CustomFields}
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// normalize expects the stage checked and the pipeline set (applyPatch
// does, from the stage store: stages can be created through the API).
func (d *deal) normalize(prev item, set map[string]json.RawMessage, now string) error {
	if !currencyRE.MatchString(d.Currency) {
		return fmt.Errorf("currency: must be a 3-letter ISO 4217 code")
	}
	if d.Probability != nil && (*d.Probability < 0 || *d.Probability > 100) {
		return fmt.Errorf("probability: must be between 0 and 100")
	}
	if d.ExpectedCloseDate != nil && !validDate(*d.ExpectedCloseDate) {
		return fmt.Errorf("expected_close_date: must be a date in the format YYYY-MM-DD")
	}
	var p *deal
	if prev != nil {
		p = prev.(*deal)
	}
	if p == nil || p.StageID != d.StageID {
		d.StageChangeTime = strPtr(now)
	}
	if p == nil || p.Status != d.Status {
		switch d.Status {
		case "open":
			d.CloseTime, d.WonTime, d.LostTime = nil, nil, nil
		case "won":
			d.CloseTime, d.WonTime, d.LostTime = strPtr(now), strPtr(now), nil
		case "lost":
			d.CloseTime, d.WonTime, d.LostTime = strPtr(now), nil, strPtr(now)
		default:
			return fmt.Errorf("status: must be one of open, won, lost")
		}
	}
	if d.Status != "lost" {
		d.LostReason = nil
	}
	var err error
	if d.LabelIDs, err = checkOptions("label_ids", d.LabelIDs, dealLabels); err != nil {
		return err
	}
	return checkVisibleTo(d.VisibleTo)
}

func (d *deal) searchValues(field string) []string {
	switch field {
	case "title":
		return []string{d.Title}
	case "custom_fields":
		return customStrings(d.CustomFields)
	}
	return nil
}

// participant is one entry of an activity's participants.
type participant struct {
	PersonID int64 `json:"person_id"`
	Primary  bool  `json:"primary"`
}

// activity is Pipedrive's v2 activity, field for field; each field is
// the JSON key its tag names.
type activity struct {
	ID                int64         `json:"id"`
	Subject           string        `json:"subject"`
	Type              string        `json:"type"`
	OwnerID           int64         `json:"owner_id"`
	CreatorUserID     int64         `json:"creator_user_id"`
	IsDeleted         bool          `json:"is_deleted"`
	AddTime           string        `json:"add_time"`
	UpdateTime        string        `json:"update_time"`
	DealID            *int64        `json:"deal_id"`
	LeadID            *string       `json:"lead_id"`
	PersonID          *int64        `json:"person_id"`
	OrgID             *int64        `json:"org_id"`
	ProjectID         *int64        `json:"project_id"`
	DueDate           *string       `json:"due_date"`
	DueTime           *string       `json:"due_time"`
	Duration          *string       `json:"duration"`
	Busy              bool          `json:"busy"`
	Done              bool          `json:"done"`
	MarkedAsDoneTime  *string       `json:"marked_as_done_time"`
	Location          *address      `json:"location"`
	Participants      []participant `json:"participants"`
	ConferenceClient  *string       `json:"conference_meeting_client"`
	ConferenceURL     *string       `json:"conference_meeting_url"`
	ConferenceID      *string       `json:"conference_meeting_id"`
	PublicDescription *string       `json:"public_description"`
	Priority          *int64        `json:"priority"`
	Note              *string       `json:"note"`
	// Pipedrive's activities have no custom fields; the field exists only
	// so every item has the same core.
	CustomFields map[string]any `json:"-"`
}

func (a *activity) core() itemCore {
	return itemCore{&a.ID, &a.AddTime, &a.UpdateTime, &a.IsDeleted, &a.OwnerID, &a.Subject, &a.CustomFields}
}

var (
	timeOfDayRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	durationRE  = regexp.MustCompile(`^[0-9]{2}:[0-5][0-9]$`)
)

func (a *activity) normalize(prev item, set map[string]json.RawMessage, now string) error {
	if a.DueDate != nil && !validDate(*a.DueDate) {
		return fmt.Errorf("due_date: must be a date in the format YYYY-MM-DD")
	}
	if a.DueTime != nil && !timeOfDayRE.MatchString(*a.DueTime) {
		return fmt.Errorf("due_time: must be a time in the format HH:MM")
	}
	if a.Duration != nil && !durationRE.MatchString(*a.Duration) {
		return fmt.Errorf("duration: must be in the format HH:MM")
	}
	if a.Participants == nil {
		a.Participants = []participant{}
	}
	wasDone := false
	if prev != nil {
		wasDone = prev.(*activity).Done
	}
	switch {
	case a.Done && !wasDone:
		a.MarkedAsDoneTime = strPtr(now)
	case !a.Done:
		a.MarkedAsDoneTime = nil
	}
	if a.Priority != nil && !optionExists(activityPriorities, *a.Priority) {
		return fmt.Errorf("priority: option %d does not exist", *a.Priority)
	}
	return nil
}

func (a *activity) searchValues(field string) []string { return nil }

// price is one entry of a product's prices.
type price struct {
	ProductID  int64    `json:"product_id"`
	Price      float64  `json:"price"`
	Currency   string   `json:"currency"`
	Cost       float64  `json:"cost"`
	DirectCost *float64 `json:"direct_cost"`
	Notes      string   `json:"notes"`
}

// product is Pipedrive's v2 product, field for field; each field is the
// JSON key its tag names.
type product struct {
	ID                     int64          `json:"id"`
	Name                   string         `json:"name"`
	Code                   *string        `json:"code"`
	Description            *string        `json:"description"`
	Unit                   *string        `json:"unit"`
	Tax                    float64        `json:"tax"`
	Category               *string        `json:"category"` // an option id, as a string
	IsLinkable             bool           `json:"is_linkable"`
	IsDeleted              bool           `json:"is_deleted"`
	VisibleTo              int            `json:"visible_to"`
	OwnerID                int64          `json:"owner_id"`
	AddTime                string         `json:"add_time"`
	UpdateTime             string         `json:"update_time"`
	BillingFrequency       string         `json:"billing_frequency"`
	BillingFrequencyCycles *int           `json:"billing_frequency_cycles"`
	Prices                 []price        `json:"prices"`
	CustomFields           map[string]any `json:"custom_fields"`
}

func (p *product) core() itemCore {
	return itemCore{&p.ID, &p.AddTime, &p.UpdateTime, &p.IsDeleted, &p.OwnerID, &p.Name, &p.CustomFields}
}

func (p *product) normalize(prev item, set map[string]json.RawMessage, now string) error {
	if p.Prices == nil {
		p.Prices = []price{}
	}
	for i := range p.Prices {
		if !currencyRE.MatchString(p.Prices[i].Currency) {
			return fmt.Errorf("prices[%d].currency: must be a 3-letter ISO 4217 code", i)
		}
	}
	switch p.BillingFrequency {
	case "one-time":
		p.BillingFrequencyCycles = nil
	case "annually", "semi-annually", "quarterly", "monthly", "weekly":
		if c := p.BillingFrequencyCycles; c != nil && (*c < 1 || *c > 312) {
			return fmt.Errorf("billing_frequency_cycles: must be between 1 and 312")
		}
	default:
		return fmt.Errorf("billing_frequency: must be one of one-time, annually, semi-annually, quarterly, monthly, weekly")
	}
	if p.Category != nil {
		if id, ok := parseID(*p.Category); !ok || !optionExists(productCategories, id) {
			return fmt.Errorf("category: option %q does not exist", *p.Category)
		}
	}
	if p.Tax < 0 || p.Tax > 100 {
		return fmt.Errorf("tax: must be between 0 and 100")
	}
	return checkVisibleTo(p.VisibleTo)
}

// setProductID fills prices[].product_id once the product has its id.
func (p *product) setProductID() {
	for i := range p.Prices {
		p.Prices[i].ProductID = p.ID
	}
}

func (p *product) searchValues(field string) []string {
	switch field {
	case "name":
		return []string{p.Name}
	case "code":
		if p.Code != nil {
			return []string{*p.Code}
		}
	case "custom_fields":
		return customStrings(p.CustomFields)
	}
	return nil
}

// ---- small helpers ----

func strPtr(s string) *string { return &s }
func i64Ptr(v int64) *int64   { return &v }
func intPtr(v int) *int       { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func splitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	first, last, _ = strings.Cut(name, " ")
	return first, strings.TrimSpace(last)
}

func normContacts(field string, cs []contact) ([]contact, error) {
	if cs == nil {
		return []contact{}, nil
	}
	primary := false
	for i := range cs {
		if strings.TrimSpace(cs[i].Value) == "" {
			return nil, fmt.Errorf("%s[%d].value: must not be empty", field, i)
		}
		if cs[i].Label == "" {
			cs[i].Label = "work"
		}
		if cs[i].Primary {
			if primary {
				cs[i].Primary = false
			}
			primary = true
		}
	}
	if !primary && len(cs) > 0 {
		cs[0].Primary = true
	}
	return cs, nil
}

func contactValues(cs []contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Value
	}
	return out
}

func checkVisibleTo(v int) error {
	switch v {
	case 1, 3, 5, 7:
		return nil
	}
	return fmt.Errorf("visible_to: must be one of 1, 3, 5, 7")
}

func checkOptions(field string, ids []int64, opts []fieldOption) ([]int64, error) {
	if ids == nil {
		return []int64{}, nil
	}
	for _, id := range ids {
		if !optionExists(opts, id) {
			return nil, fmt.Errorf("%s: option %d does not exist", field, id)
		}
	}
	return ids, nil
}

func optionExists(opts []fieldOption, id int64) bool {
	for _, o := range opts {
		if o.id == id {
			return true
		}
	}
	return false
}

func validDate(s string) bool {
	return len(s) == 10 && dateRE.MatchString(s)
}

var dateRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)

// customStrings returns the string values of custom fields (varchar and
// friends), which is what search looks at for `fields=custom_fields`.
func customStrings(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok && s != "" && !dateRE.MatchString(s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
