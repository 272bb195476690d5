package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/synapsejs/synapse-js/host"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers (tests) never share state.
type metrics struct {
	reg      *prometheus.Registry
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	uploads  *prometheus.CounterVec
	http     *prometheus.CounterVec
	requests *prometheus.CounterVec
	handler  http.Handler
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "synapse_js_calls_total",
			Help: "Connector calls by serving name, wire type and outcome (ok, error, rejected) with the status answered.",
		}, []string{"synapse", "type", "outcome", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "synapse_js_call_duration_seconds",
			Help:    "Connector call duration, queueing included, by serving name and wire type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"synapse", "type"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "synapse_js_uploads_total",
			Help: "Uploads by outcome: ok, invalid (did not validate), too_large, rejected (bad name or content type), error.",
		}, []string{"outcome"}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "synapse_js_script_http_requests_total",
			Help: "HTTP requests made by scripts, by serving name, method (a standard one or other) and status (a standard code, else its class such as 4xx; 0: no response).",
		}, []string{"synapse", "method", "status"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "synapse_js_http_requests_total",
			Help: "Requests the server answered, by route and HTTP status.",
		}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.calls, m.duration, m.uploads, m.http, m.requests,
		newRuntimeCollector(s),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) call(synapse, typ, outcome string, status int, d time.Duration) {
	if _, ok := host.ResolveMethod(typ); !ok || typ == "" {
		// The envelope's type is the caller's string: only the contract's
		// types become labels.
		typ = "unknown"
	}
	m.calls.WithLabelValues(synapse, typ, outcome, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(synapse, typ).Observe(d.Seconds())
}

func (m *metrics) upload(outcome string) { m.uploads.WithLabelValues(outcome).Inc() }

func (m *metrics) scriptHTTP(synapse, method string, status int) {
	m.http.WithLabelValues(synapse, methodLabel(method), statusLabel(status)).Inc()
}

// methodLabel bounds the method label: scripts choose the method, and a
// label per string would let one script grow /metrics without end (or put
// a secret on it).
func methodLabel(method string) string {
	switch m := strings.ToUpper(method); m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}

// statusLabel is a status code the HTTP standard names, else its class
// ("4xx"); the end system chooses it.
func statusLabel(status int) string {
	switch {
	case status == 0:
		return "0"
	case http.StatusText(status) != "":
		return strconv.Itoa(status)
	case status >= 100 && status <= 599:
		return strconv.Itoa(status/100) + "xx"
	}
	return "other"
}

func (m *metrics) request(route string, code int) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

// runtimeCollector reports, at scrape time, each serving connector's
// runtimes and calls, read from its pool and limiter.
type runtimeCollector struct {
	s                                      *Server
	inUse, live, waiting, serving, version *prometheus.Desc
}

func newRuntimeCollector(s *Server) runtimeCollector {
	return runtimeCollector{
		s:       s,
		inUse:   prometheus.NewDesc("synapse_js_runtimes_in_use", "Runtimes running a call, by serving name.", []string{"synapse"}, nil),
		live:    prometheus.NewDesc("synapse_js_runtimes_live", "Runtimes that exist (idle or busy), by serving name.", []string{"synapse"}, nil),
		waiting: prometheus.NewDesc("synapse_js_calls_waiting", "Calls queued for a concurrency slot, by serving name.", []string{"synapse"}, nil),
		serving: prometheus.NewDesc("synapse_js_synapses_serving", "Connectors serving now.", nil, nil),
		version: prometheus.NewDesc("synapse_js_synapse_version", "The version serving, by serving name.", []string{"synapse"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.inUse
	ch <- c.live
	ch <- c.waiting
	ch <- c.serving
	ch <- c.version
}

// Collect implements prometheus.Collector.
func (c runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	c.s.mu.RLock()
	entries := make([]*entry, 0, len(c.s.entries))
	for _, e := range c.s.entries {
		entries = append(entries, e)
	}
	c.s.mu.RUnlock()
	serving := 0
	for _, e := range entries {
		l := e.cur.Load()
		if l == nil {
			continue
		}
		serving++
		st := l.conn.Stats()
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(st.InUse), e.name)
		ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, float64(st.Live), e.name)
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(e.lim.waiting()), e.name)
		ch <- prometheus.MustNewConstMetric(c.version, prometheus.GaugeValue, float64(l.ver.Version), e.name)
	}
	ch <- prometheus.MustNewConstMetric(c.serving, prometheus.GaugeValue, float64(serving))
}
