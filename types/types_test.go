package types_test

// These tests hold synapse.d.ts to the engine, so the declarations cannot
// drift from what scripts really get: the export names of host.MethodNames(),
// the enums of host/models.go, the error classes of bindings/errors, the
// modules the standard host registers and the keys those modules, a client
// and a response really have. They also load the TypeScript and JSDoc
// examples with the engine and run typed_full.ts against the echo sandbox.
//
// The TypeScript compiler is not needed (CI has only Go). With SYNAPSE_TSC
// set to a tsc binary (npm install --prefix /tmp/tsc typescript@5), the
// examples are also type-checked:
//
//	SYNAPSE_TSC=/tmp/tsc/node_modules/.bin/tsc go test ./types/

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/echo"
)

const (
	dtsPath     = "synapse.d.ts"
	modelsPath  = "../host/models.go"
	typedFull   = "../testdata/connectors/typed_full.ts"
	checkedJS   = "testdata/checked.js"
	moduleTypes = "synapse/types"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// block returns the text of the declaration that starts with head, up to
// the line that closes it: a line that is just "}" at head's indentation.
func block(t *testing.T, src, head string) string {
	t.Helper()
	i := strings.Index(src, head)
	if i < 0 {
		t.Fatalf("%s: no %q", dtsPath, head)
	}
	lineStart := strings.LastIndexByte(src[:i], '\n') + 1
	indent := src[lineStart:i]
	end := strings.Index(src[i:], "\n"+indent+"}")
	if end < 0 {
		t.Fatalf("%s: %q is not closed", dtsPath, head)
	}
	return src[i : i+end]
}

// members lists the property and method names an interface block declares
// (comment lines skipped), without duplicates.
var memberLine = regexp.MustCompile(`^\s*(?:readonly\s+)?(\w+)\??\s*(?:<[^>]*>)?\s*[(:]`)

func members(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n")[1:] {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "*") || strings.HasPrefix(s, "/") {
			continue
		}
		if m := memberLine.FindStringSubmatch(line); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

var (
	exportFunc  = regexp.MustCompile(`(?m)^\s*export function (\w+)`)
	exportClass = regexp.MustCompile(`(?m)^\s*export class (\w+)`)
	literal     = regexp.MustCompile(`"([^"]*)"`)
)

func names(re *regexp.Regexp, src string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
}

func sameSet(t *testing.T, what string, declared, engine []string) {
	t.Helper()
	declared, engine = sorted(declared), sorted(engine)
	for _, n := range engine {
		if !slices.Contains(declared, n) {
			t.Errorf("%s: the engine has %q, %s does not declare it", what, n, dtsPath)
		}
	}
	for _, n := range declared {
		if !slices.Contains(engine, n) {
			t.Errorf("%s: %s declares %q, the engine has no such thing", what, dtsPath, n)
		}
	}
}

// TestExports: the Synapse interface lists exactly the contract's exports.
func TestExports(t *testing.T) {
	dts := readFile(t, dtsPath)
	mod := block(t, dts, `declare module "`+moduleTypes+`" {`)
	iface := block(t, mod, "export interface Synapse {")
	sameSet(t, "Synapse exports", members(iface), host.MethodNames())
	for _, m := range host.MethodNames() {
		if !regexp.MustCompile(`\n\s*` + m + `\??\(this: void, `).MatchString(iface) {
			t.Errorf("Synapse.%s: want a method declared as %s(this: void, req, ctx)", m, m)
		}
	}
}

// TestEnums: every enum of host/models.go is a union type of the same name
// with the same values.
func TestEnums(t *testing.T) {
	models := readFile(t, modelsPath)
	dts := readFile(t, dtsPath)
	mod := block(t, dts, `declare module "`+moduleTypes+`" {`)
	enums := regexp.MustCompile(`enum\("(\w+)",((?:\s*"[^"]*",?)+)\)`).FindAllStringSubmatch(models, -1)
	var found []string
	for _, e := range enums {
		name := e[1]
		found = append(found, name)
		var values []string
		for _, l := range literal.FindAllStringSubmatch(e[2], -1) {
			values = append(values, l[1])
		}
		decl := regexp.MustCompile(`export type ` + name + ` =([^;]*);`).FindStringSubmatch(mod)
		if decl == nil {
			t.Errorf("%s: no `export type %s = ...` for the enum of host/models.go", dtsPath, name)
			continue
		}
		var declared []string
		for _, l := range literal.FindAllStringSubmatch(decl[1], -1) {
			declared = append(declared, l[1])
		}
		sameSet(t, name, declared, values)
	}
	for _, want := range []string{"DataType", "AuthType", "Capabilities", "OffsetType"} {
		if !slices.Contains(found, want) {
			t.Errorf("%s: no enum(%q, ...) found; has the way models are declared changed?", modelsPath, want)
		}
	}
}

// TestErrorClasses: the classes of bindings/errors are exported by the
// "synapse/errors" module and declared as globals (value and type).
func TestErrorClasses(t *testing.T) {
	dts := readFile(t, dtsPath)
	mod := block(t, dts, `declare module "`+jserrors.ModuleName+`" {`)
	sameSet(t, jserrors.ModuleName+" classes", names(exportClass, mod), jserrors.Classes())
	for _, c := range jserrors.Classes() {
		for _, want := range []string{
			fmt.Sprintf("\ndeclare var %s: typeof import(%q).%s;", c, jserrors.ModuleName, c),
			fmt.Sprintf("\ntype %s = import(%q).%s;", c, jserrors.ModuleName, c),
		} {
			if !strings.Contains(dts, want) {
				t.Errorf("%s: the global %s is not declared as %q", dtsPath, c, strings.TrimSpace(want))
			}
		}
	}
}

// probe is a connector whose search answers what the modules, a client and
// a response really hold; req.query is the URL to request.
const probe = `'use strict';
const http = require('synapse/http');
const auth = require('synapse/auth');
const log = require('synapse/log');
const records = require('synapse/records');
const errors = require('synapse/errors');
module.exports = {
  synapse_info() { return { name: 'probe', metadata: { displayName: 'Probe' }, supportedAuthTypes: [{ authType: 'None' }] }; },
  test(c) { return c; },
  describe() { return []; },
  read(req) { return { watermark: req.watermark }; },
  search(req) {
    const c = http.client({ baseUrl: req.query, throwOnError: false });
    const resp = c.get('me');
    return [{ values: {
      'synapse/http': Object.keys(http),
      'synapse/auth': Object.keys(auth),
      'synapse/log': Object.keys(log),
      'synapse/records': Object.keys(records),
      'synapse/errors': Object.keys(errors),
      Client: Object.keys(c),
      Response: Object.keys(resp),
      Console: Object.keys(console),
      Auth: Object.keys(auth.bearer('t')),
      timers: [typeof setTimeout, typeof clearTimeout],
    } }];
  },
};
`

// TestModules: each module the standard host registers is declared, with
// a require overload and exactly the functions it has at run time; the
// Client, Response, Auth and Console interfaces have exactly the keys the
// real objects have.
func TestModules(t *testing.T) {
	dts := readFile(t, dtsPath)
	opts := host.StdOptions(host.Options{})
	mods := []string{jserrors.ModuleName}
	for _, m := range opts.Modules {
		mods = append(mods, m.Name())
	}
	for _, m := range mods {
		if !strings.Contains(dts, fmt.Sprintf("\ndeclare function require(name: %q): typeof import(%q);", m, m)) {
			t.Errorf("%s: no require(%q) overload", dtsPath, m)
		}
	}

	srv := httptest.NewServer(echo.New(echo.Options{Records: 1}).Handler())
	defer srv.Close()
	e := host.New(opts)
	c, err := e.Load(context.Background(), "probe.js", []byte(probe))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, _ := json.Marshal(map[string]any{"query": srv.URL, "params": []any{}})
	resp := c.Call(context.Background(), "search", nil, req, host.CallOptions{})
	if resp.Err != nil {
		t.Fatalf("probe: %s", resp.Body)
	}
	var out []struct {
		Values map[string][]string `json:"values"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || len(out) != 1 {
		t.Fatalf("probe answered %s (%v)", resp.Body, err)
	}
	got := out[0].Values

	for _, m := range mods {
		mod := block(t, dts, fmt.Sprintf("declare module %q {", m))
		declared := names(exportFunc, mod)
		if m == jserrors.ModuleName {
			declared = names(exportClass, mod)
		}
		if got[m] == nil {
			t.Errorf("probe: no keys for %s", m)
		}
		sameSet(t, "require('"+m+"')", declared, got[m])
	}
	httpMod := block(t, dts, `declare module "synapse/http" {`)
	client := append(members(block(t, httpMod, "export interface Requester ")), members(block(t, httpMod, "export interface Client "))...)
	sameSet(t, "http.Client", client, append(got["Client"], "baseUrl")) // baseUrl only when given
	sameSet(t, "http.Response", members(block(t, httpMod, "export interface Response ")), got["Response"])
	authMod := block(t, dts, `declare module "synapse/auth" {`)
	sameSet(t, "auth.Auth", members(block(t, authMod, "export interface Auth ")), got["Auth"]) // the brand is a symbol
	sameSet(t, "console", members(block(t, dts, "interface Console {")), got["Console"])
	if !slices.Equal(got["timers"], []string{"function", "function"}) {
		t.Errorf("setTimeout/clearTimeout are %v, want functions", got["timers"])
	}
	for _, g := range []string{"declare function setTimeout<", "declare function clearTimeout(", "declare var console: Console;"} {
		if !strings.Contains(dts, g) {
			t.Errorf("%s: no %q", dtsPath, g)
		}
	}
}

func load(t *testing.T, e *host.Engine, path string) *host.Connector {
	t.Helper()
	c, err := e.Load(context.Background(), path, []byte(readFile(t, path)))
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestExamplesLoad: the TypeScript and JSDoc examples load and validate.
func TestExamplesLoad(t *testing.T) {
	e := host.New(host.StdOptions(host.Options{}))
	for path, want := range map[string]struct {
		name    string
		methods []string
	}{
		typedFull: {"typed_full", []string{"create", "delete", "describe", "get_by_id", "read", "synapse_info", "test", "update"}},
		checkedJS: {"checked", []string{"describe", "get_by_id", "read", "synapse_info", "test"}},
	} {
		c := load(t, e, path)
		if c.Name() != want.name || !slices.Equal(c.Methods(), want.methods) {
			t.Errorf("%s: loaded as %q with %v, want %q with %v", path, c.Name(), c.Methods(), want.name, want.methods)
		}
	}
}

// TestTypedFullRuns drives typed_full.ts against the echo sandbox: a read
// window paged by cursor the way the platform pages, and a create whose
// Results the host completes.
func TestTypedFullRuns(t *testing.T) {
	srv := httptest.NewServer(echo.New(echo.Options{Records: 250}).Handler())
	defer srv.Close()
	c := load(t, host.New(host.StdOptions(host.Options{})), typedFull)
	conn, _ := json.Marshal(map[string]any{"name": "t", "authConfig": map[string]any{"endpoint": srv.URL + "/", "token": echo.DefaultToken}})
	call := func(method string, req any) json.RawMessage {
		t.Helper()
		body, _ := json.Marshal(req)
		resp := c.Call(context.Background(), method, conn, body, host.CallOptions{})
		if resp.Err != nil {
			t.Fatalf("%s: %s", method, resp.Body)
		}
		return resp.Body
	}
	entity := map[string]any{"apiName": "item", "displayName": "Item", "attributes": []any{}}

	type page struct {
		Data []struct {
			ID           string `json:"id"`
			LastModified int64  `json:"lastModified"`
		} `json:"data"`
		Watermark  map[string]any `json:"watermark"`
		OffsetType string         `json:"offsetType"`
	}
	wm := map[string]any{"start": 0, "end": 1 << 50, "offset": 0, "limit": 0, "cursor": nil, "isResync": true, "isTest": false, "initial": true}
	seen := map[string]bool{}
	var last int64
	pages := 0
	for ; pages < 10; pages++ {
		var p page
		if err := json.Unmarshal(call("read", map[string]any{"entity": entity, "entityWithMappedFields": entity, "watermark": wm}), &p); err != nil {
			t.Fatal(err)
		}
		if p.OffsetType != "CUSTOM" {
			t.Fatalf("offsetType %q, want CUSTOM", p.OffsetType)
		}
		for _, r := range p.Data {
			if seen[r.ID] || r.LastModified < last {
				t.Fatalf("page %d: record %s repeated or out of order", pages, r.ID)
			}
			seen[r.ID], last = true, r.LastModified
		}
		if len(p.Data) == 0 || p.Watermark["cursor"] == nil {
			break
		}
		wm = p.Watermark
	}
	if len(seen) != 250 || pages != 2 {
		t.Errorf("read %d records in %d pages, want 250 in 3 (100, 100, 50)", len(seen), pages+1)
	}

	var results []map[string]any
	if err := json.Unmarshal(call("create", map[string]any{"entity": entity, "data": []any{
		map[string]any{"syncariEntityId": "s1", "values": map[string]any{"name": "Ada", "email": "ada@example.com"}},
		map[string]any{"syncariEntityId": "s2", "values": map[string]any{"email": "no-name@example.com"}}, // the API wants a name
	}}), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0]["success"] != true || results[0]["id"] != "251" || results[0]["syncariId"] != "s1" ||
		results[1]["success"] != false || results[1]["syncariId"] != "s2" || len(results[1]["errors"].([]any)) != 1 {
		t.Errorf("create answered %v", results)
	}
}

// TestTSC type-checks the examples with the real compiler when SYNAPSE_TSC
// names it.
func TestTSC(t *testing.T) {
	tsc := os.Getenv("SYNAPSE_TSC")
	if tsc == "" {
		t.Skip("SYNAPSE_TSC is not set (the path of a tsc binary)")
	}
	for _, args := range [][]string{
		{"--noEmit", "--strict", "--target", "es2020", "--lib", "es2020", dtsPath, typedFull},
		{"--noEmit", "--strict", "--allowJs", "--checkJs", "--target", "es2020", "--lib", "es2020", dtsPath, filepath.FromSlash(checkedJS)},
	} {
		out, err := exec.Command(tsc, args...).CombinedOutput()
		if err != nil {
			t.Errorf("tsc %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
