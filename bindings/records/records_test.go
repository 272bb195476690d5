package records_test

import (
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/bindings/bindingstest"
	"github.com/synapsejs/synapse-js/bindings/records"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

func newVU(t *testing.T) *bindingstest.VU {
	vu := bindingstest.New(t, records.New())
	if err := jsjson.InstallKeys(vu.RT); err != nil {
		t.Fatal(err)
	}
	// lazy(text) is what resp.json() gives a script.
	if err := vu.RT.Set("lazy", func(s string) any {
		v, err := jsjson.ParseLazy(vu.RT, []byte(s))
		if err != nil {
			panic(vu.RT.NewGoError(err))
		}
		return v
	}); err != nil {
		t.Fatal(err)
	}
	return vu
}

// TestFlattenAnswers: flatten and flattener, on plain objects (the loop)
// and on resp.json()'s, give what the module's doc says.
func TestFlattenAnswers(t *testing.T) {
	vu := newVU(t)
	for _, c := range []struct{ script, want string }{
		{`(() => { const records = require('synapse/records');
		  return JSON.stringify(records.flatten({id: 1, cf: {a: 'x', b: 5}}, 'cf')); })()`,
			`{"id":1,"a":"x","b":5}`},
		{`(() => { const records = require('synapse/records');
		  const f = records.flattener('custom_fields', {split: {value: '', currency: '_currency'}});
		  const r = {id: 1, custom_fields: {a: 'x', price: {value: 5, currency: 'EUR'}, addr: {value: 'x', street: 'y'}}};
		  return JSON.stringify([f(r) === r, r]); })()`,
			`[true,{"id":1,"a":"x","price":5,"price_currency":"EUR","addr":{"value":"x","street":"y"}}]`},
		{`(() => { const records = require('synapse/records');
		  const f = records.flattener('custom_fields', {split: {value: '', currency: '_currency'}});
		  const page = lazy('{"data":[{"id":1,"custom_fields":{"a":"x","price":{"value":5,"currency":"EUR"}}},{"id":2,"custom_fields":null}]}');
		  page.data.forEach(f);
		  return JSON.stringify(page.data); })()`,
			`[{"id":1,"a":"x","price":5,"price_currency":"EUR"},{"id":2,"custom_fields":null}]`},
		{`(() => { const records = require('synapse/records');
		  return JSON.stringify(records.flatten({id: 1}, 'cf', null)); })()`,
			`{"id":1}`},
		{`(() => { const records = require('synapse/records');
		  return JSON.stringify(records.flatten({id: 1, cf: {p: {value: 1, currency: 'X'}}}, 'cf', {split: null})); })()`,
			`{"id":1,"p":{"value":1,"currency":"X"}}`},
		{`(() => { const records = require('synapse/records');
		  const log = [];
		  const r = Object.create({set a(v) { log.push(v); }});
		  r.cf = {a: 1, b: 2};
		  records.flatten(r, 'cf');
		  return JSON.stringify([log, r]); })()`,
			`[[1],{"b":2}]`},
	} {
		got := vu.MustRun(t, c.script).String()
		if got != c.want {
			t.Errorf("%s\n= %s\nwant %s", c.script, got, c.want)
		}
	}
}

// TestFlattenRefusesBadArguments: a TypeError naming the argument and
// what it was.
func TestFlattenRefusesBadArguments(t *testing.T) {
	vu := newVU(t)
	for _, c := range []struct{ call, want string }{
		{`records.flatten(undefined, 'cf')`, "TypeError: records.flatten: the record must be an object, not undefined"},
		{`records.flatten('s', 'cf')`, "TypeError: records.flatten: the record must be an object, not a string (\"s\")"},
		{`records.flatten({}, 5)`, "TypeError: records.flatten: the key must be a string, not a number (5)"},
		{`records.flatten({}, 'cf', 'x')`, "TypeError: records.flatten: options must be an object, not a string (\"x\")"},
		{`records.flatten({}, 'cf', {splt: {}})`, "TypeError: records.flatten: options.splt: unknown option (there is only split)"},
		{`records.flatten({}, 'cf', {split: ['value']})`, "TypeError: records.flatten: options.split must be an object of key: suffix, such as {value: '', currency: '_currency'}, not an array"},
		{`records.flatten({}, 'cf', {split: {value: 1}})`, "TypeError: records.flatten: options.split.value must be a string (the suffix of its key), not a number (1)"},
		{`records.flatten({}, 'cf', {split: {}})`, "TypeError: records.flatten: options.split is empty: name the members to split"},
		{`records.flattener('cf')(null)`, "TypeError: a records.flattener function: the record must be an object, not null"},
		{`records.flatten({}, Symbol('cf'))`, "TypeError: records.flatten: the key must be a string, not a symbol (Symbol(cf))"},
		{`records.flatten({}, 5n)`, "TypeError: records.flatten: the key must be a string, not a bigint (5n)"},
		{`records.flatten({}, 'cf', {split: {value: Symbol('x')}})`, "TypeError: records.flatten: options.split.value must be a string (the suffix of its key), not a symbol (Symbol(x))"},
		// The loop's own errors, as the loop throws them.
		{`records.flatten(Object.freeze({cf: {a: 1}}), 'cf')`, "TypeError: Cannot add property a, object is not extensible"},
		{`records.flatten({get cf() { throw new RangeError('boom'); }}, 'cf')`, "RangeError: boom"},
	} {
		got := vu.MustRun(t, `(() => { const records = require('synapse/records');
			try { `+c.call+`; return 'no error'; } catch (e) { return String(e); } })()`).String()
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %s\nwant %s", c.call, got, c.want)
		}
	}
}

// TestFlattenOwnBuiltins: flatten lists members with the runtime's own
// Object.keys and tests arrays with its own Array.isArray, on resp.json()'s
// objects and on plain ones alike, even when a script replaced them
// before it required the module.
func TestFlattenOwnBuiltins(t *testing.T) {
	vu := newVU(t)
	got := vu.MustRun(t, `(() => {
		const log = [];
		Object.keys = () => { log.push('keys'); return []; };
		Array.isArray = () => { log.push('isArray'); return true; };
		const records = require('synapse/records');
		const split = {split: {value: ''}};
		const a = records.flatten({cf: {p: {value: 1}, q: 2}}, 'cf', split);
		const b = records.flatten(lazy('{"cf":{"p":{"value":1},"q":2}}'), 'cf', split);
		return JSON.stringify([log, a, b]);
	})()`).String()
	if want := `[[],{"p":1,"q":2},{"p":1,"q":2}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestFlattenRecordInsideItsMember: the record is one of its member's
// split objects. The loop reads its split values after the members before
// overwrote them; so must flatten, on lazy and plain objects alike.
func TestFlattenRecordInsideItsMember(t *testing.T) {
	vu := newVU(t)
	script := func(src string) string {
		return `(() => { const records = require('synapse/records');
		  const x = ` + src + `; x.cf.m = x;
		  records.flatten(x.cf, 'm', {split: {value: '', currency: '_currency'}});
		  return JSON.stringify(x.cf); })()`
	}
	lazy := vu.MustRun(t, script(`lazy('{"value":1,"cf":{"value":2,"currency":"EUR"}}')`)).String()
	plain := vu.MustRun(t, script(`JSON.parse('{"value":1,"cf":{"value":2,"currency":"EUR"}}')`)).String()
	if lazy != plain || lazy != `{"value":1,"currency":"EUR","cf":1,"cf_currency":"EUR"}` {
		t.Errorf("lazy  %s\nplain %s", lazy, plain)
	}
}
