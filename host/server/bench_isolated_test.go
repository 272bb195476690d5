package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/isolate"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/internal/gctune"
)

// workerEnv makes this test binary a worker process: the isolated server of
// BenchmarkInvokeHTTP starts it with this variable set, as serve starts
// `synapse-js worker`.
const workerEnv = "SYNAPSE_JS_SERVER_TEST_WORKER"

func TestMain(m *testing.M) {
	// As synapse-js's main does, for serve and its workers alike: the
	// benchmark measures the server as it runs.
	gctune.Apply(os.Getenv)
	if os.Getenv(workerEnv) == "1" {
		profileWorker()
		os.Exit(isolate.WorkerMain(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// workerProfileEnv, set to a file name prefix, makes each worker of the
// benchmark write CPU profiles to PREFIX.PID.N, one per
// workerProfileSecondsEnv seconds (default 2): the pool kills its workers
// when it closes, so a profile cannot wait for the worker's exit. Merge
// them with go tool pprof.
//
//	SYNAPSE_JS_BENCH_WORKER_CPUPROFILE=/tmp/worker go test -run '^$' -bench InvokeHTTP ./host/server/
const (
	workerProfileEnv        = "SYNAPSE_JS_BENCH_WORKER_CPUPROFILE"
	workerProfileSecondsEnv = "SYNAPSE_JS_BENCH_WORKER_PROFILE_SECONDS"
)

func profileWorker() {
	prefix := os.Getenv(workerProfileEnv)
	if prefix == "" {
		return
	}
	secs, err := strconv.Atoi(os.Getenv(workerProfileSecondsEnv))
	if err != nil || secs <= 0 {
		secs = 2
	}
	start := func(n int) *os.File {
		f, err := os.Create(fmt.Sprintf("%s.%d.%d", prefix, os.Getpid(), n))
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker profile:", err)
			return nil
		}
		return f
	}
	f := start(0)
	if f == nil {
		return
	}
	go func() {
		for n := 1; ; n++ {
			time.Sleep(time.Duration(secs) * time.Second)
			pprof.StopCPUProfile()
			f.Close()
			if f = start(n); f == nil {
				return
			}
		}
	}()
}

const (
	benchAdminTok  = "bench-admin-token"
	benchInvokeTok = "bench-invoke-token"
)

// trivialConnector answers synapse_info and nothing that needs a module
// beyond the standard ones, so workers can run it.
const trivialConnector = `module.exports = {
  synapse_info() { return {name: 'trivial', metadata: {displayName: 'X'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req) { return {data: [], watermark: req.watermark, offsetType: 'RECORD_COUNT'}; },
};
`

// benchServer starts a server on loopback configured as `synapse-js serve`
// is by default (engine pool, concurrency and queue left to their
// defaults), in process or, with iso, with its calls in worker processes
// of this test binary, and uploads the trivial connector. Its logs are
// written as in production and thrown away.
func benchServer(b *testing.B, iso bool) string {
	b.Helper()
	st, err := store.OpenFile(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	opts := server.Options{
		Store:       st,
		Engine:      host.StdOptions(host.Options{Logger: zerolog.New(io.Discard)}),
		Logger:      zerolog.New(io.Discard),
		AdminToken:  benchAdminTok,
		InvokeToken: benchInvokeTok,
	}
	if iso {
		wo := isolate.Options{Command: []string{os.Args[0]}, Env: []string{workerEnv + "=1"}}
		if raceBuild {
			wo.AddressSpace = -1
		}
		opts.NewLoader = isolate.ServerLoader(wo)
	}
	srv, err := server.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(func() { ts.Close(); srv.Close() })
	req, _ := http.NewRequest("PUT", ts.URL+"/v1/synapses/trivial", strings.NewReader(trivialConnector))
	req.Header.Set("Authorization", "Bearer "+benchAdminTok)
	req.Header.Set("Content-Type", "application/javascript")
	res, err := ts.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	return ts.URL + "/trivial"
}

// onlySide runs one side of BenchmarkInvokeHTTP alone, to profile it.
var onlySide = flag.String("invoke-side", "", "BenchmarkInvokeHTTP: run only this side (isolated, inproc or baseline), e.g. to profile it")

// invokeClient chooses BenchmarkInvokeHTTP's load generator.
var invokeClient = flag.String("invoke-client", "lean", "BenchmarkInvokeHTTP: the clients' HTTP code: lean (a connection each, request bytes written and the answer read with http.ReadResponse, as wrk does) or nethttp (net/http's Client)")

// BenchmarkInvokeHTTP measures synapse_info invokes over HTTP on loopback
// from 32 concurrent clients against three servers in the same run:
//
//   - isolated: the server as `synapse-js serve` runs it by default, every
//     call in a worker process (`--isolate process`);
//   - inproc: the same server running calls in its own process
//     (`--isolate none`);
//   - baseline: a plain net/http handler that reads the envelope, decodes
//     it with encoding/json and writes the same answer.
//
// It reports each side's invokes/s and latency percentiles and the ratios
// between them. The sides take turns in chunks, the order rotating, so a
// busy machine slows all of them alike.
//
// The clients run in this process, on the same CPUs as the servers, so
// what they cost is taken from what is measured. By default each client
// is lean, as a load generator such as wrk is: its own connection, the
// request's bytes written and the answer read with http.ReadResponse.
// net/http's Client (-invoke-client nethttp) spends more CPU per request
// than the server's net/http does (two goroutines per connection and a
// handoff between them per request; about 19 µs against 12 in a profile).
//
//	go test -run '^$' -bench InvokeHTTP -benchtime 20000x ./host/server/
//	go test -run '^$' -bench InvokeHTTP -benchtime 20000x ./host/server/ -args -invoke-side isolated
//	go test -run '^$' -bench InvokeHTTP -benchtime 20000x ./host/server/ -args -invoke-client nethttp
func BenchmarkInvokeHTTP(b *testing.B) {
	const clients = 32
	if *invokeClient != "lean" && *invokeClient != "nethttp" {
		b.Fatalf("-invoke-client %q: want lean or nethttp", *invokeClient)
	}
	tr := &http.Transport{MaxIdleConns: clients * 8, MaxIdleConnsPerHost: clients * 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	env := `{"type":"SYNAPSE_INFO","connection":{"name":"c","authConfig":{}},"body":{}}`
	call := func(url string) ([]byte, time.Duration, error) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(env))
		req.Header.Set("Authorization", "Bearer "+benchInvokeTok)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return nil, 0, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return nil, 0, fmt.Errorf("status %d", res.StatusCode)
		}
		return body, time.Since(start), nil
	}
	inprocURL := benchServer(b, false)
	isoURL := benchServer(b, true)
	answer, _, err := call(inprocURL) // the answer the baseline copies
	if err != nil {
		b.Fatal(err)
	}
	if got, _, err := call(isoURL); err != nil || string(got) != string(answer) {
		b.Fatalf("the isolated server answered %s (%v), in process %s", got, err, answer)
	}
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct {
			Type       string          `json:"type"`
			Connection json.RawMessage `json:"connection"`
			Body       json.RawMessage `json:"body"`
		}
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil || e.Type != "SYNAPSE_INFO" {
			http.Error(w, "bad envelope", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(answer)
	}))
	defer base.Close()

	type side struct {
		name    string
		url     string
		lat     []time.Duration
		elapsed time.Duration
	}
	sides := []*side{{name: "isolated", url: isoURL}, {name: "inproc", url: inprocURL}, {name: "baseline", url: base.URL}}
	if *onlySide != "" { // one side alone, for a profile of it
		sides = slices.DeleteFunc(sides, func(s *side) bool { return s.name != *onlySide })
		if len(sides) == 0 {
			b.Fatalf("-invoke-side %q: want isolated, inproc or baseline", *onlySide)
		}
	}
	// conns are each side's lean clients, dialed before any timing and
	// kept for the whole run, as net/http's Client keeps its pool.
	conns := map[string][]*leanClient{}
	defer func() {
		for _, cs := range conns {
			for _, lc := range cs {
				lc.close()
			}
		}
	}()
	// load runs len(lat) calls from the clients and records their
	// latencies.
	load := func(url string, lat []time.Duration) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for k := range clients {
			call := call
			if *invokeClient == "lean" {
				lc := conns[url][k]
				call = func(string) ([]byte, time.Duration, error) { return lc.call() }
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(len(lat)) {
						return
					}
					_, d, err := call(url)
					if err != nil {
						b.Error(err)
						return
					}
					lat[i] = d
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	if *invokeClient == "lean" {
		for _, s := range sides {
			for range clients {
				lc, err := dialLean(s.url, env)
				if err != nil {
					b.Fatal(err)
				}
				conns[s.url] = append(conns[s.url], lc)
			}
			// The hand-written request gets the same answer.
			if got, _, err := conns[s.url][0].call(); err != nil || string(got) != string(answer) {
				b.Fatalf("%s answered the lean client %s (%v), want %s", s.name, got, err, answer)
			}
		}
	}
	for _, s := range sides { // warm the connections, runtimes and workers
		load(s.url, make([]time.Duration, clients*8))
		s.lat = make([]time.Duration, b.N)
	}
	chunks := 6
	if b.N < 6*clients {
		chunks = 1
	}
	b.ResetTimer()
	for c := range chunks {
		lo, hi := b.N*c/chunks, b.N*(c+1)/chunks
		for k := range sides {
			s := sides[(c+k)%len(sides)]
			s.elapsed += load(s.url, s.lat[lo:hi])
		}
	}
	b.StopTimer()
	pct := func(lat []time.Duration, p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	rate := map[string]float64{}
	for _, s := range sides {
		slices.Sort(s.lat)
		rate[s.name] = float64(b.N) / s.elapsed.Seconds()
		b.ReportMetric(rate[s.name], s.name+"-invokes/s")
		b.ReportMetric(pct(s.lat, 0.50), s.name+"-p50-ms")
		b.ReportMetric(pct(s.lat, 0.99), s.name+"-p99-ms")
		if s.name != "baseline" {
			b.ReportMetric(pct(s.lat, 0.999), s.name+"-p99.9-ms")
		}
	}
	if len(sides) < 3 {
		return
	}
	b.ReportMetric(rate["isolated"]/rate["inproc"], "isolated/inproc")
	b.ReportMetric(rate["isolated"]/rate["baseline"], "isolated/baseline")
	b.ReportMetric(rate["inproc"]/rate["baseline"], "inproc/baseline")
}

// leanClient is one of BenchmarkInvokeHTTP's lean clients: one keep-alive
// connection, the same request's bytes written each time.
type leanClient struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

// dialLean connects a lean client that posts body to rawURL.
func dialLean(rawURL, body string) (*leanClient, error) {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	req := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nAuthorization: Bearer " + benchInvokeTok +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	return &leanClient{conn: conn, br: bufio.NewReaderSize(conn, 16<<10), req: []byte(req)}, nil
}

func (lc *leanClient) close() { _ = lc.conn.Close() }

// call sends the request and reads the whole answer, which must be a 200.
func (lc *leanClient) call() ([]byte, time.Duration, error) {
	start := time.Now()
	if _, err := lc.conn.Write(lc.req); err != nil {
		return nil, 0, err
	}
	res, err := http.ReadResponse(lc.br, nil)
	if err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, 0, err
	}
	if res.Close {
		// The client keeps one connection: a server that closes it
		// after an answer is not what this benchmark measures.
		return nil, 0, fmt.Errorf("the server closed the connection after status %d: %s", res.StatusCode, body)
	}
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("status %d: %s", res.StatusCode, body)
	}
	return body, time.Since(start), nil
}
