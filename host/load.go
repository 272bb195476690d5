package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/synapsejs/synapse-js/internal/text"
)

// Problem is one thing wrong with a connector file, with its position when
// it has one.
type Problem struct {
	// File is the connector file the problem is in.
	File string `json:"file"`
	// Line is the 1-based line; 0 when the problem has no position.
	Line int `json:"line,omitempty"`
	// Column is the 1-based column; 0 when unknown.
	Column int `json:"column,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// String formats the problem as compilers do: file:line:col: message.
func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// LoadError is a connector file that failed validation. It lists every
// problem found, not just the first.
type LoadError struct {
	// File is the connector file that failed.
	File string
	// Problems is every problem found.
	Problems []Problem
}

// Error implements error.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// esmSyntax spots ES module syntax at the start of a line, to decide whether
// a .js file needs esbuild's transform to CommonJS.
var esmSyntax = regexp.MustCompile(`(?m)^\s*(import\s*[\w*{'"]|export\s+(default|function|async|const|let|var|class)\b|export\s*[{*])`)

// wrapperPrefix turns the file into a CommonJS function. It stays on the
// file's first line so line numbers in errors and stacks are the author's.
// Connectors run in strict mode: an assignment to an undeclared variable is
// a ReferenceError instead of a global that would outlive the call (ES
// modules and TypeScript output are strict anyway).
const wrapperPrefix = `(function (exports, require, module, __filename, __dirname) {"use strict";`

// Load compiles and validates a connector file. The filename (its base name
// is used) appears in errors and stack traces; .ts files and files with ES
// module syntax are transformed to CommonJS first. On any problem it
// returns a *LoadError listing them all.
func (e *Engine) Load(ctx context.Context, filename string, src []byte) (*Connector, error) {
	return e.LoadAs(ctx, "", filename, src)
}

// LoadAs is Load for a connector served under its own name (a server's
// upload name), which keys its remembered OAuth tokens, its log lines and
// its metrics: two uploads whose synapse_info names agree never share
// tokens. An empty serving name is synapse_info's name.
func (e *Engine) LoadAs(ctx context.Context, serving, filename string, src []byte) (*Connector, error) {
	name := filepath.Base(filename)
	code, problems := transform(name, src)
	if len(problems) > 0 {
		return nil, &LoadError{File: name, Problems: problems}
	}
	prg, problems := compile(name, code)
	if len(problems) > 0 {
		return nil, &LoadError{File: name, Problems: problems}
	}
	sum := sha256.Sum256(src)
	c := &Connector{
		engine:    e,
		file:      name,
		source:    src,
		sha256:    hex.EncodeToString(sum[:]),
		program:   prg,
		serving:   serving,
		exported:  map[string]bool{},
		sizeHints: newSizeHints(),
	}
	if err := c.validate(ctx, code); err != nil {
		return nil, err
	}
	return c, nil
}

func transform(name string, src []byte) (string, []Problem) {
	ext := strings.ToLower(filepath.Ext(name))
	loader := api.LoaderJS
	switch ext {
	case ".ts", ".mts", ".cts":
		loader = api.LoaderTS
	default:
		if !esmSyntax.Match(src) {
			return string(src), nil
		}
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader:     loader,
		Format:     api.FormatCommonJS,
		Target:     api.ES2017,
		Sourcemap:  api.SourceMapInline,
		Sourcefile: name,
	})
	if len(res.Errors) > 0 {
		var out []Problem
		for _, m := range res.Errors {
			p := Problem{File: name, Message: m.Text}
			if m.Location != nil {
				p.Line, p.Column = m.Location.Line, m.Location.Column+1
			}
			out = append(out, p)
		}
		return "", out
	}
	return string(res.Code), nil
}

func compile(name, code string) (*goja.Program, []Problem) {
	wrapped := wrapperPrefix + code + "\n})"
	ast, err := parser.ParseFile(nil, name, wrapped, 0,
		// Only inline maps: a sourceMappingURL must never read host files.
		parser.WithSourceMapLoader(func(string) ([]byte, error) { return nil, nil }))
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) {
			// Only the first: the parser's later errors are mostly
			// cascades of the first one.
			out := make([]Problem, 0, 1)
			for _, pe := range list[:1] {
				line, col := pe.Position.Line, pe.Position.Column
				if line == 1 {
					col -= len(wrapperPrefix)
				}
				out = append(out, Problem{File: name, Line: line, Column: max(col, 1), Message: "syntax error: " + pe.Message})
			}
			return nil, out
		}
		return nil, []Problem{{File: name, Message: "syntax error: " + err.Error()}}
	}
	prg, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, []Problem{{File: name, Message: compileMessage(err)}}
	}
	return prg, nil
}

func compileMessage(err error) string {
	var ce *goja.CompilerSyntaxError
	if errors.As(err, &ce) {
		return "syntax error: " + ce.Message
	}
	return err.Error()
}

// locate finds where name is defined in the source, to point an export
// problem at a line: `name:`, `name =`, `name(` or `function name`.
func locate(code, name string) (line, col int) {
	re, err := regexp.Compile(`(?m)(\b` + regexp.QuoteMeta(name) + `\s*[:=(]|function\s+` + regexp.QuoteMeta(name) + `\b|["']` + regexp.QuoteMeta(name) + `["']\s*:)`)
	if err != nil {
		return 0, 0
	}
	loc := re.FindStringIndex(code)
	if loc == nil {
		return 0, 0
	}
	before := code[:loc[0]]
	line = strings.Count(before, "\n") + 1
	col = loc[0] - (strings.LastIndexByte(before, '\n') + 1) + 1
	if strings.HasPrefix(code[loc[0]:], "function") {
		col += strings.Index(code[loc[0]:], name)
	}
	return line, col
}

// suggest returns the known export closest to an unknown name, if it looks
// like a typo of it (get_byid, synapseInfo, Read).
func suggest(name string) (string, bool) {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	n := norm(name)
	best, bestD := "", 1<<30
	for _, row := range methods {
		m := row.Export
		d := text.Distance(n, norm(m))
		if d < bestD || (d == bestD && m < best) {
			best, bestD = m, d
		}
	}
	limit := 2
	if len(n) <= 4 {
		limit = 1
	}
	return best, bestD <= limit
}
