// Command bench runs the read benchmark of issue 13 and docs/performance.md:
// the same 50,000 Pipedrive sandbox persons, in pages of 500, read by
//
//   - sync: `synapse-js sync scripts/pipedrive.js --entity person` as its
//     own process, NDJSON to a file (records/s and peak RSS from rusage),
//     one call after another as the platform makes them;
//   - sync -p2: the same with --parallel 2, the window read in two slices
//     at once;
//   - read: pipedrive.js through the engine in this process, each page a
//     full wire READ call (host.Connector.Invoke);
//   - go: the plain-Go baseline (internal/benchkit: fastjson, values
//     copied as JSON), the same requests, records and wire answers;
//   - node: bench/node-synapse.mjs, a Node.js synapse with fetch that maps
//     records as pipedrive.js does, in an in-process paging loop with its
//     driver's envelope and response JSON (skipped when node is not on PATH);
//
// and one 500-record READ page alone: through the engine and node's
// execute(). The sides run interleaved, round after round, against one
// sandbox process, so the ratios are measured under the same load.
//
//	nice go run ./bench              # 50,000 persons, 5 rounds
//	go run ./bench -records 5000 -rounds 2
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/synapsejs/synapse-js/internal/gctune"
)

type config struct {
	records    int    // live persons in the sandbox
	rounds     int    // interleaved rounds of the whole-window sides
	pageRounds int    // 500-record pages timed per round
	root       string // the repository
	node       string // node binary ("" to skip)
	bin        string // synapse-js binary ("" to build one)
	profile    string // CPU profile of the read side alone
	out        *os.File
}

func main() {
	var c config
	flag.IntVar(&c.records, "records", 50000, "live persons in the sandbox")
	flag.IntVar(&c.rounds, "rounds", 5, "interleaved rounds")
	flag.IntVar(&c.pageRounds, "page-rounds", 20, "single 500-record pages timed per round")
	flag.StringVar(&c.bin, "bin", "", "a synapse-js binary to use (default: build one from this tree)")
	flag.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the in-process read side (run alone, -rounds times) to this file")
	flag.Parse()
	c.out = os.Stdout
	// The in-process sides run with the binary's GC defaults.
	gctune.Apply(os.Getenv)
	root, err := repoRoot()
	if err != nil {
		fatal(err)
	}
	c.root = root
	if p, err := exec.LookPath("node"); err == nil {
		c.node = p
	} else {
		fmt.Fprintln(os.Stderr, "bench: node is not on PATH: the Node.js sides are skipped")
	}
	ctx := context.Background()
	res, err := run(ctx, &c)
	if err != nil {
		fatal(err)
	}
	if c.profile != "" {
		st := statsOf(res.sides["read"])
		fmt.Fprintf(c.out, "read: %.0f records/s (median of %d), %.1f CPU µs/record, CPU profile in %s\n", st.median, c.rounds, st.cpu, c.profile)
		return
	}
	res.report(c.out, &c)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// repoRoot is the directory of go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the synapse-js module")
	}
	return filepath.Dir(mod), nil
}

// sandbox is a `synapse-js sandbox pipedrive` process.
type sandbox struct {
	cmd   *exec.Cmd
	base  string
	token string
}

func startSandbox(ctx context.Context, bin string, records int) (*sandbox, error) {
	cmd := exec.CommandContext(ctx, bin, "sandbox", "pipedrive", "--addr", "127.0.0.1:0",
		"--records", fmt.Sprint(records), "--output", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var info struct {
		BaseURL string `json:"baseUrl"`
		Token   string `json:"token"`
	}
	if err := json.Unmarshal(line, &info); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("sandbox said %q: %w", line, err)
	}
	return &sandbox{cmd: cmd, base: info.BaseURL, token: info.Token}, nil
}

func (s *sandbox) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// sample is one timed run of one side.
type sample struct {
	records int
	took    time.Duration
	cpu     time.Duration // the process's CPU time (user+system) for the run
	rssKiB  int64         // peak RSS of the process, when it is its own
}

func (s sample) rate() float64 { return float64(s.records) / s.took.Seconds() }

// cpuPerRecord is in µs; steadier than wall time on a shared machine.
func (s sample) cpuPerRecord() float64 { return float64(s.cpu.Microseconds()) / float64(s.records) }

// results holds every sample by side.
type results struct {
	sides map[string][]sample
	order []string
	notes []string
}

func (r *results) add(side string, s sample) {
	if r.sides == nil {
		r.sides = map[string][]sample{}
	}
	if _, ok := r.sides[side]; !ok {
		r.order = append(r.order, side)
	}
	r.sides[side] = append(r.sides[side], s)
}

func run(ctx context.Context, c *config) (*results, error) {
	tmp, err := os.MkdirTemp("", "synapse-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := c.bin
	if bin == "" {
		bin = filepath.Join(tmp, "synapse-js")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/synapse-js")
		build.Dir, build.Stderr = c.root, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("go build: %w", err)
		}
	}
	sb, err := startSandbox(ctx, bin, c.records)
	if err != nil {
		return nil, err
	}
	defer sb.stop()
	connFile := filepath.Join(tmp, "conn.json")
	conn, _ := json.Marshal(map[string]any{"name": "bench", "authConfig": map[string]any{"endpoint": sb.base, "token": sb.token}})
	if err := os.WriteFile(connFile, conn, 0o600); err != nil {
		return nil, err
	}
	script := filepath.Join(c.root, "scripts", "pipedrive.js")
	eng, err := newEngineReader(ctx, script, conn)
	if err != nil {
		return nil, err
	}
	defer eng.close()
	goR := newGoReader(sb.base, sb.token)
	want := -1
	if c.profile != "" {
		return profileRead(c, eng)
	}

	sides := []struct {
		name string
		fn   func() (sample, error)
	}{
		{"sync", func() (sample, error) {
			return runSync(ctx, bin, script, connFile, filepath.Join(tmp, "persons.ndjson"))
		}},
		{"sync -p2", func() (sample, error) {
			return runSync(ctx, bin, script, connFile, filepath.Join(tmp, "persons.ndjson"), "--parallel", "2")
		}},
		{"read", func() (sample, error) { return timed(func() (int, error) { return eng.readAll() }) }},
		{"go", func() (sample, error) { return timed(func() (int, error) { return goR.readAll() }) }},
	}
	if c.node != "" {
		sides = append(sides, struct {
			name string
			fn   func() (sample, error)
		}{"node", func() (sample, error) { return runNode(ctx, c, sb, "loop", 0) }})
	}
	res := &results{}
	// Warm-up: the sandbox renders each record's JSON on its first read;
	// every side's connections and runtimes get going.
	for _, s := range sides {
		sm, err := s.fn()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if want < 0 {
			want = sm.records
		}
		if sm.records != want {
			return nil, fmt.Errorf("%s read %d records, %s %d", s.name, sm.records, sides[0].name, want)
		}
	}
	for round := 0; round < c.rounds; round++ {
		// Rotate who goes first, so no side always follows the same one.
		for i := range sides {
			s := sides[(i+round)%len(sides)]
			runtime.GC()
			sm, err := s.fn()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			if sm.records != want {
				return nil, fmt.Errorf("%s read %d records, want %d", s.name, sm.records, want)
			}
			res.add(s.name, sm)
		}
		// One 500-record page alone, engine and node interleaved.
		ps, err := timedPages(c.pageRounds, eng.onePage)
		if err != nil {
			return nil, fmt.Errorf("read page: %w", err)
		}
		res.add("read page", ps)
		gs, err := timedPages(c.pageRounds, goR.onePage)
		if err != nil {
			return nil, fmt.Errorf("go page: %w", err)
		}
		res.add("go page", gs)
		if c.node != "" {
			ns, err := runNode(ctx, c, sb, "page", c.pageRounds)
			if err != nil {
				return nil, fmt.Errorf("node page: %w", err)
			}
			res.add("node page", ns)
		}
	}
	if c.node == "" {
		res.notes = append(res.notes, "node is not on PATH: the Node.js sides were skipped")
	}
	return res, nil
}

// profileRead profiles the in-process read alone: a warm-up, then
// c.rounds whole windows.
func profileRead(c *config, eng *engineReader) (*results, error) {
	if _, err := eng.readAll(); err != nil {
		return nil, err
	}
	f, err := os.Create(c.profile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	defer pprof.StopCPUProfile()
	res := &results{}
	for range c.rounds {
		s, err := timed(func() (int, error) { return eng.readAll() })
		if err != nil {
			return nil, err
		}
		res.add("read", s)
	}
	return res, nil
}

func timed(fn func() (int, error)) (sample, error) {
	cpu := cpuTime()
	start := time.Now()
	n, err := fn()
	return sample{records: n, took: time.Since(start), cpu: cpuTime() - cpu}, err
}

func timedPages(rounds int, page func() (int, error)) (sample, error) {
	var s sample
	for range rounds {
		cpu := cpuTime()
		start := time.Now()
		n, err := page()
		if err != nil {
			return s, err
		}
		s.took += time.Since(start)
		s.cpu += cpuTime() - cpu
		s.records += n
	}
	return s, nil
}

// cpuTime is this process's user+system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runSync runs `synapse-js sync` as the platform's stand-in would, with
// the default GC settings of the binary, and the flags given.
func runSync(ctx context.Context, bin, script, connFile, out string, flags ...string) (sample, error) {
	args := append([]string{"sync", script, "--entity", "person", "--connection", connFile, "--out", out}, flags...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, fmt.Errorf("sync: %w", err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		return sample{}, fmt.Errorf("sync: %w: %s", err, stderr.Bytes())
	}
	took := time.Since(start)
	n, err := countLines(out)
	if err != nil {
		return sample{}, err
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return sample{records: n, took: took, cpu: cpu, rssKiB: peak()}, nil
}

// watchPeakRSS polls the process's VmHWM (its peak RSS) until it exits
// and returns a func giving the last value read, in KiB. The child's
// rusage cannot be used: on Linux its ru_maxrss starts from the parent's
// RSS at the fork, so it would report this process's size.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				return
			}
			i := bytes.Index(data, []byte("VmHWM:"))
			if i < 0 {
				return // exited (a zombie has no memory lines)
			}
			f := strings.Fields(string(data[i+len("VmHWM:"):]))
			if len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					peak.Store(max(peak.Load(), kb))
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return func() int64 { <-done; return peak.Load() }
}

func countLines(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(data), "\n"), nil
}

// runNode runs the Node anchor in mode "loop" (the whole window) or
// "page" (rounds timed execute() calls of one page).
func runNode(ctx context.Context, c *config, sb *sandbox, mode string, rounds int) (sample, error) {
	args := []string{filepath.Join(c.root, "bench", "node-synapse.mjs"), mode, sb.base, sb.token}
	if mode == "page" {
		args = append(args, fmt.Sprint(rounds))
	}
	cmd := exec.CommandContext(ctx, c.node, args...)
	cmd.Stderr = os.Stderr
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return sample{}, fmt.Errorf("node %s: %w", mode, err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		return sample{}, fmt.Errorf("node %s: %w", mode, err)
	}
	out := stdout.Bytes()
	var r struct {
		Records    int     `json:"records"`
		Seconds    float64 `json:"seconds"`
		CPUSeconds float64 `json:"cpuSeconds"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return sample{}, fmt.Errorf("node said %q: %w", out, err)
	}
	// node's own maxRSS has the same fork problem as rusage; VmHWM is its own.
	return sample{records: r.Records, took: time.Duration(r.Seconds * float64(time.Second)),
		cpu: time.Duration(r.CPUSeconds * float64(time.Second)), rssKiB: peak()}, nil
}

// stats are a side's median, min and max rate and its peak RSS.
type stats struct {
	median, lo, hi float64
	cpu            float64 // median CPU µs per record
	rssKiB         int64
}

func statsOf(ss []sample) stats {
	rates := make([]float64, len(ss))
	cpus := make([]float64, len(ss))
	var st stats
	for i, s := range ss {
		rates[i] = s.rate()
		cpus[i] = s.cpuPerRecord()
		st.rssKiB = max(st.rssKiB, s.rssKiB)
	}
	st.median, st.lo, st.hi = medianRange(rates)
	st.cpu, _, _ = medianRange(cpus)
	return st
}

func medianRange(xs []float64) (median, lo, hi float64) {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	median = xs[len(xs)/2]
	if len(xs)%2 == 0 {
		median = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return median, xs[0], xs[len(xs)-1]
}

// ratio compares two sides round by round, so each compares runs made
// moments apart: of records/s (wall), and of CPU time per record (b's
// over a's: above 1 means a needs less CPU per record).
func (r *results) ratio(a, b string) (wall, wallLo, wallHi, cpu float64, ok bool) {
	as, bs := r.sides[a], r.sides[b]
	if len(as) == 0 || len(as) != len(bs) {
		return 0, 0, 0, 0, false
	}
	ws := make([]float64, len(as))
	cs := make([]float64, len(as))
	for i := range as {
		ws[i] = as[i].rate() / bs[i].rate()
		cs[i] = bs[i].cpuPerRecord() / as[i].cpuPerRecord()
	}
	wall, wallLo, wallHi = medianRange(ws)
	cpu, _, _ = medianRange(cs)
	return wall, wallLo, wallHi, cpu, true
}

func (r *results) report(w *os.File, c *config) {
	fmt.Fprintf(w, "%d persons, pages of 500, %d interleaved rounds (page sides: %d pages per round), GOMAXPROCS %d, %d CPUs\n\n",
		c.records, c.rounds, c.pageRounds, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(w, "| side | records/s (median) | range | CPU µs/record | peak RSS |\n|---|---|---|---|---|\n")
	for _, side := range r.order {
		st := statsOf(r.sides[side])
		rss := "—"
		if st.rssKiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(st.rssKiB)/1024)
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f–%.0f | %.1f | %s |\n", side, st.median, st.lo, st.hi, st.cpu, rss)
	}
	fmt.Fprintln(w)
	for _, p := range [][2]string{{"sync", "node"}, {"sync -p2", "node"}, {"read", "node"}, {"read", "go"}, {"sync", "read"}, {"read page", "node page"}, {"read page", "go page"}} {
		if m, lo, hi, cpu, ok := r.ratio(p[0], p[1]); ok {
			fmt.Fprintf(w, "%s / %s: records/s %.2f (%.2f–%.2f per round); CPU per record, %s's over %s's: %.2f\n", p[0], p[1], m, lo, hi, p[1], p[0], cpu)
		}
	}
	for _, side := range []string{"sync", "sync -p2"} {
		if s, n := statsOf(r.sides[side]), r.sides["node"]; len(n) > 0 && len(r.sides[side]) > 0 {
			fmt.Fprintf(w, "%s peak RSS / node peak RSS: %.2f\n", side, float64(s.rssKiB)/float64(statsOf(n).rssKiB))
		}
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, "note:", n)
	}
}
