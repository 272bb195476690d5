package pipedrive

import (
	"encoding/json"
	"fmt"
	"math"
)

// objCounts are the generated sizes of the generic entities for
// Options.Records: notes Records/2, leads Records/4, files Records/5, and
// one to three products on about 40% of deals; pipelines, stages, activity
// types, currencies and filters are fixed sets.
func objCounts(records int) (notes, leads, files int) {
	return max(1, records/2), max(1, records/4), max(1, records/5)
}

// genObjects generates the generic entities. Each draws from its own
// random stream, so adding one never changes another's data.
func (s *Sandbox) genObjects(g *gen) {
	t0 := g.t0
	mk := func(k objKind, objs []*obj) { s.objs[k] = newObjStore(k, objs) }
	year := int64(365 * day)

	// Pipelines and stages: the fixed set deals reference.
	var pipes []*obj
	for i, name := range []string{"Sales", "Partnerships"} {
		id := int64(i + 1)
		add := t0 - year + id*day
		vals := map[string]any{"id": id, "name": name, "order_nr": id, "is_deleted": false, "is_deal_probability_enabled": i == 0,
			"add_time": v2Time(add), "update_time": v2Time(add + 30*day*id)}
		pipes = append(pipes, newObj(id, "", add, add+30*day*id, false, vals))
	}
	mk(objPipeline, pipes)
	var sts []*obj
	for i, st := range stages {
		add := t0 - year + int64(i+1)*day
		upd := add + int64(i*7)*day
		var rot any
		if i%3 == 0 {
			rot = int64(14 + i)
		}
		vals := map[string]any{"id": st.id, "order_nr": int64(i + 1), "name": st.name, "is_deleted": false, "deal_probability": int64(st.prob),
			"pipeline_id": st.pipeline, "is_deal_rot_enabled": rot != nil, "days_to_rotten": rot, "add_time": v2Time(add), "update_time": v2Time(upd)}
		sts = append(sts, newObj(st.id, "", add, upd, false, vals))
	}
	mk(objStage, sts)

	// Activity types: Pipedrive's defaults, then two custom ones.
	icons := map[string]string{"call": "call", "meeting": "meeting", "task": "task", "deadline": "deadline", "email": "email", "lunch": "lunch"}
	var ats []*obj
	names := append(append([]string(nil), activityTypes...), "demo", "site_visit")
	for i, key := range names {
		id := int64(i + 1)
		add := t0 - year + id*day
		custom := i >= len(activityTypes)
		icon := icons[key]
		if custom {
			icon = []string{"presentation", "car"}[i-len(activityTypes)]
		}
		name := map[string]string{"call": "Call", "meeting": "Meeting", "task": "Task", "deadline": "Deadline", "email": "Email",
			"lunch": "Lunch", "demo": "Product demo", "site_visit": "Site visit"}[key]
		vals := map[string]any{"id": id, "name": name, "icon_key": icon, "color": nil, "order_nr": id, "key_string": key,
			"active_flag": true, "is_custom_flag": custom, "add_time": v1Time(add), "update_time": v1Time(add + id*11*day)}
		if custom {
			vals["color"] = "FFC64F"
		}
		ats = append(ats, newObj(id, "", add, add+id*11*day, false, vals))
	}
	mk(objActivityType, ats)

	// Currencies: no times at all in Pipedrive.
	var curs []*obj
	for i, c := range []struct {
		code, name, sym string
		dp              int
	}{{"EUR", "Euro", "€", 2}, {"USD", "US Dollar", "$", 2}, {"GBP", "British Pound", "£", 2}, {"SEK", "Swedish Krona", "kr", 2},
		{"JPY", "Japanese Yen", "¥", 0}, {"CHF", "Swiss Franc", "CHF", 2}, {"BRL", "Brazilian Real", "R$", 2}, {"XBT", "Bitcoin (custom)", "₿", 8}} {
		id := int64(i + 1)
		vals := map[string]any{"id": id, "code": c.code, "name": c.name, "decimal_points": int64(c.dp), "symbol": c.sym,
			"active_flag": true, "is_custom_flag": c.code == "XBT"}
		curs = append(curs, newObj(id, "", 0, 0, false, vals))
	}
	mk(objCurrency, curs)

	// Filters: a few per type.
	var fls []*obj
	for i, f := range []struct{ name, typ string }{{"Open deals over 10k", "deals"}, {"Won this quarter", "deals"},
		{"Customers in Germany", "people"}, {"Hot leads", "leads"}, {"Enterprise organizations", "org"},
		{"Overdue calls", "activity"}, {"Software products", "products"}} {
		id := int64(i + 1)
		add := t0 - year/2 + id*3*day
		upd := add + id*5*day
		vals := map[string]any{"id": id, "name": f.name, "filter_code": nil, "is_editable": true, "active_flag": true, "type": f.typ,
			"temporary_flag": nil, "user_id": int64(1 + i%2), "add_time": v1Time(add), "update_time": v1Time(upd),
			"visible_to": "7", "last_used_time": v1Time(upd + day), "custom_view_id": nil,
			"conditions": json.RawMessage(`{"glue":"and","conditions":[{"glue":"and","conditions":[]},{"glue":"or","conditions":[]}]}`)}
		fls = append(fls, newObj(id, "", add, upd, false, vals))
	}
	mk(objFilter, fls)

	nNotes, nLeads, nFiles := objCounts(s.opts.Records)
	deals := s.stores[kindDeal].live()
	persons := s.stores[kindPerson].live()

	// Notes, on deals, persons or organizations.
	r := g.rng(301)
	plan := g.makePlan(kind(10), nNotes)
	var notes []*obj
	for i := range plan.add {
		id := int64(i + 1)
		var dealID, personID, orgID *int64
		content := pick(r, noteSnippets)
		switch x := r.IntN(10); {
		case x < 5:
			d := deals[r.IntN(len(deals))].item.(*deal)
			dealID, personID, orgID = &d.ID, d.PersonID, d.OrgID
		default:
			p := persons[r.IntN(len(persons))].item.(*person)
			personID, orgID = &p.ID, p.OrgID
		}
		user := g.ownerOf(r)
		vals := s.noteVals(id, v1Time(plan.add[i]), v1Time(plan.upd[i]), user, "<p>"+content+"</p>", dealID, personID, orgID, nil)
		vals["pinned_to_deal_flag"] = dealID != nil && r.IntN(10) == 0
		if plan.deleted[i] {
			vals["active_flag"] = false
		}
		notes = append(notes, newObj(id, "", plan.add[i], plan.upd[i], plan.deleted[i], vals))
	}
	mk(objNote, notes)

	// Leads; about 10% archived.
	r = g.rng(302)
	plan = g.makePlan(kind(11), nLeads)
	var leads []*obj
	for i := range plan.add {
		id := int64(i + 1)
		p := persons[r.IntN(len(persons))].item.(*person)
		owner := g.ownerOf(r)
		var value any
		if chance(r, 70) {
			value = json.RawMessage(fmt.Sprintf(`{"amount":%v,"currency":%q}`, money(r, 500, 50000), pick(r, currencies)))
		}
		var ecd any
		if chance(r, 50) {
			ecd = v2Date(plan.add[i] + int64(30+r.IntN(60))*day)
		}
		labels := json.RawMessage(`[]`)
		if chance(r, 30) {
			labels = json.RawMessage(`["f08b42a0-4e75-11ea-9643-03698ef1cfd6"]`)
		}
		sid := leadUUID(objLead, id)
		vals := map[string]any{"id": sid, "title": p.Name + " lead", "owner_id": owner, "creator_id": owner, "label_ids": labels,
			"person_id": p.ID, "organization_id": nil, "source_name": pick(r, []string{"Manually created", "Web forms", "Prospector", "API"}),
			"origin": "ManuallyCreated", "origin_id": nil, "channel": nil, "channel_id": nil, "source_deal_id": nil,
			"is_archived": chance(r, 10), "was_seen": chance(r, 60), "value": value, "expected_close_date": ecd, "next_activity_id": nil,
			"add_time": objSpecs[objLead].formatTime(plan.add[i]), "update_time": objSpecs[objLead].formatTime(plan.upd[i]),
			"visible_to": "3", "cc_email": fmt.Sprintf("sandbox+lead%d@pipedrivemail.com", id)}
		if p.OrgID != nil {
			vals["organization_id"] = *p.OrgID
		}
		leads = append(leads, newObj(id, sid, plan.add[i], plan.upd[i], plan.deleted[i], s.withLeadCustom(vals)))
	}
	mk(objLead, leads)

	// Files, attached to deals or persons.
	r = g.rng(303)
	plan = g.makePlan(kind(12), nFiles)
	var files []*obj
	for i := range plan.add {
		id := int64(i + 1)
		ext := pick(r, []string{"pdf", "docx", "xlsx", "png"})
		name := pick(r, []string{"Proposal", "Contract", "Price list", "Meeting notes", "Logo"}) + fmt.Sprintf(" %d.%s", id, ext)
		vals := map[string]any{"id": id, "user_id": g.ownerOf(r), "deal_id": nil, "person_id": nil, "org_id": nil, "product_id": nil,
			"activity_id": nil, "lead_id": nil, "project_id": nil, "add_time": v1Time(plan.add[i]), "update_time": v1Time(plan.upd[i]),
			"file_name": name, "file_size": int64(10_000 + r.IntN(5_000_000)), "active_flag": !plan.deleted[i], "inline_flag": false,
			"remote_location": "s3", "remote_id": fmt.Sprintf("sandbox/%d", id), "cid": "", "s3_bucket": "", "mail_message_id": "",
			"mail_template_id": "", "deal_name": "", "person_name": "", "org_name": "", "product_name": "", "lead_name": "",
			"project_name": "", "url": fmt.Sprintf("https://sandbox.pipedrive.invalid/v1/files/%d/download", id), "name": name,
			"description": ""}
		if chance(r, 50) {
			d := deals[r.IntN(len(deals))].item.(*deal)
			vals["deal_id"], vals["deal_name"] = d.ID, d.Title
		} else {
			p := persons[r.IntN(len(persons))].item.(*person)
			vals["person_id"], vals["person_name"] = p.ID, p.Name
		}
		files = append(files, newObj(id, "", plan.add[i], plan.upd[i], plan.deleted[i], vals))
	}
	mk(objFile, files)

	// Deal products: one to three on about 40% of deals, added with the
	// deal or later.
	r = g.rng(304)
	prods := s.stores[kindProduct].live()
	var dps []*obj
	id := int64(0)
	for _, dr := range deals {
		d := dr.item.(*deal)
		if !chance(r, 40) {
			continue
		}
		for j := 0; j < 1+r.IntN(3); j++ {
			id++
			pr := prods[r.IntN(len(prods))].item.(*product)
			price := 0.0
			if len(pr.Prices) > 0 {
				price = pr.Prices[0].Price
			}
			add := dr.add + int64(r.IntN(int(max(1, (dr.upd-dr.add)/2+1))))
			upd := add
			if chance(r, 30) {
				upd = add + (dr.upd-add)/2
			}
			vals := map[string]any{"id": id, "tax": pr.Tax, "deal_id": d.ID, "name": pr.Name, "product_id": pr.ID,
				"product_variation_id": nil, "order_nr": int64(j + 1), "add_time": v2Time(add), "update_time": v2Time(upd),
				"comments": "", "currency": d.Currency, "discount": float64(pick(r, []int{0, 0, 5, 10})), "discount_type": "percentage",
				"quantity": float64(1 + r.IntN(20)), "item_price": price, "tax_method": pick(r, []string{"inclusive", "exclusive", "none"}),
				"is_enabled": true, "billing_frequency": pr.BillingFrequency, "billing_frequency_cycles": nil, "billing_start_date": nil}
			if pr.BillingFrequencyCycles != nil {
				vals["billing_frequency_cycles"] = int64(*pr.BillingFrequencyCycles)
			}
			vals["sum"] = dealProductSum(vals)
			dps = append(dps, newObj(id, "", add, upd, false, vals))
		}
	}
	mk(objDealProduct, dps)
	_ = math.Round
}

// dealProductCounts counts the products attached to each deal.
func (s *Sandbox) dealProductCounts() map[int64]int {
	out := map[int64]int{}
	for _, o := range s.objs[objDealProduct].live() {
		id, _ := o.vals["deal_id"].(int64)
		out[id]++
	}
	return out
}
