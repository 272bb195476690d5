package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
	"github.com/synapsejs/synapse-js/internal/names"
)

// Connector is a loaded, validated connector file: its compiled program,
// shared by every runtime, and a bounded pool of runtimes that run its calls.
// A Connector is immutable once loaded and safe for concurrent use; a new
// version of the file is a new Connector.
type Connector struct {
	engine   *Engine
	file     string
	source   []byte
	sha256   string
	program  *goja.Program
	name     string // synapse_info's name
	serving  string // the name it serves under: a server's upload name, else name
	info     json.RawMessage
	exported map[string]bool
	methods  []string
	pool     *pool
	// sizeHints holds, per wire type, the size of the last result, so the
	// next one's buffer starts big enough (a 500-record page is ~0.5 MiB;
	// growing to it by doubling costs a fifth of the page's allocations).
	sizeHints map[string]*atomic.Int64
	// conns remembers the last connections parsed (see parsedConnection).
	conns connCache
}

func newSizeHints() map[string]*atomic.Int64 {
	m := make(map[string]*atomic.Int64, len(methods))
	for _, t := range methods {
		m[t.Type] = new(atomic.Int64)
	}
	return m
}

// Name is the connector's name from synapse_info.
func (c *Connector) Name() string { return c.name }

// ServingName is the name the connector serves under (LoadAs), which keys
// its remembered tokens, logs and metrics; synapse_info's name by default.
func (c *Connector) ServingName() string { return c.serving }

// File is the file name the connector was loaded from.
func (c *Connector) File() string { return c.file }

// SHA256 is the hex SHA-256 of the source.
func (c *Connector) SHA256() string { return c.sha256 }

// Source returns the file as loaded.
func (c *Connector) Source() []byte { return c.source }

// Info is synapse_info's result, as checked JSON.
func (c *Connector) Info() json.RawMessage { return c.info }

// Methods lists the contract methods the file exports, sorted.
func (c *Connector) Methods() []string { return append([]string(nil), c.methods...) }

// Has reports whether the file exports a contract method.
func (c *Connector) Has(method string) bool { return c.exported[method] }

// Stats describes the runtime pool.
type Stats struct {
	Size  int `json:"size"`  // the most runtimes the pool may hold
	Live  int `json:"live"`  // runtimes that exist now
	InUse int `json:"inUse"` // runtimes running a call now
}

// Stats returns the pool's current figures.
func (c *Connector) Stats() Stats {
	return Stats{Size: c.pool.size, Live: len(c.pool.slots), InUse: int(c.pool.inUse.Load())}
}

// Close drops the idle runtimes. Calls in flight finish; their runtimes
// are dropped when they return.
func (c *Connector) Close() { c.pool.close() }

func (c *Connector) idleCall(ctx context.Context) *bindings.Call {
	e := c.engine
	return &bindings.Call{
		Ctx:     ctx,
		Synapse: c.serving,
		Type:    bindings.LoadType,
		Log:     e.opts.Logger.With().Str("synapse", c.serving).Str("file", c.file).Logger(),
		Secrets: bindings.NewSecrets(),
	}
}

// validate runs the script's top level once, checks its exports and its
// synapse_info, and seeds the pool with that first runtime.
func (c *Connector) validate(ctx context.Context, code string) error {
	e := c.engine
	lctx, cancel := e.loadContext(ctx)
	defer cancel()
	c.name = "" // unknown until synapse_info answers
	rt, err := c.newRuntime(lctx)
	if err != nil {
		return &LoadError{File: c.file, Problems: []Problem{c.problemFromError("the script failed at load", err)}}
	}
	var problems []Problem
	at := func(name, msg string) {
		line, col := locate(code, name)
		problems = append(problems, Problem{File: c.file, Line: line, Column: col, Message: msg})
	}
	keys := rt.exports.Keys()
	for _, k := range keys {
		val := rt.exports.Get(k)
		if _, known := methodByExport(k); known {
			if _, ok := goja.AssertFunction(val); !ok {
				at(k, fmt.Sprintf("export %s is %s, want a function", k, kindName(val)))
				continue
			}
			c.exported[k] = true
			continue
		}
		if s, typo := suggest(k); typo {
			at(k, fmt.Sprintf("unknown export %s; did you mean %s?", k, s))
		}
	}
	source := false
	for _, m := range methods {
		switch m.Requirement {
		case Required:
			if val := rt.exports.Get(m.Export); !c.exported[m.Export] && (val == nil || goja.IsUndefined(val)) {
				problems = append(problems, Problem{File: c.file, Message: fmt.Sprintf("missing required export %s", m.Export)})
			}
		case SourceOrDestination:
			source = source || c.exported[m.Export]
		}
	}
	if !source {
		problems = append(problems, Problem{File: c.file, Message: "missing required export read (for a source) or create/update/delete (for a destination)"})
	}
	for m := range c.exported {
		c.methods = append(c.methods, m)
	}
	sort.Strings(c.methods)

	c.pool = newPool(e.opts.PoolSize, c.newRuntime, c.observeInUse)
	if c.exported["synapse_info"] {
		info, name, perrs := c.loadInfo(lctx, rt)
		if len(perrs) > 0 {
			for _, p := range perrs {
				if p.Line == 0 {
					p.Line, p.Column = locate(code, "synapse_info")
				}
				problems = append(problems, p)
			}
		} else {
			c.info, c.name = info, name
			if c.serving == "" {
				c.serving = name
			}
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool {
			if problems[i].Line == 0 || problems[j].Line == 0 {
				return problems[i].Line != 0 && problems[j].Line == 0
			}
			return problems[i].Line < problems[j].Line
		})
		return &LoadError{File: c.file, Problems: problems}
	}
	c.pool.seed(rt)
	return nil
}

// loadInfo calls synapse_info on the validation runtime and checks it.
func (c *Connector) loadInfo(ctx context.Context, rt *runtime) (json.RawMessage, string, []Problem) {
	var out []byte
	var shapeErrs []*ShapeError
	call := c.idleCall(ctx)
	call.Type = "SYNAPSE_INFO"
	reusable, err := rt.exec(ctx, call, func() error {
		res, err := rt.fns["synapse_info"](goja.Undefined(), rt.js.NewObject(), rt.js.NewObject())
		if err != nil {
			return err
		}
		if res, err = rt.settle(ctx, res); err != nil {
			return err
		}
		var all []*ShapeError
		check := encoder{method: "synapse_info", collect: &all}
		_ = check.value(res, c.engine.models.synapseInfo)
		if len(all) > 0 {
			shapeErrs = all
			return nil
		}
		enc := encoder{method: "synapse_info"}
		if err := enc.value(res, c.engine.models.synapseInfo); err != nil {
			return err
		}
		out = enc.buf
		return nil
	})
	if len(shapeErrs) > 0 {
		ps := make([]Problem, len(shapeErrs))
		for i, se := range shapeErrs {
			ps[i] = Problem{File: c.file, Message: se.Error()}
		}
		return nil, "", ps
	}
	if err != nil || !reusable {
		if err == nil {
			err = errors.New("the runtime was interrupted")
		}
		return nil, "", []Problem{c.problemFromError("synapse_info failed", err)}
	}
	var probe struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out, &probe); err != nil || probe.Name == "" {
		return nil, "", []Problem{{File: c.file, Message: "synapse_info returned name: want a non-empty string"}}
	}
	if !names.Valid(probe.Name) {
		return nil, "", []Problem{{File: c.file, Message: fmt.Sprintf("synapse_info returned name: %q is not a valid synapse name (want lower-case letters, digits, '_' or '-', starting with a letter or digit, at most 63)", probe.Name)}}
	}
	return out, probe.Name, nil
}

// problemFromError turns a load-time failure into a Problem at the script
// line it happened on.
func (c *Connector) problemFromError(what string, err error) Problem {
	p := Problem{File: c.file}
	var se *ShapeError
	if errors.As(err, &se) {
		p.Message = se.Error()
		return p
	}
	msg, frame := describeError(c.file, err)
	if frame.line > 0 {
		p.Line, p.Column = frame.line, frame.col
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "did not finish within the load timeout of " + c.engine.opts.LoadTimeout.String()
	}
	p.Message = what + ": " + msg
	return p
}

func (c *Connector) observeInUse(delta int) {
	if o := c.engine.opts.Observer; o != nil {
		o.RuntimesInUse(c.serving, delta)
	}
}

func kindName(v goja.Value) string { return jsvalue.KindOf(v).String() }

// Logger for a call: the engine's, with the synapse, type and request id.
func (c *Connector) callLogger(typ, requestID string) zerolog.Logger {
	return c.engine.opts.Logger.With().Str("synapse", c.serving).Str("type", typ).Str("request_id", requestID).Logger()
}
