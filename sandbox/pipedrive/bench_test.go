package pipedrive_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// benchPersons is the sandbox size of BenchmarkListPersons500.
const benchPersons = 50000

// BenchmarkListPersons500 is the sandbox's ceiling for the connector
// benchmark: one op pages every live person of a 50,000-person sandbox in
// (update_time, id) order, 500 a page, over a real loopback server with a
// plain net/http client that reads and discards each body and follows
// next_cursor (found without decoding the records). It reports records/s
// and the bytes served per record.
//
//	go test -run '^$' -bench ListPersons500 -benchtime 3x ./sandbox/pipedrive/
func BenchmarkListPersons500(b *testing.B) {
	sb := pipedrive.New(pipedrive.Options{Records: benchPersons, Now: func() time.Time { return epoch }})
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	buf := bytes.NewBuffer(make([]byte, 0, 1<<20))

	// page fetches one page into buf and returns its next_cursor ("" on the
	// last page).
	page := func(cursor string) string {
		q := url.Values{"limit": {"500"}, "sort_by": {"update_time"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, err := http.NewRequest("GET", srv.URL+"/api/v2/persons?"+q.Encode(), nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("x-api-token", sb.Token())
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("status %d, err %v: %.200s", res.StatusCode, err, buf.Bytes())
		}
		return nextCursor(b, buf.Bytes())
	}
	// pageAll pages the whole list and returns the bytes and pages read.
	pageAll := func() (bytesRead int64, pages int) {
		cursor := ""
		for {
			cursor = page(cursor)
			bytesRead += int64(buf.Len())
			pages++
			if cursor == "" {
				return bytesRead, pages
			}
		}
	}

	// One untimed pass renders every record's JSON once (the cache a fresh
	// sandbox fills on first read) and checks the page count.
	if _, pages := pageAll(); pages != benchPersons/500 {
		b.Fatalf("%d pages, want %d", pages, benchPersons/500)
	}
	b.ReportAllocs()
	var total int64
	ops := 0
	for b.Loop() {
		n, _ := pageAll()
		total += n
		ops++
	}
	records := float64(benchPersons) * float64(ops)
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(total)/records, "B/record")
}

// nextCursor extracts additional_data.next_cursor from a list body, which
// ends with it, without decoding the data array.
func nextCursor(tb testing.TB, body []byte) string {
	const key = `"next_cursor":`
	i := bytes.LastIndex(body, []byte(key))
	if i < 0 {
		tb.Fatalf("no next_cursor in %.200s", body)
	}
	var c *string
	if err := json.NewDecoder(bytes.NewReader(body[i+len(key):])).Decode(&c); err != nil {
		tb.Fatalf("next_cursor: %v", err)
	}
	if c == nil {
		return ""
	}
	return *c
}
