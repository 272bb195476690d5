package testrun_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/internal/testrun"
)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runFile(t *testing.T, src string, opts testrun.Options) (testrun.Summary, string, string) {
	t.Helper()
	f := write(t, filepath.Join(t.TempDir(), "x.test.js"), src)
	var out strings.Builder
	opts.Out = &out
	sum := testrun.Run(context.Background(), []string{f}, opts)
	return sum, out.String(), f
}

// TestMatchers: each matcher passes and fails where it should, .not turns
// it around, and a failure names the expect's line.
func TestMatchers(t *testing.T) {
	sum, out, f := runFile(t, `const { test, expect } = require('synapse/test');
test('pass', async () => {
  expect(1).toBe(1);
  expect({ a: [1, { b: 2 }], u: undefined }).toEqual({ a: [1, { b: 2 }] });
  expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } });
  expect([1, 2, 3]).toContain(2);
  expect('abc').toContain('b');
  expect([1, 2]).toHaveLength(2);
  expect(1).toBeTruthy(); expect(0).toBeFalsy(); expect(null).toBeNull(); expect(undefined).toBeUndefined();
  expect(() => { throw new TypeError('bad thing'); }).toThrow(TypeError);
  expect(() => { throw new TypeError('bad thing'); }).toThrow('bad');
  expect(() => { throw new TypeError('bad thing'); }).toThrow(/thing$/);
  expect(() => 1).not.toThrow();
  expect({ a: 1 }).not.toEqual({ a: 2 });
  expect([1]).not.toContain(2);
  await expect(Promise.resolve(5)).resolves.toBe(5);
  await expect(Promise.reject(new RangeError('r'))).rejects.toThrow(RangeError);
  await expect(Promise.resolve(5)).resolves.not.toBe(6);
});
test('toBe on objects', () => {
  expect({ a: 1 }).toBe({ a: 1 });
});
test('toThrow without a throw', () => {
  expect(() => 1).toThrow();
});
test('resolves on a rejection', async () => {
  await expect(Promise.reject(new Error('no'))).resolves.toBe(1);
});
test('length', () => {
  expect([1, 2, 3]).toHaveLength(2);
});
`, testrun.Options{})
	if sum.Passed != 1 || sum.Failed != 4 {
		t.Fatalf("%+v\n%s", sum, out)
	}
	for _, want := range []string{
		f + ":21: toBe on objects", "equal values but not the same object: use toEqual",
		f + ":24: toThrow without a throw", "it did not throw",
		f + ":27: resolves on a rejection", "the promise rejected with Error(\"no\")",
		f + ":30: length", "expected length 2, got 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestOnlySkipTimeout: only runs alone (the rest count as skipped), a test
// past its timeout fails saying so, and the runner goes on to the next.
func TestOnlySkipTimeout(t *testing.T) {
	sum, out, _ := runFile(t, `const { test, expect, describe } = require('synapse/test');
test('not this one', () => { throw new Error('must not run'); });
describe('group', () => {
  test.only('slow', () => new Promise((resolve) => setTimeout(resolve, 60000)), { timeout: 50 });
  test.only('spins', () => { for (;;) {} }, 50);
  test.only('fine', () => expect(1).toBe(1));
});
`, testrun.Options{})
	if sum.Passed != 1 || sum.Failed != 2 || sum.Skipped != 1 {
		t.Fatalf("%+v\n%s", sum, out)
	}
	if strings.Count(out, "timed out after 50ms") != 2 || !strings.HasSuffix(out, "1 passed, 2 failed, 1 skipped\n") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestHooksOrder: beforeEach outermost first, afterEach innermost first,
// afterEach even after a failure.
func TestHooksOrder(t *testing.T) {
	sum, out, _ := runFile(t, `const { test, expect, describe, beforeEach, afterEach } = require('synapse/test');
const log = [];
beforeEach(() => log.push('b1'));
afterEach(() => log.push('a1'));
describe('inner', () => {
  beforeEach(() => log.push('b2'));
  afterEach(() => log.push('a2'));
  test('fails', () => { log.push('t'); throw new Error('x'); });
});
test('sees the order', () => {
  expect(log).toEqual(['b1', 'b2', 't', 'a2', 'a1', 'b1']);
});
`, testrun.Options{})
	if sum.Passed != 1 || sum.Failed != 1 {
		t.Fatalf("%+v\n%s", sum, out)
	}
}

// TestBadFiles: a syntax error, a missing cassette under Replay and a
// duplicate name are clear failures.
func TestBadFiles(t *testing.T) {
	sum, out, f := runFile(t, "const { test } = require('synapse/test');\ntest('x', () => {\n", testrun.Options{})
	if sum.Failed != 1 || !strings.Contains(out, f+":") || !strings.Contains(out, "syntax error") {
		t.Fatalf("syntax error: %+v\n%s", sum, out)
	}
	sum, out, _ = runFile(t, "const { test } = require('synapse/test');\ntest('x', () => {});\n", testrun.Options{Mode: testrun.Replay})
	if sum.Failed != 1 || !strings.Contains(out, "does not exist (record it with --record)") {
		t.Fatalf("missing cassette: %+v\n%s", sum, out)
	}
	sum, out, _ = runFile(t, "const { test } = require('synapse/test');\ntest('x', () => {});\ntest('x', () => {});\n", testrun.Options{})
	if sum.Failed != 1 || !strings.Contains(out, `two tests are named "x"`) {
		t.Fatalf("duplicate: %+v\n%s", sum, out)
	}
	start := time.Now()
	sum, out, _ = runFile(t, "const { test } = require('synapse/test');\ntest('x', () => { require('synapse/nope'); });\n", testrun.Options{})
	if sum.Failed != 1 || !strings.Contains(out, "no such module") || time.Since(start) > time.Minute {
		t.Fatalf("unknown module: %+v\n%s", sum, out)
	}
}
