// The documentation runs: every command block and every
// code sample in README.md and docs/*.md, whatever is there when the test
// runs, so a wrong example fails CI.
//
//   - ```sh, ```bash and ```shell blocks run, each in a fresh temporary
//     directory, with synapse-js (built from this tree) on PATH and as
//     ./synapse-js (`go build -o synapse-js ./cmd/synapse-js` is done
//     already), the repository's scripts/, testdata/ and types/ linked in,
//     `go run ./cmd/synapse-js` meaning the same binary, and conn.json (the
//     examples' "your connection file") a connection to the Pipedrive
//     sandbox. The blocks of one file run in order in one shell and one
//     directory, as a reader would run them in a terminal. The
//     sandboxes a block starts with `synapse-js sandbox echo &` or
//     `synapse-js sandbox pipedrive &` (or in the foreground, "in another
//     terminal") are already running: the test serves
//     them on free ports and rewrites the documented ports (8090 echo,
//     8089 pipedrive, 8080 serve) in the commands and in the JSON files the
//     commands write. `synapse-js serve ... &` runs on a free port too.
//     Background jobs are killed when the block ends.
//   - ```js and ```ts blocks that export a connector (module.exports,
//     exports.x, export default, export function) are loaded with the
//     engine and must validate, unless they are excerpts (they elide with
//     "..."), which must compile; other js/ts blocks (fragments, test
//     files) must compile. ```json blocks must parse.
//
// A block that cannot run as written (a synopsis with placeholders, an
// excerpt, a command that needs a real account or runs the test suite
// itself) says so with a comment on the line before its fence:
//
//	<!-- doctest: skip (why it cannot run) -->
//
// The reason is required. Blocks with no language are output and are not
// run.

package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/echo"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// block is one fenced block of a markdown file.
type block struct {
	file string
	line int // the fence's line
	lang string
	text string
	skip string // the doctest: skip reason, if any
	bad  string // a malformed annotation
}

func (b block) String() string { return fmt.Sprintf("%s:%d (%s)", b.file, b.line, b.lang) }

var (
	fenceRe    = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([\\w+-]*)")
	annotateRe = regexp.MustCompile(`^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$`)
	skipRe     = regexp.MustCompile(`^skip\s*\((.+)\)$`)
)

// blocks reads the fenced blocks of a markdown file.
func blocks(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := block{file: path, line: i + 1, lang: strings.ToLower(m[3])}
		for k := i - 1; k >= 0; k-- {
			if strings.TrimSpace(lines[k]) == "" {
				continue
			}
			if a := annotateRe.FindStringSubmatch(lines[k]); a != nil {
				if s := skipRe.FindStringSubmatch(a[1]); s != nil && strings.TrimSpace(s[1]) != "" {
					b.skip = s[1]
				} else {
					b.bad = fmt.Sprintf("%s:%d: doctest annotation %q: want <!-- doctest: skip (reason) -->", path, k+1, a[1])
				}
			}
			break
		}
		indent, fence := m[1], m[2]
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			if strings.HasPrefix(strings.TrimPrefix(lines[j], indent), fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(lines[j]), fence[:1])) == "" {
				break
			}
			body = append(body, strings.TrimPrefix(lines[j], indent))
		}
		b.text = strings.Join(body, "\n") + "\n"
		out = append(out, b)
		i = j
	}
	return out
}

func docFiles(t *testing.T) []string {
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join("..", "README.md")}, files...)
}

func allBlocks(t *testing.T) []block {
	var out []block
	for _, f := range docFiles(t) {
		out = append(out, blocks(t, f)...)
	}
	return out
}

func TestDocAnnotations(t *testing.T) {
	for _, b := range allBlocks(t) {
		if b.bad != "" {
			t.Error(b.bad)
		}
	}
}

// TestDocSamples validates every js, ts and json sample.
func TestDocSamples(t *testing.T) {
	e := host.New(host.StdOptions(host.Options{}))
	exportsRe := regexp.MustCompile(`(?m)(module\.exports\s*=|^\s*exports\.\w+\s*=|^\s*export\s+(default|function|async|const)\b)`)
	n := 0
	for _, b := range allBlocks(t) {
		if b.skip != "" {
			continue
		}
		switch b.lang {
		case "json":
			n++
			if !json.Valid([]byte(b.text)) {
				var v any
				err := json.Unmarshal([]byte(b.text), &v)
				t.Errorf("%s: not valid JSON: %v", b, err)
			}
		case "js", "javascript", "ts", "typescript":
			n++
			ext := ".js"
			if strings.HasPrefix(b.lang, "t") {
				ext = ".ts"
			}
			name := fmt.Sprintf("%s-%d%s", strings.TrimSuffix(filepath.Base(b.file), ".md"), b.line, ext)
			if exportsRe.MatchString(b.text) && !strings.Contains(b.text, "synapse/test") {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				c, err := e.Load(ctx, name, []byte(b.text))
				cancel()
				if err != nil {
					// An excerpt of a connector (its elisions marked
					// with ...) need only compile.
					if strings.Contains(b.text, "...") {
						if cerr := compiles(name, b.text, ext == ".ts"); cerr != nil {
							t.Errorf("%s: %v", b, cerr)
						}
						continue
					}
					t.Errorf("%s: the connector does not load:\n%v", b, err)
					continue
				}
				c.Close()
				continue
			}
			if err := compiles(name, b.text, ext == ".ts"); err != nil {
				t.Errorf("%s: %v", b, err)
			}
		}
	}
	t.Logf("%d samples checked", n)
}

// compiles checks a fragment's syntax: TypeScript through esbuild, then
// the JavaScript inside an async function (so top-level return and await
// parse, as in the excerpts of a connector's body).
func compiles(name, src string, ts bool) error {
	if ts || regexp.MustCompile(`(?m)^\s*(import|export)\b`).MatchString(src) {
		loader := api.LoaderJS
		if ts {
			loader = api.LoaderTS
		}
		res := api.Transform(src, api.TransformOptions{Loader: loader, Format: api.FormatCommonJS, Target: api.ES2017, Sourcefile: name})
		if len(res.Errors) > 0 {
			m := res.Errors[0]
			if m.Location != nil {
				return fmt.Errorf("line %d: %s", m.Location.Line, m.Text)
			}
			return fmt.Errorf("%s", m.Text)
		}
		src = string(res.Code)
	}
	// Object-literal fragments (a method or two of an exports object)
	// parse inside an object; statements inside a function.
	if _, err := parser.ParseFile(nil, name, "(async function () {\n"+src+"\n})", 0); err == nil {
		return nil
	}
	if _, err := parser.ParseFile(nil, name, "({\n"+src+"\n})", 0); err == nil {
		return nil
	}
	_, err := parser.ParseFile(nil, name, "(async function () {\n"+src+"\n})", 0)
	return fmt.Errorf("does not compile (as statements or as object members): %v", err)
}

// env is what command blocks run against.
type env struct {
	bin      string // the synapse-js binary
	repo     string
	echo     string // host:port
	pipe     string
	echoStop func()
	pipeStop func()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func setup(t *testing.T) *env {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "synapse-js")
	build := exec.Command("go", "build", "-o", bin, "./cmd/synapse-js")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e := &env{bin: bin, repo: repo}
	eb, es, err := echo.Serve(ctx, "127.0.0.1:0", echo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, ps, err := pipedrive.Serve(ctx, "127.0.0.1:0", pipedrive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(es)
	t.Cleanup(ps)
	e.echo = hostPort(eb)
	e.pipe = hostPort(pb)
	return e
}

func hostPort(base string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	return strings.TrimSuffix(s, "/")
}

// commands splits a shell block into logical commands (joining lines
// continued with a backslash), keeping comments out.
func commands(text string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if cur.Len() == 0 && (strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#")) {
			continue
		}
		// A here-document is part of its command, up to its terminator.
		if m := heredocRe.FindStringSubmatch(line); m != nil {
			cur.WriteString(line)
			for sc.Scan() {
				cur.WriteString("\n")
				cur.WriteString(sc.Text())
				if strings.TrimSpace(sc.Text()) == m[1] {
					break
				}
			}
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\"))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

var (
	// A sandbox the docs start (in the background, or in "terminal 1")
	// is the test's, already serving.
	heredocRe = regexp.MustCompile(`<<-?\s*['"]?(\w+)['"]?`)
	sandboxBg = regexp.MustCompile(`^\s*(\./)?synapse-js\s+sandbox\s+(echo|pipedrive)\b[^&#]*&?\s*(#.*)?$`)
	buildRe   = regexp.MustCompile(`^\s*go\s+build\s+-o\s+synapse-js\s+\./cmd/synapse-js\s*(#.*)?$`)
	serveBg   = regexp.MustCompile(`^\s*(\./)?synapse-js\s+serve\b([^&#]*)&\s*(#.*)?$`)
)

// prelude starts every file's script: stop at the first failure, and
// __fixports, which points the JSON files commands wrote (init's
// connection.json) at the test's sandboxes.
func (e *env) prelude(servePort string) string {
	return fmt.Sprintf(`set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
__fixports() {
  grep -rlE '127\.0\.0\.1:(8089|8090|8080)' . --include='*.json' 2>/dev/null | xargs -r sed -i -e 's/127\.0\.0\.1:8090/%s/g' -e 's/127\.0\.0\.1:8089/%s/g' -e 's/127\.0\.0\.1:8080/%s/g' || true
}
`, e.echo, e.pipe, servePort)
}

// script turns a block into the bash lines that run it.
func (e *env) script(b block, servePort string) string {
	ports := strings.NewReplacer("127.0.0.1:8090", e.echo, "127.0.0.1:8089", e.pipe, "127.0.0.1:8080", servePort,
		"go run ./cmd/synapse-js", "synapse-js")
	var s strings.Builder
	for _, c := range commands(b.text) {
		switch {
		case buildRe.MatchString(c):
			fmt.Fprintf(&s, ": %q\n", "already built: "+strings.TrimSpace(c))
			continue
		case sandboxBg.MatchString(c):
			fmt.Fprintf(&s, ": %q\n", "already serving: "+strings.TrimSpace(c))
			continue
		case serveBg.MatchString(c):
			m := serveBg.FindStringSubmatch(c)
			args := m[2]
			if !strings.Contains(args, "--addr") {
				args += " --addr " + servePort
			}
			fmt.Fprintf(&s, "%ssynapse-js serve %s &\n", m[1], ports.Replace(args))
			fmt.Fprintf(&s, "for i in $(seq 100); do curl -fsS -o /dev/null http://%s/healthz 2>/dev/null && break; sleep 0.1; done\n", servePort)
			continue
		}
		s.WriteString(ports.Replace(c))
		s.WriteString("\n__fixports\n")
	}
	return s.String()
}

// TestDocCommands runs the shell blocks of each file in order, in one
// shell and one directory per file, as a reader would in a terminal: what
// a block exports or writes, the next one sees.
func TestDocCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command of the docs")
	}
	byFile := map[string][]block{}
	var files []string
	for _, b := range allBlocks(t) {
		switch b.lang {
		case "sh", "bash", "shell", "console":
			if b.skip == "" {
				if byFile[b.file] == nil {
					files = append(files, b.file)
				}
				byFile[b.file] = append(byFile[b.file], b)
			}
		}
	}
	if len(files) == 0 {
		return
	}
	e := setup(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e.run(t, byFile[f])
		})
	}
}

func (e *env) run(t *testing.T, bs []block) {
	dir := t.TempDir()
	for _, link := range []string{"scripts", "testdata", "types"} {
		if err := os.Symlink(filepath.Join(e.repo, link), filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(e.bin, filepath.Join(dir, "synapse-js")); err != nil {
		t.Fatal(err)
	}
	// conn.json, "your connection file" in the examples: the Pipedrive
	// sandbox.
	conn := fmt.Sprintf(`{"name":"docs","authConfig":{"endpoint":"http://%s/","token":"%s"}}`, e.pipe, pipedrive.DefaultToken)
	if err := os.WriteFile(filepath.Join(dir, "conn.json"), []byte(conn), 0o600); err != nil {
		t.Fatal(err)
	}
	servePort := freePort(t)
	var script strings.Builder
	script.WriteString(e.prelude(servePort))
	for _, b := range bs {
		fmt.Fprintf(&script, "echo %q >&3\n", b.String())
		script.WriteString(e.script(b, servePort))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(e.bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1")
	// Its own process group, so background jobs die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A background job that outlives the shell keeps the output pipe open:
	// do not wait for it.
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// fd 3 says which block runs, so a failure names it.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{pw}
	var current []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			current = append(current, sc.Text())
		}
	}()
	err = cmd.Start()
	pw.Close()
	if err == nil {
		err = cmd.Wait()
	}
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	<-done
	pr.Close()
	if os.Getenv("DOCTEST_VERBOSE") != "" {
		t.Logf("--- script\n%s--- output\n%s", script.String(), out.String())
	}
	if err != nil {
		where := "before the first block"
		if len(current) > 0 {
			where = current[len(current)-1]
		}
		t.Errorf("%s failed: %v\n--- output\n%s\n(if the block cannot run as written, mark it <!-- doctest: skip (why) -->)", where, err, tail(out.String(), 6000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
