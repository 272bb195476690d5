package pipedrive

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// ---- constant word lists ----

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Paul", "Ashley",
	"Emma", "Liam", "Olivia", "Noah", "Sofia", "Lucas", "Mia", "Hugo", "Chloé", "Léa",
	"Jüri", "Kadri", "Mart", "Liis", "Tõnu", "Maarja", "Søren", "Freja", "Lars", "Ingrid",
	"Lukas", "Hannah", "Felix", "Lena", "Jonas", "Zoë", "José", "Ana", "João", "Beatriz",
	"Łukasz", "Agnieszka", "Priya", "Arjun", "Wei", "Mei", "Kenji", "Yuki", "Amara", "Kwame",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
	"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Dubois", "Lefèvre", "Moreau", "Laurent", "Nielsen", "Jensen", "Hansen", "Andersson", "Johansson", "Karlsson",
	"Silva", "Santos", "Oliveira", "Kowalski", "Nowak", "Patel", "Sharma", "Chen", "Wang", "Tanaka", "O'Brien", "Okafor",
}

var orgWords = []string{
	"Northwind", "Blue Harbor", "Granite", "Silverline", "Brightpath", "Summit", "Redwood", "Nimbus", "Vertex",
	"Evergreen", "Ironbridge", "Lumen", "Polaris", "Cobalt", "Aurora", "Pioneer", "Maple", "Quantum", "Orbit",
	"Falcon", "Crescent", "Atlas", "Beacon", "Cedar", "Delta", "Ember", "Fjord", "Glacier", "Horizon", "Juniper",
	"Kestrel", "Lighthouse", "Meridian", "Nova", "Oakridge", "Pinnacle", "Riverbend", "Sequoia", "Tidewater", "Zenith",
}

var orgSectors = []string{
	"Logistics", "Software", "Analytics", "Foods", "Energy", "Health", "Robotics", "Consulting", "Media", "Capital",
	"Labs", "Systems", "Retail", "Dynamics", "Networks", "Studios", "Manufacturing", "Partners", "Biotech", "Solutions",
}

// country is a place people and organizations are generated in.
type country struct {
	name, code, tld, dial, suffix string
	cities                        []string
	streets                       []string
	region                        []string
}

var countries = []country{
	{"United States", "US", "com", "+1", "Inc.", []string{"New York", "Austin", "Chicago", "Denver", "Seattle"}, []string{"Main Street", "Oak Avenue", "Market Street", "Pine Street"}, []string{"NY", "TX", "IL", "CO", "WA"}},
	{"United Kingdom", "GB", "co.uk", "+44", "Ltd", []string{"London", "Manchester", "Bristol", "Leeds", "Edinburgh"}, []string{"High Street", "Station Road", "Church Lane", "King Street"}, []string{"England", "England", "England", "England", "Scotland"}},
	{"Germany", "DE", "de", "+49", "GmbH", []string{"Berlin", "Hamburg", "München", "Köln", "Leipzig"}, []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße"}, []string{"Berlin", "Hamburg", "Bayern", "Nordrhein-Westfalen", "Sachsen"}},
	{"Estonia", "EE", "ee", "+372", "OÜ", []string{"Tallinn", "Tartu", "Pärnu", "Narva", "Viljandi"}, []string{"Narva mnt", "Pärnu mnt", "Tartu mnt", "Viru väljak"}, []string{"Harju maakond", "Tartu maakond", "Pärnu maakond", "Ida-Viru maakond", "Viljandi maakond"}},
	{"France", "FR", "fr", "+33", "SARL", []string{"Paris", "Lyon", "Marseille", "Toulouse", "Nantes"}, []string{"Rue de la Paix", "Avenue Victor Hugo", "Boulevard Voltaire", "Rue du Moulin"}, []string{"Île-de-France", "Auvergne-Rhône-Alpes", "Provence-Alpes-Côte d'Azur", "Occitanie", "Pays de la Loire"}},
	{"Netherlands", "NL", "nl", "+31", "B.V.", []string{"Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen"}, []string{"Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg"}, []string{"Noord-Holland", "Zuid-Holland", "Utrecht", "Noord-Brabant", "Groningen"}},
	{"Sweden", "SE", "se", "+46", "AB", []string{"Stockholm", "Göteborg", "Malmö", "Uppsala", "Lund"}, []string{"Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan"}, []string{"Stockholms län", "Västra Götaland", "Skåne", "Uppsala län", "Skåne"}},
	{"Brazil", "BR", "com.br", "+55", "Ltda.", []string{"São Paulo", "Rio de Janeiro", "Curitiba", "Recife", "Porto Alegre"}, []string{"Rua das Flores", "Avenida Paulista", "Rua Augusta", "Avenida Brasil"}, []string{"SP", "RJ", "PR", "PE", "RS"}},
}

var personalDomains = []string{"gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"}

var jobTitles = []string{"CEO", "CTO", "Head of Sales", "Sales Manager", "Account Executive", "Marketing Director",
	"Procurement Manager", "Operations Lead", "Product Manager", "IT Administrator", "CFO", "Office Manager"}

var dealProjects = []string{"Annual license", "Pilot", "Seat expansion", "Renewal", "Onboarding package", "Data migration",
	"Support upgrade", "Enterprise plan", "Training workshop", "API add-on", "Multi-year agreement"}

var lostReasons = []string{"Price too high", "Went with competitor", "No budget", "Bad timing", "No decision"}

var productBases = []string{"CRM Seat", "Analytics Module", "Automation Pack", "Onboarding Package", "Premium Support",
	"Data Migration", "API Access", "Training Day", "Consulting Hour", "Integration Kit", "Mobile Add-on", "Security Suite",
	"Barcode Scanner", "Thermal Printer", "Tablet Stand"}

var productEditions = []string{"Essential", "Advanced", "Professional", "Power", "Enterprise"}

var units = []string{"seat", "license", "hour", "pcs", "month"}

var currencies = []string{"EUR", "EUR", "EUR", "EUR", "USD", "USD", "USD", "USD", "GBP", "SEK"}

var noteSnippets = []string{"Interested in the annual plan.", "Asked for a product demo.", "Budget approved for Q3.",
	"Needs SSO and audit logs.", "Call back after the board meeting.", "Evaluating two other vendors."}

// ---- generator ----

// plan is the skeleton of one entity's records: how many, which ones are
// soft-deleted and their timestamps (ascending add_time, so ids follow
// creation order as in Pipedrive).
type plan struct {
	add, upd []int64
	deleted  []bool
	live     []int64 // live ids
}

// gen builds the sandbox's initial data; everything is a function of the
// seed and t0.
type gen struct {
	t0         int64
	seed       int64
	reg        *registry
	plans      [numKinds]plan
	users      []int64 // active user ids
	orgs       []*organization
	orgCountry []country
}

const day = 86400

// counts returns the live record count of each entity for Options.Records.
func counts(records int) [numKinds]int {
	return [numKinds]int{
		kindPerson:       max(1, records),
		kindOrganization: max(1, records/4),
		kindDeal:         max(1, records/2),
		kindActivity:     max(1, records),
		kindProduct:      max(1, records/10),
	}
}

func userCount(records int) int { return 5 + records/1000 }

func (g *gen) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(g.seed), stream))
}

// makePlan lays out n live records plus about 4% soft-deleted ones.
func (g *gen) makePlan(k kind, n int) plan {
	r := g.rng(uint64(k) + 1)
	d := n / 25
	total := n + d
	p := plan{add: make([]int64, total), upd: make([]int64, total), deleted: make([]bool, total)}
	const year = 365 * day
	for i := range p.add {
		u := r.Float64()
		p.add[i] = g.t0 - 1 - int64(math.Pow(u, 1.5)*float64(year-2))
	}
	sort.Slice(p.add, func(i, j int) bool { return p.add[i] < p.add[j] })
	for i := 1; i < total; i++ {
		if r.IntN(25) == 0 { // created in the same second as the previous one
			p.add[i] = p.add[i-1]
		}
	}
	// Bulk edits: instants many records share as update_time.
	bulk := make([]int64, max(2, total/40))
	for i := range bulk {
		u := r.Float64()
		bulk[i] = g.t0 - 1 - int64(u*u*float64(year-2))
	}
	for i := range p.upd {
		a := p.add[i]
		switch x := r.IntN(100); {
		case x < 25:
			p.upd[i] = a
		case x < 40:
			b := bulk[r.IntN(len(bulk))]
			p.upd[i] = max(a, b)
		default:
			w := r.Float64()
			p.upd[i] = g.t0 - int64(float64(g.t0-a)*w*w)
		}
		p.upd[i] = max(a, min(p.upd[i], g.t0))
	}
	for _, i := range r.Perm(total)[:d] {
		p.deleted[i] = true
	}
	for i := range total {
		if !p.deleted[i] {
			p.live = append(p.live, int64(i+1))
		}
	}
	return p
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// pickEarlier picks one of the ids created up to the same relative point in
// time as record i of n, so references point at older records.
func pickEarlier(r *rand.Rand, ids []int64, i, n int) int64 {
	return ids[r.IntN(max(1, len(ids)*(i+1)/max(n, 1)))]
}

func chance(r *rand.Rand, pct int) bool { return r.IntN(100) < pct }

// asciiFold lowers and strips diacritics for e-mail addresses and slugs.
func asciiFold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch c {
		case 'ä', 'á', 'à', 'â', 'ã', 'å':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'ö', 'ó', 'ô', 'õ', 'ø':
			b.WriteByte('o')
		case 'ü', 'ú', 'û':
			b.WriteByte('u')
		case 'í', 'î', 'ï':
			b.WriteByte('i')
		case 'ç':
			b.WriteByte('c')
		case 'ł':
			b.WriteByte('l')
		case 'ß':
			b.WriteString("ss")
		default:
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

func phoneFor(r *rand.Rand, c country) string {
	switch c.code {
	case "US":
		return fmt.Sprintf("+1 %03d 555 %04d", 200+r.IntN(700), r.IntN(10000))
	case "GB":
		return fmt.Sprintf("+44 20 7946 %04d", r.IntN(1000))
	default:
		return fmt.Sprintf("%s %d %03d %04d", c.dial, 2+r.IntN(8), r.IntN(1000), r.IntN(10000))
	}
}

func money(r *rand.Rand, lo, hi int) float64 {
	v := lo + r.IntN(hi-lo+1)
	if chance(r, 70) {
		return float64(v/50*50 + 50)
	}
	return math.Round(float64(v)*100+float64(r.IntN(100))) / 100
}

// hint carries what a record's custom values may be derived from.
type hint struct {
	first, last, org, domain, code string
	country                        country
	self                           int64
}

// monetary is the v2 value of a monetary custom field.
type monetary struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
}

func (g *gen) custom(r *rand.Rand, k kind, h hint) map[string]any {
	defs := g.reg.customDefs(k)
	m := make(map[string]any, len(defs))
	for _, d := range defs {
		if chance(r, 20) {
			m[d.key] = nil
			continue
		}
		m[d.key] = g.customValue(r, d, h)
	}
	return m
}

func (g *gen) customValue(r *rand.Rand, d *fieldDef, h hint) any {
	switch d.typ {
	case "varchar":
		switch d.name {
		case "Position":
			return pick(r, jobTitles)
		case "LinkedIn profile":
			return fmt.Sprintf("https://www.linkedin.com/in/%s-%s-%04x", asciiFold(h.first), asciiFold(h.last), r.IntN(1<<16))
		case "VAT number":
			return fmt.Sprintf("%s%09d", h.country.code, r.IntN(1e9))
		case "Website":
			return "https://www." + h.domain
		case "PO number":
			return fmt.Sprintf("PO-%06d", r.IntN(1e6))
		case "Meeting link":
			const letters = "abcdefghijklmnopqrstuvwxyz"
			b := make([]byte, 12)
			for i := range b {
				b[i] = letters[r.IntN(26)]
			}
			b[3], b[8] = '-', '-'
			return "https://meet.sandbox.example/" + string(b)
		case "Datasheet URL":
			return "https://files.sandbox.example/datasheets/" + strings.ToLower(h.code) + ".pdf"
		}
		return pick(r, noteSnippets)
	case "int":
		switch d.name {
		case "NPS score":
			return int64(r.IntN(11))
		case "Employees":
			return int64(math.Round(math.Exp(r.Float64() * 9)))
		case "Warranty months":
			return int64(12 * (1 + r.IntN(3)))
		}
		return int64(1 + r.IntN(500))
	case "double":
		switch d.name {
		case "Health score":
			return math.Round(r.Float64()*1000) / 100
		case "Discount %":
			return math.Round(r.Float64()*3000) / 100
		}
		return math.Round(r.Float64()*10000) / 100
	case "monetary":
		return monetary{Value: money(r, 100, 250000), Currency: pick(r, currencies)}
	case "date":
		switch d.name {
		case "Customer since", "Launch date":
			return v2Date(g.t0 - int64(1+r.IntN(3*365))*day)
		}
		return v2Date(g.t0 - 180*day + int64(r.IntN(365))*day)
	case "enum":
		return pick(r, d.options).id
	case "set":
		var ids []int64
		for _, o := range d.options {
			if chance(r, 30) {
				ids = append(ids, o.id)
			}
		}
		if len(ids) == 0 {
			ids = []int64{pick(r, d.options).id}
		}
		return ids
	case "user":
		return pick(r, g.users)
	case "org":
		return pick(r, g.plans[kindOrganization].live)
	case "people":
		return pick(r, g.plans[kindPerson].live)
	}
	return nil
}

func v2Date(sec int64) string { return v2Time(sec)[:10] }

func (g *gen) ownerOf(r *rand.Rand) int64 {
	// A few users own most records, as in a real sales team.
	if chance(r, 50) {
		return g.users[0]
	}
	return pick(r, g.users)
}

func (g *gen) stamp(p plan, i int) (int64, string, string, bool) {
	return int64(i + 1), v2Time(p.add[i]), v2Time(p.upd[i]), p.deleted[i]
}

func (g *gen) organizations() []*record {
	p := g.plans[kindOrganization]
	r := g.rng(101)
	out := make([]*record, len(p.add))
	g.orgs = make([]*organization, len(p.add))
	g.orgCountry = make([]country, len(p.add))
	for i := range p.add {
		o := &organization{LabelIDs: []int64{}}
		o.ID, o.AddTime, o.UpdateTime, o.IsDeleted = g.stamp(p, i)
		c := pick(r, countries)
		word, sector := pick(r, orgWords), pick(r, orgSectors)
		switch r.IntN(4) {
		case 0:
			o.Name = pick(r, lastNames) + " & " + pick(r, lastNames)
		default:
			o.Name = word + " " + sector
		}
		if chance(r, 70) {
			o.Name += " " + c.suffix
		}
		o.OwnerID = g.ownerOf(r)
		o.VisibleTo = pick(r, []int{3, 3, 3, 7, 1})
		if chance(r, 40) {
			o.LabelIDs = []int64{pick(r, orgLabels).id}
		}
		ci := r.IntN(len(c.cities))
		num := fmt.Sprintf("%d", 1+r.IntN(200))
		street := pick(r, c.streets)
		postal := fmt.Sprintf("%05d", r.IntN(100000))
		full := fmt.Sprintf("%s %s, %s %s, %s", street, num, postal, c.cities[ci], c.name)
		if chance(r, 85) {
			o.Address = &address{Value: full, StreetNumber: num, Route: street, Locality: c.cities[ci],
				AdminAreaLevel1: c.region[ci], Country: c.name, PostalCode: postal}
		}
		domain := asciiFold(strings.Fields(o.Name)[0]) + asciiFold(sector) + "." + c.tld
		o.CustomFields = g.custom(r, kindOrganization, hint{org: o.Name, domain: domain, country: c, self: o.ID})
		g.orgs[i], g.orgCountry[i] = o, c
		out[i] = newRecord(o)
	}
	return out
}

// orgWebsiteKey is the key of organizations' "Website" custom field.
var orgWebsiteKey = customKey(kindOrganization, "Website")

func (g *gen) orgDomain(o *organization) string {
	if w, ok := o.CustomFields[orgWebsiteKey].(string); ok {
		return strings.TrimPrefix(w, "https://www.")
	}
	return asciiFold(o.Name) + ".com"
}

func (g *gen) persons() []*record {
	p := g.plans[kindPerson]
	r := g.rng(102)
	out := make([]*record, len(p.add))
	for i := range p.add {
		ps := &person{Emails: []contact{}, Phones: []contact{}, LabelIDs: []int64{}}
		ps.ID, ps.AddTime, ps.UpdateTime, ps.IsDeleted = g.stamp(p, i)
		first, last := pick(r, firstNames), pick(r, lastNames)
		ps.FirstName, ps.LastName, ps.Name = strPtr(first), strPtr(last), first+" "+last
		ps.OwnerID = g.ownerOf(r)
		c := pick(r, countries)
		h := hint{first: first, last: last, country: c, self: ps.ID}
		if chance(r, 75) {
			o := g.orgs[pickEarlier(r, g.plans[kindOrganization].live, i, len(p.add))-1]
			ps.OrgID = i64Ptr(o.ID)
			h.org, h.domain = o.Name, g.orgDomain(o)
			if chance(r, 85) {
				c = g.orgCountry[o.ID-1]
				h.country = c
			}
		}
		local := asciiFold(first) + "." + asciiFold(last)
		if h.domain != "" && chance(r, 90) {
			ps.Emails = append(ps.Emails, contact{Value: local + "@" + h.domain, Primary: true, Label: "work"})
		}
		if len(ps.Emails) == 0 && chance(r, 85) || chance(r, 20) {
			ps.Emails = append(ps.Emails, contact{Value: fmt.Sprintf("%s%d@%s", local, r.IntN(100), pick(r, personalDomains)),
				Primary: len(ps.Emails) == 0, Label: pick(r, []string{"home", "other"})})
		}
		if chance(r, 80) {
			ps.Phones = append(ps.Phones, contact{Value: phoneFor(r, c), Primary: true, Label: pick(r, []string{"work", "mobile"})})
			if chance(r, 20) {
				ps.Phones = append(ps.Phones, contact{Value: phoneFor(r, c), Label: "home"})
			}
		}
		ps.VisibleTo = pick(r, []int{3, 3, 3, 7, 1})
		if chance(r, 35) {
			ps.LabelIDs = []int64{pick(r, personLabels).id}
		}
		if chance(r, 30) {
			ps.PictureID = i64Ptr(int64(1000 + i))
		}
		ps.CustomFields = g.custom(r, kindPerson, h)
		out[i] = newRecord(ps)
	}
	return out
}

func (g *gen) deals(persons []*record) []*record {
	p := g.plans[kindDeal]
	r := g.rng(103)
	ra := g.rng(203)
	livePersons := g.plans[kindPerson].live
	out := make([]*record, len(p.add))
	for i := range p.add {
		d := &deal{LabelIDs: []int64{}, Origin: "ManuallyCreated"}
		d.ID, d.AddTime, d.UpdateTime, d.IsDeleted = g.stamp(p, i)
		orgName := ""
		if chance(r, 90) {
			per := persons[pickEarlier(r, livePersons, i, len(p.add))-1].item.(*person)
			d.PersonID = i64Ptr(per.ID)
			d.OrgID = per.OrgID
			if per.OrgID != nil {
				orgName = g.orgs[*per.OrgID-1].Name
			}
		}
		if orgName == "" {
			orgName = pick(r, orgWords) + " " + pick(r, orgSectors)
		}
		switch r.IntN(3) {
		case 0:
			d.Title = orgName + " deal"
		case 1:
			d.Title = orgName + " – " + pick(r, dealProjects)
		default:
			d.Title = pick(r, dealProjects) + " for " + orgName
		}
		d.CreatorUserID = g.ownerOf(r)
		d.OwnerID = d.CreatorUserID
		if chance(r, 20) {
			d.OwnerID = pick(r, g.users)
		}
		d.Value = money(r, 500, 150000)
		d.Currency = pick(r, currencies)
		st := pick(r, stages)
		d.StageID, d.PipelineID = st.id, st.pipeline
		if chance(r, 70) {
			d.Probability = intPtr(st.prob)
		}
		add, upd := p.add[i], p.upd[i]
		d.StageChangeTime = strPtr(v2Time(add + (upd-add)/2))
		d.VisibleTo = pick(r, []int{3, 3, 3, 7, 1})
		d.ExpectedCloseDate = strPtr(v2Date(add + int64(30+r.IntN(90))*day))
		switch x := r.IntN(100); {
		case x < 25:
			d.Status = "won"
			d.WonTime, d.CloseTime = strPtr(v2Time(upd)), strPtr(v2Time(upd))
		case x < 40:
			d.Status = "lost"
			d.LostTime, d.CloseTime = strPtr(v2Time(upd)), strPtr(v2Time(upd))
			d.LostReason = strPtr(pick(r, lostReasons))
		default:
			d.Status = "open"
		}
		if d.IsDeleted {
			d.Status = "deleted"
		}
		if chance(r, 30) {
			d.LabelIDs = []int64{pick(r, dealLabels).id}
		}
		switch x := r.IntN(20); {
		case x < 2:
			d.Origin = "API"
		case x < 5:
			d.Origin = "Import"
		case x < 6:
			d.Origin = "WebForms"
		}
		d.CustomFields = g.custom(r, kindDeal, hint{org: orgName, self: d.ID})
		// Fields added later draw from their own stream, so the older
		// fields keep their values.
		if chance(ra, 6) {
			d.IsArchived, d.ArchiveTime = true, strPtr(d.UpdateTime)
		}
		if chance(ra, 15) {
			arr := math.Round(d.Value*100) / 100
			d.ARR, d.MRR, d.ACV = &arr, f64Ptr(math.Round(arr/12*100)/100), &arr
		}
		if chance(ra, 10) {
			d.SourceLeadID = strPtr(uuidFrom(ra))
			d.Origin = "Lead"
		}
		out[i] = newRecord(d)
	}
	return out
}

func (g *gen) activities(persons, deals []*record) []*record {
	p := g.plans[kindActivity]
	r := g.rng(104)
	ra := g.rng(204) // fields added later draw from their own stream
	out := make([]*record, len(p.add))
	for i := range p.add {
		a := &activity{Participants: []participant{}}
		a.ID, a.AddTime, a.UpdateTime, a.IsDeleted = g.stamp(p, i)
		a.Type = pick(r, activityTypes)
		a.OwnerID = g.ownerOf(r)
		a.CreatorUserID = a.OwnerID
		first, orgName := "", ""
		if chance(r, 50) {
			dl := deals[pickEarlier(r, g.plans[kindDeal].live, i, len(p.add))-1].item.(*deal)
			a.DealID, a.PersonID, a.OrgID = i64Ptr(dl.ID), dl.PersonID, dl.OrgID
		} else if chance(r, 80) {
			per := persons[pickEarlier(r, g.plans[kindPerson].live, i, len(p.add))-1].item.(*person)
			a.PersonID, a.OrgID = i64Ptr(per.ID), per.OrgID
		}
		if a.PersonID != nil {
			first = deref(persons[*a.PersonID-1].item.(*person).FirstName)
			a.Participants = []participant{{PersonID: *a.PersonID, Primary: true}}
		}
		if a.OrgID != nil {
			orgName = g.orgs[*a.OrgID-1].Name
		}
		who := first
		if who == "" {
			who = orgName
		}
		if who == "" {
			who = "the team"
		}
		switch a.Type {
		case "call":
			a.Subject = "Call with " + who
		case "meeting":
			a.Subject = "Meeting with " + who
		case "task":
			a.Subject = pick(r, []string{"Send proposal to ", "Prepare quote for ", "Follow up with "}) + who
		case "deadline":
			a.Subject = "Contract deadline – " + who
		case "email":
			a.Subject = "Email " + who + " about pricing"
		default:
			a.Subject = "Lunch with " + who
		}
		a.DueDate = strPtr(v2Date(p.add[i] + int64(r.IntN(37)-7)*day))
		if chance(r, 40) {
			a.DueTime = strPtr(fmt.Sprintf("%02d:%02d", 8+r.IntN(10), 15*r.IntN(4)))
			a.Duration = strPtr(pick(r, []string{"00:15", "00:30", "01:00", "01:30"}))
			a.Busy = a.Type == "meeting" || a.Type == "lunch"
		}
		if chance(r, 60) {
			a.Done = true
			a.MarkedAsDoneTime = strPtr(a.UpdateTime)
		}
		if chance(r, 30) {
			a.Note = strPtr(pick(r, noteSnippets))
		}
		if chance(r, 30) {
			a.Priority = i64Ptr(pick(r, activityPriorities).id)
		}
		if a.Type == "meeting" && chance(ra, 40) {
			// A video call: its conference fields, and attendees (served
			// only with include_fields=attendees) from the participants.
			a.ConferenceClient = strPtr(pick(ra, []string{"zoom", "google_meet", "microsoft_teams"}))
			a.ConferenceID = strPtr(fmt.Sprintf("%03d-%04d-%03d", ra.IntN(1000), ra.IntN(10000), ra.IntN(1000)))
			a.ConferenceURL = strPtr("https://meet.example.com/" + *a.ConferenceID)
		}
		out[i] = newRecord(a)
	}
	return out
}

func (g *gen) products() []*record {
	p := g.plans[kindProduct]
	r := g.rng(105)
	out := make([]*record, len(p.add))
	for i := range p.add {
		pr := &product{IsLinkable: true, BillingFrequency: "one-time"}
		pr.ID, pr.AddTime, pr.UpdateTime, pr.IsDeleted = g.stamp(p, i)
		base := pick(r, productBases)
		pr.Name = base + " " + pick(r, productEditions)
		if i >= len(productBases)*len(productEditions) {
			pr.Name += fmt.Sprintf(" v%d", 1+i/(len(productBases)*len(productEditions)))
		}
		code := fmt.Sprintf("%s-%05d", strings.ToUpper(asciiFold(base)[:3]), pr.ID)
		pr.Code = strPtr(code)
		if chance(r, 60) {
			pr.Description = strPtr(base + " — " + strings.ToLower(pick(r, productEditions)) + " tier.")
		}
		pr.Unit = strPtr(pick(r, units))
		pr.Tax = pick(r, []float64{0, 9, 20, 22, 24})
		if chance(r, 80) {
			pr.Category = strPtr(itoa(pick(r, productCategories).id))
		}
		pr.VisibleTo = pick(r, []int{3, 7})
		pr.OwnerID = g.ownerOf(r)
		switch r.IntN(4) {
		case 0:
			pr.BillingFrequency = "monthly"
		case 1:
			pr.BillingFrequency, pr.BillingFrequencyCycles = "annually", intPtr(1+r.IntN(3))
		}
		cur := pick(r, currencies)
		amount := money(r, 10, 5000)
		pr.Prices = []price{{ProductID: pr.ID, Price: amount, Currency: cur, Cost: math.Round(amount*60) / 100, Notes: ""}}
		if chance(r, 40) {
			other := "USD"
			if cur == "USD" {
				other = "EUR"
			}
			pr.Prices = append(pr.Prices, price{ProductID: pr.ID, Price: math.Round(amount*108) / 100, Currency: other,
				Cost: math.Round(amount*65) / 100, Notes: "list price"})
		}
		pr.CustomFields = g.custom(r, kindProduct, hint{code: code, self: pr.ID})
		out[i] = newRecord(pr)
	}
	return out
}

func f64Ptr(v float64) *float64 { return &v }

// uuidFrom returns a version-4 UUID drawn from r, as Pipedrive's lead ids.
func uuidFrom(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^0xf000 | 0x4000         // version 4
	b = b&^(0xc<<60) | (0x8 << 60) // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
