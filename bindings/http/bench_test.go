package http

import (
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

// pipedrivePage is a Pipedrive API v2 /persons list page of n persons
// (about 2 KiB each, so 500 make ~1 MiB).
func pipedrivePage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"success":true,"data":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		id := 100000 + i
		fmt.Fprintf(&b, `{"id":%d,"name":"Person %d Example","first_name":"Person","last_name":"Example %d","owner_id":%d,"org_id":%d,`+
			`"add_time":"2024-03-%02dT10:%02d:00Z","update_time":"2025-01-%02dT08:%02d:30Z",`+
			`"emails":[{"value":"person%d@example.com","primary":true,"label":"work"},{"value":"p%d.private@mail.example.org","primary":false,"label":"home"}],`+
			`"phones":[{"value":"+1 415 555 %04d","primary":true,"label":"mobile"},{"value":"+44 20 7946 %04d","primary":false,"label":"work"}],`+
			`"is_deleted":false,"visible_to":3,"label_ids":[5,9,%d],"picture_id":null,"notes":"Met at the %d conference; follow up about the renewal and the enterprise tier. Prefers email.",`+
			`"im":[{"value":"person%d","primary":true,"label":"slack"}],"birthday":"1985-%02d-%02d","job_title":"Head of Revenue Operations",`+
			`"postal_address":{"value":"%d Market Street, San Francisco, CA 94105, USA","country":"United States","admin_area_level_1":"California","locality":"San Francisco","route":"Market Street","street_number":"%d","postal_code":"94105","lat":37.7897,"long":-122.3972},`+
			`"custom_fields":{"8f3c1a2b9d":"Enterprise","1a2b3c4d5e":%d,"aa11bb22cc":{"value":12500.5,"currency":"USD"},"dd33ee44ff":null,"99887766aa":["api","sso"],"0c0c0c0c0c":"2025-06-30","7e7e7e7e7e":true,"5f5f5f5f5f":"Lead source: partner referral program, tier 2"},`+
			`"marketing_status":"subscribed","doi_status":"completed","version":%d,"next_activity_id":%d,"last_activity_id":%d,"open_deals_count":%d,"closed_deals_count":%d,`+
			`"related_open_deals_count":0,"related_closed_deals_count":1,"participant_open_deals_count":0,"email_messages_count":%d,"activities_count":%d,"done_activities_count":%d,"undone_activities_count":%d,"files_count":0,"notes_count":%d,"followers_count":1,`+
			`"last_incoming_mail_time":"2025-02-11T09:15:00Z","last_outgoing_mail_time":"2025-02-12T16:40:00Z","company_id":7001234}`,
			id, i, i, 9000+i%7, 5000+i%50, 1+i%28, i%60, 1+i%28, i%60, i, i, i%10000, i%10000, i%20, 2020+i%5, i, 1+i%12, 1+i%28,
			i, i, 1000000+i, 1+i%9, 300000+i, 290000+i, i%4, i%6, i%40, i%30, i%20, i%10, i%8)
	}
	b.WriteString(`],"additional_data":{"next_cursor":"eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6MTAwNDk5LCJzb3J0RGlyZWN0aW9uIjoiYXNjIiwiaWQiOjEwMDQ5OX0"}}`)
	return []byte(b.String())
}

// benchVU is a runtime whose call never times out and logs at info (so
// the per-request debug line is skipped, as in production).
func benchVU(b *testing.B) *bindingstest.VU {
	// A benchmark repeats one request in one call: no budget, no guard.
	vu := newVUEnv(b, &bindings.Env{HTTP: &bindings.HTTPConfig{RetryBaseWait: 5 * time.Millisecond, MaxRequestsPerCall: -1, MaxIdenticalRepeats: -1}})
	c := *vu.Call()
	c.Ctx = context.Background()
	c.Log = zerolog.New(io.Discard).Level(zerolog.InfoLevel)
	vu.SetCall(&c)
	return vu
}

func fn(b *testing.B, vu *bindingstest.VU, name string) goja.Callable {
	f, ok := goja.AssertFunction(vu.RT.Get(name))
	if !ok {
		b.Fatalf("%s is not a function", name)
	}
	return f
}

// BenchmarkJSON compares resp.json() (jsjson.Parse from the bytes) with
// JSON.parse(resp.text()) on a 1 MiB Pipedrive list page.
func BenchmarkJSON(b *testing.B) {
	page := pipedrivePage(500)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	}))
	defer srv.Close()
	vu := benchVU(b)
	vu.MustRun(b, fmt.Sprintf(`var resp = http.get(%q);
		function viaJSON() { return resp.json().data.length }
		function viaParse() { return JSON.parse(resp.text()).data.length }
		if (viaJSON() !== 500 || viaParse() !== 500) throw new Error("bad page");`, srv.URL))
	b.Logf("page: %d bytes", len(page))
	for _, name := range []string{"viaJSON", "viaParse"} {
		f := fn(b, vu, name)
		label := map[string]string{"viaJSON": "resp.json", "viaParse": "JSON.parse(resp.text())"}[name]
		b.Run(label, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f(goja.Undefined()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONRatio alternates the two ways in each iteration and reports
// how many times faster resp.json() is (x_faster), which holds up better
// than two separate benchmarks on a busy machine. Its ns/op includes the
// forced collections; read json_ns/op and parse_ns/op.
func BenchmarkJSONRatio(b *testing.B) {
	page := pipedrivePage(500)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Write(page)
	}))
	defer srv.Close()
	vu := benchVU(b)
	vu.MustRun(b, fmt.Sprintf(`var resp = http.get(%q);
		function viaJSON() { return resp.json().data.length }
		function viaParse() { return JSON.parse(resp.text()).data.length }`, srv.URL))
	viaJSON, viaParse := fn(b, vu, "viaJSON"), fn(b, vu, "viaParse")
	var tJSON, tParse time.Duration
	for b.Loop() {
		// Collect before each timed half, so neither pays for the
		// garbage the other left (each still pays for its own).
		runtime.GC()
		t0 := time.Now()
		if _, err := viaJSON(goja.Undefined()); err != nil {
			b.Fatal(err)
		}
		tJSON += time.Since(t0)
		runtime.GC()
		t1 := time.Now()
		if _, err := viaParse(goja.Undefined()); err != nil {
			b.Fatal(err)
		}
		tParse += time.Since(t1)
	}
	b.ReportMetric(float64(tParse)/float64(tJSON), "x_faster")
	b.ReportMetric(float64(tJSON.Nanoseconds())/float64(b.N), "json_ns/op")
	b.ReportMetric(float64(tParse.Nanoseconds())/float64(b.N), "parse_ns/op")
}

// BenchmarkJSONWalkRatio is BenchmarkJSONRatio with a script that reads
// every value of the page (for…in over every object and array), the
// worst case for resp.json()'s lazy values, which BenchmarkJSONRatio
// (reading one length) flatters.
func BenchmarkJSONWalkRatio(b *testing.B) {
	page := pipedrivePage(500)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Write(page)
	}))
	defer srv.Close()
	vu := benchVU(b)
	vu.MustRun(b, fmt.Sprintf(`var resp = http.get(%q);
		function walk(v) {
			if (v === null || typeof v !== 'object') return 1;
			let n = 0;
			for (const k in v) n += walk(v[k]);
			return n;
		}
		function viaJSON() { return walk(resp.json()) }
		function viaParse() { return walk(JSON.parse(resp.text())) }`, srv.URL))
	viaJSON, viaParse := fn(b, vu, "viaJSON"), fn(b, vu, "viaParse")
	var tJSON, tParse time.Duration
	for b.Loop() {
		runtime.GC()
		t0 := time.Now()
		a, err := viaJSON(goja.Undefined())
		if err != nil {
			b.Fatal(err)
		}
		tJSON += time.Since(t0)
		runtime.GC()
		t1 := time.Now()
		p, err := viaParse(goja.Undefined())
		if err != nil {
			b.Fatal(err)
		}
		tParse += time.Since(t1)
		if a.ToInteger() != p.ToInteger() {
			b.Fatalf("walked %d values in resp.json(), %d in JSON.parse", a.ToInteger(), p.ToInteger())
		}
	}
	b.ReportMetric(float64(tParse)/float64(tJSON), "x_faster")
	b.ReportMetric(float64(tJSON.Nanoseconds())/float64(b.N), "json_ns/op")
	b.ReportMetric(float64(tParse.Nanoseconds())/float64(b.N), "parse_ns/op")
}

// BenchmarkGetRatio alternates http.get and a plain resty request in each
// iteration and reports the ratio of their times (x_resty).
func BenchmarkGetRatio(b *testing.B) {
	body := []byte(`{"success":true,"data":{"id":1,"name":"Ann Example","email":"ann@example.com"}}`)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	url := srv.URL + "/v2/persons/1"
	vu := benchVU(b)
	vu.MustRun(b, fmt.Sprintf(`function get() { return http.get(%q).status }`, url))
	get := fn(b, vu, "get")
	c := resty.New()
	var tOurs, tResty time.Duration
	for b.Loop() {
		t0 := time.Now()
		if v, err := get(goja.Undefined()); err != nil || v.ToInteger() != 200 {
			b.Fatal(v, err)
		}
		t1 := time.Now()
		if r, err := c.R().SetContext(context.Background()).Get(url); err != nil || r.StatusCode() != 200 {
			b.Fatal(r, err)
		}
		tOurs += t1.Sub(t0)
		tResty += time.Since(t1)
	}
	b.ReportMetric(float64(tOurs)/float64(tResty), "x_resty")
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N), "ours_ns/op")
	b.ReportMetric(float64(tResty.Nanoseconds())/float64(b.N), "resty_ns/op")
}

// BenchmarkGet compares http.get from a script with a plain resty request
// to the same loopback server.
func BenchmarkGet(b *testing.B) {
	body := []byte(`{"success":true,"data":{"id":1,"name":"Ann Example","email":"ann@example.com"}}`)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	b.Run("synapse-http.get", func(b *testing.B) {
		vu := benchVU(b)
		vu.MustRun(b, fmt.Sprintf(`function get() { return http.get(%q).status }`, srv.URL+"/v2/persons/1"))
		f := fn(b, vu, "get")
		b.ReportAllocs()
		for b.Loop() {
			v, err := f(goja.Undefined())
			if err != nil || v.ToInteger() != 200 {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("resty", func(b *testing.B) {
		c := resty.New()
		b.ReportAllocs()
		for b.Loop() {
			r, err := c.R().SetContext(context.Background()).Get(srv.URL + "/v2/persons/1")
			if err != nil || r.StatusCode() != 200 {
				b.Fatal(r, err)
			}
		}
	})
}
