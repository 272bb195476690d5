package isolate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// seriesOf counts the series of a metric on /metrics and returns its lines.
func seriesOf(t *testing.T, h *harness, metric string) (int, string) {
	t.Helper()
	r := h.do("GET", "/metrics", "")
	var lines []string
	for _, l := range strings.Split(string(r.body), "\n") {
		if strings.HasPrefix(l, metric+"{") {
			lines = append(lines, l)
		}
	}
	return len(lines), strings.Join(lines, "\n")
}

func TestScriptChosenLabelsAreBounded(t *testing.T) {
	end := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.WriteHeader(max(code, 200))
	}))
	defer end.Close()
	h := newHarness(t, nil)
	// methods makes n requests with methods of the script's choosing.
	h.mustUpload("methods", connector("methods", "m", "const http = require('synapse/http');", fmt.Sprintf(`
    const m = req.entity.apiName.split(':');
    for (let i = +m[0]; i < +m[1]; i++)
      http.request({method: 'M' + i + 'x', url: %q + '?status=' + (290 + i %% 7) + '&i=' + i, retry: 0, throwOnError: false});`, end.URL)))
	readOf := func(from, to int) string {
		return strings.Replace(readEnvelope, `"apiName":"thing"}`, fmt.Sprintf(`"apiName":"%d:%d"}`, from, to), 1)
	}
	if tag := tagOf(t, h.invoke("methods", readOf(0, 10))); tag != "m" {
		t.Fatal(tag)
	}
	before, lines := seriesOf(t, h, "synapse_js_script_http_requests_total")
	if before == 0 || !strings.Contains(lines, `method="other"`) || !strings.Contains(lines, `synapse="methods"`) || !strings.Contains(lines, `status="2xx"`) {
		t.Fatalf("after the first requests:\n%s", lines)
	}
	for i := 10; i < 5010; i += 500 {
		if tag := tagOf(t, h.invoke("methods", readOf(i, i+500))); tag != "m" {
			t.Fatal(tag)
		}
	}
	after, lines := seriesOf(t, h, "synapse_js_script_http_requests_total")
	if after != before {
		t.Errorf("5,000 script-chosen methods changed the series from %d to %d:\n%s", before, after, lines)
	}
	if !strings.Contains(lines, `synapse_js_script_http_requests_total{method="other",status="2xx",synapse="methods"} 5010`) {
		t.Errorf("the requests were not all counted:\n%s", lines)
	}
	// Envelope types the caller invents are not labels either.
	for i := range 50 {
		h.invoke("methods", fmt.Sprintf(`{"type":"T%d","connection":{}}`, i))
	}
	if n, lines := seriesOf(t, h, "synapse_js_calls_total"); n > 3 {
		t.Errorf("invented types made %d call series:\n%s", n, lines)
	}
}
