package testrun

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	bhttp "github.com/synapsejs/synapse-js/bindings/http"
	"github.com/synapsejs/synapse-js/bindings/log"
	"github.com/synapsejs/synapse-js/bindings/records"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/cassette"
)

//go:embed testlib.js
var testlibJS string

// ModuleName is the require() name of the test module.
const ModuleName = "synapse/test"

// fileRun is one test file: its runtime, the engine its connectors load
// into, and the cassette session both run through.
type fileRun struct {
	opts    *Options
	path    string // as given, and as frames name it
	abs     string
	root    string // the directory requires must stay inside (symlinks resolved)
	rt      *goja.Runtime
	call    *bindings.Call
	session *cassette.Session
	engine  *host.Engine
	lib     *goja.Object // the test module's registry (tests, run)
	runFn   goja.Callable

	connectors  map[string]*host.Connector
	modules     map[string]goja.Value
	defaultConn json.RawMessage
	jsonParse   goja.Callable

	timers *bindings.Timers
	// tokens is the engine's store of rotated OAuth tokens, emptied
	// before each test so a test replays the same with or without the
	// tests before it.
	tokens *tokenStore
	env    *bindings.Env
	// interrupted is set when a test's deadline stopped the runtime.
	interrupted bool
}

// tokenStore is a connection.TokenStore that can be emptied.
type tokenStore struct {
	mu sync.Mutex
	s  *connection.MemTokenStore
}

func (t *tokenStore) store() *connection.MemTokenStore {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s
}

func (t *tokenStore) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s = connection.NewMemTokenStore()
}

// Rotated implements connection.TokenStore.
func (t *tokenStore) Rotated(ctx context.Context, k connection.Key, old, fresh connection.Tokens) error {
	return t.store().Rotated(ctx, k, old, fresh)
}

// Newer implements connection.TokenStore.
func (t *tokenStore) Newer(ctx context.Context, k connection.Key, carried connection.Tokens) (connection.Tokens, bool, error) {
	return t.store().Newer(ctx, k, carried)
}

// Lock implements connection.TokenStore.
func (t *tokenStore) Lock(ctx context.Context, k connection.Key) (func(), error) {
	return t.store().Lock(ctx, k)
}

// Runtime implements bindings.VU.
func (fr *fileRun) Runtime() *goja.Runtime { return fr.rt }

// Call implements bindings.VU.
func (fr *fileRun) Call() *bindings.Call { return fr.call }

// Env implements bindings.VU.
func (fr *fileRun) Env() *bindings.Env { return fr.env }

func newFileRun(ctx context.Context, path string, opts *Options) (*fileRun, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	fr := &fileRun{
		opts:       opts,
		path:       path,
		abs:        abs,
		root:       dir,
		session:    cassette.NewSession(nil),
		connectors: map[string]*host.Connector{},
		modules:    map[string]goja.Value{},
		tokens:     &tokenStore{s: connection.NewMemTokenStore()},
	}
	fr.env = &bindings.Env{HTTP: fr.session.Config(), Tokens: fr.tokens}
	fr.engine = host.New(host.StdOptions(host.Options{
		Logger:      opts.Logger,
		Tokens:      fr.tokens,
		HTTP:        fr.session.Config(),
		InitRuntime: fr.session.Install,
	}))
	fr.defaultConn = json.RawMessage(`{"name":"test","authConfig":{}}`)
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(abs), "testdata", "connection.json")); err == nil {
		if !json.Valid(b) {
			return nil, fmt.Errorf("%s: not valid JSON", filepath.Join(filepath.Dir(path), "testdata", "connection.json"))
		}
		fr.defaultConn = b
	}
	if opts.Connection != nil {
		c, err := opts.Connection(fr.defaultConn)
		if err != nil {
			return nil, err
		}
		fr.defaultConn = c
	}
	fr.call = fr.newCall(ctx)
	return fr, nil
}

func (fr *fileRun) newCall(ctx context.Context) *bindings.Call {
	return &bindings.Call{
		Ctx:            ctx,
		Synapse:        "test",
		Type:           "TEST_FILE",
		RequestID:      "test",
		ConnectionName: "test",
		Log:            fr.opts.Logger.With().Str("file", fr.path).Logger(),
		Secrets:        bindings.NewSecrets(),
	}
}

func (fr *fileRun) begin(ctx context.Context) {
	fr.tokens.reset()
	fr.call = fr.newCall(ctx)
	fr.timers.Clear()
}

func (fr *fileRun) end() {
	fr.timers.Clear()
	fr.rt.ClearInterrupt()
}

// reload starts the file over in a new runtime (after a timeout).
func (fr *fileRun) reload(ctx context.Context) error {
	fr.close()
	fr.connectors = map[string]*host.Connector{}
	fr.modules = map[string]goja.Value{}
	fr.lib, fr.runFn, fr.timers, fr.interrupted = nil, nil, nil, false
	return fr.load(ctx)
}

func (fr *fileRun) close() {
	for _, c := range fr.connectors {
		c.Close()
	}
}

// guard runs fn with the deadline interrupting JS and Go panics caught.
func (fr *fileRun) guard(ctx context.Context, fn func() error) (err error) {
	rt := fr.rt // the runtime of now: a reload may replace fr.rt
	stop := context.AfterFunc(ctx, func() { rt.Interrupt(ctx.Err()) })
	defer func() {
		stop()
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// load builds the runtime and runs the test file's top level, which
// registers its tests.
func (fr *fileRun) load(ctx context.Context) error {
	src, err := os.ReadFile(fr.abs)
	if err != nil {
		return err
	}
	rt := goja.New()
	rt.SetMaxCallStackSize(host.DefaultMaxCallStackSize)
	rt.SetTimeSource(fr.session.Now)
	rt.SetRandSource(fr.session.Random)
	fr.rt = rt
	if _, err := jserrors.Install(rt); err != nil {
		return err
	}
	mods := []bindings.Module{jserrors.Module{}, bhttp.New(), auth.New(), log.Module{}, records.New(), testModule{fr}}
	for _, m := range mods {
		if c, ok := m.(bindings.Configurer); ok {
			c.Configure(fr.env)
		}
	}
	reg := bindings.NewRegistry(mods...)
	if err := reg.Install(fr); err != nil {
		return err
	}
	if err := log.InstallConsole(fr); err != nil {
		return err
	}
	fr.timers = bindings.NewTimers(fr.session)
	fr.timers.Install(rt)
	parse, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	fr.jsonParse = parse
	std := rt.Get("require")
	lctx, cancel := context.WithTimeout(ctx, host.DefaultLoadTimeout)
	defer cancel()
	fr.call = fr.newCall(lctx)
	return fr.guard(lctx, func() error {
		_, err := fr.runModule(fr.abs, fr.path, src, std)
		return err
	})
}

// runModule compiles and runs a CommonJS (or ES module, or TypeScript)
// file in the test runtime, with a require bound to its directory.
func (fr *fileRun) runModule(abs, name string, src []byte, std goja.Value) (goja.Value, error) {
	code, err := transform(name, src)
	if err != nil {
		return nil, err
	}
	prg, err := compile(name, code)
	if err != nil {
		return nil, err
	}
	fnVal, err := fr.rt.RunProgram(prg)
	if err != nil {
		return nil, err
	}
	wrapper, _ := goja.AssertFunction(fnVal)
	module := fr.rt.NewObject()
	exports := fr.rt.NewObject()
	_ = module.Set("exports", exports)
	req := fr.requireFrom(filepath.Dir(abs), name, std)
	if _, err := wrapper(goja.Undefined(), exports, req, module, fr.rt.ToValue(name), fr.rt.ToValue(filepath.Dir(name))); err != nil {
		return nil, err
	}
	return module.Get("exports"), nil
}

// requireFrom is require for a file in dir: synapse/* modules, and files
// inside the connector's directory (the test file's): a connector (loaded
// through the engine, so calls run as the platform's would), JSON, or a
// plain helper module.
func (fr *fileRun) requireFrom(dir, from string, std goja.Value) goja.Value {
	stdFn, _ := goja.AssertFunction(std)
	return fr.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		if !strings.HasPrefix(name, "./") && !strings.HasPrefix(name, "../") && !filepath.IsAbs(name) {
			v, err := stdFn(goja.Undefined(), call.Arguments...)
			if err != nil {
				var ex *goja.Exception
				if errors.As(err, &ex) {
					panic(ex.Value())
				}
				bindings.Throw(fr.rt, err)
			}
			return v
		}
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(name))
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			bindings.Throw(fr.rt, fmt.Errorf("require(%q) in %s: %w", name, from, unwrapPath(err)))
		}
		if rel, err := filepath.Rel(fr.root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			bindings.Throw(fr.rt, fmt.Errorf("require(%q) in %s: %s is outside the connector's directory %s; a test may require only the connector it tests and files inside its directory", name, from, real, fr.root))
		}
		if v, ok := fr.modules[real]; ok {
			return v
		}
		v, err := fr.loadFile(real, name, from)
		if err != nil {
			var ex *goja.Exception
			if errors.As(err, &ex) {
				panic(ex.Value())
			}
			bindings.Throw(fr.rt, err)
		}
		fr.modules[real] = v
		return v
	})
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (fr *fileRun) loadFile(real, name, from string) (goja.Value, error) {
	src, err := os.ReadFile(real)
	if err != nil {
		return nil, fmt.Errorf("require(%q) in %s: %w", name, from, unwrapPath(err))
	}
	disp := fr.display(real)
	switch strings.ToLower(filepath.Ext(real)) {
	case ".json":
		v, err := fr.jsonParse(goja.Undefined(), fr.rt.ToValue(string(src)))
		if err != nil {
			return nil, fmt.Errorf("require(%q) in %s: %s is not valid JSON: %w", name, from, disp, err)
		}
		return v, nil
	case ".js", ".ts", ".mjs", ".cjs", ".mts", ".cts":
	default:
		return nil, fmt.Errorf("require(%q) in %s: want a .js, .ts or .json file", name, from)
	}
	c, err := fr.engine.Load(fr.call.Context(), real, src)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) && onlyMissingExports(le) {
			// Not a connector: a helper module, run in the test's runtime.
			return fr.runModule(real, disp, src, fr.rt.Get("require"))
		}
		return nil, fmt.Errorf("require(%q) in %s: the connector does not load:\n%w", name, from, err)
	}
	fr.connectors[real] = c
	return fr.handle(c), nil
}

func onlyMissingExports(le *host.LoadError) bool {
	for _, p := range le.Problems {
		if !strings.HasPrefix(p.Message, "missing required export") {
			return false
		}
	}
	return len(le.Problems) > 0
}

// esmSyntax spots ES module syntax, as the host does, to decide whether a
// .js file needs esbuild's transform to CommonJS.
var esmSyntax = regexp.MustCompile(`(?m)^\s*(import\s*[\w*{'"]|export\s+(default|function|async|const|let|var|class)\b|export\s*[{*])`)

const wrapperPrefix = `(function (exports, require, module, __filename, __dirname) {"use strict";`

func transform(name string, src []byte) (string, error) {
	loader := api.LoaderJS
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ts", ".mts", ".cts":
		loader = api.LoaderTS
	default:
		if !esmSyntax.Match(src) {
			return string(src), nil
		}
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader: loader, Format: api.FormatCommonJS, Target: api.ES2017,
		Sourcemap: api.SourceMapInline, Sourcefile: name,
	})
	if len(res.Errors) > 0 {
		var lines []string
		for _, m := range res.Errors {
			if m.Location != nil {
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", name, m.Location.Line, m.Location.Column+1, m.Text))
			} else {
				lines = append(lines, name+": "+m.Text)
			}
		}
		return "", errors.New(strings.Join(lines, "\n"))
	}
	return string(res.Code), nil
}

func compile(name, code string) (*goja.Program, error) {
	ast, err := parser.ParseFile(nil, name, wrapperPrefix+code+"\n})", 0,
		parser.WithSourceMapLoader(func(string) ([]byte, error) { return nil, nil }))
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			pe := list[0]
			col := pe.Position.Column
			if pe.Position.Line == 1 {
				col -= len(wrapperPrefix)
			}
			return nil, fmt.Errorf("%s:%d:%d: syntax error: %s", name, pe.Position.Line, max(col, 1), pe.Message)
		}
		return nil, fmt.Errorf("%s: syntax error: %w", name, err)
	}
	return goja.CompileAST(ast, true)
}

// testModule is synapse/test.
type testModule struct{ fr *fileRun }

// Name implements bindings.Module.
func (testModule) Name() string { return ModuleName }

// NewInstance implements bindings.Module.
func (m testModule) NewInstance(vu bindings.VU) (goja.Value, error) {
	fr := m.fr
	rt := vu.Runtime()
	prg, err := goja.Compile(ModuleName, testlibJS, true)
	if err != nil {
		return nil, err
	}
	f, err := rt.RunProgram(prg)
	if err != nil {
		return nil, err
	}
	fn, _ := goja.AssertFunction(f)
	bridge := rt.NewObject()
	_ = bridge.Set("locate", func(stack string) string {
		if w := fr.locate(stack); w != "" {
			return w
		}
		return fr.path
	})
	conn, err := fr.jsonParse(goja.Undefined(), rt.ToValue(string(fr.defaultConn)))
	if err != nil {
		return nil, err
	}
	_ = bridge.Set("connection", conn)
	res, err := fn(goja.Undefined(), bridge)
	if err != nil {
		return nil, err
	}
	lib := res.ToObject(rt)
	fr.lib = lib
	run, ok := goja.AssertFunction(lib.Get("run"))
	if !ok {
		return nil, errors.New("synapse/test: internal: no run")
	}
	fr.runFn = run
	return lib.Get("exports"), nil
}

// settle waits for a promise, running the timers the test set.
func (fr *fileRun) settle(ctx context.Context, val goja.Value) (goja.Value, error) {
	p, ok := val.Export().(*goja.Promise)
	if !ok {
		return val, nil
	}
	res, wasRejected, err := fr.timers.Settle(ctx, p)
	switch {
	case errors.Is(err, bindings.ErrNeverSettles):
		return nil, errors.New("the test's promise never settles: nothing is left that could resolve it")
	case err != nil:
		return nil, err
	case wasRejected:
		return nil, &rejected{val: res}
	}
	return res, nil
}

// rejected is a test's promise rejected with a value.
type rejected struct{ val goja.Value }

// Error implements error.
func (r *rejected) Error() string { return "rejected: " + r.val.String() }
