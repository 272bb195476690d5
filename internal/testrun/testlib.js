// synapse/test: what a connector's test file requires. The runner (Go)
// reads the registered tests from the object this returns and runs each
// with run(t), settling its promise under the test's deadline.
(function (bridge) {
  'use strict';

  // ---- registration ----
  const root = { name: '', before: [], after: [], skip: false, only: false, parent: null };
  let suite = root;
  const tests = [];

  function where() {
    return bridge.locate(new Error().stack || '');
  }

  function checkArgs(what, name, fn) {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(what + '(name, fn): name must be a non-empty string');
    }
    if (typeof fn !== 'function') {
      throw new TypeError(what + '(' + JSON.stringify(name) + ', fn): fn must be a function');
    }
  }

  function register(name, fn, opts, mode) {
    checkArgs('test', name, fn);
    let timeout = 0;
    let cassette = '';
    if (typeof opts === 'number') {
      timeout = opts;
    } else if (opts && typeof opts === 'object') {
      timeout = opts.timeout || 0;
      cassette = opts.cassette || '';
    } else if (opts !== undefined) {
      throw new TypeError('test(' + JSON.stringify(name) + ', fn, opts): opts must be a timeout in ms or {timeout, cassette}');
    }
    const names = [];
    let skip = mode === 'skip';
    let only = mode === 'only';
    for (let s = suite; s && s !== root; s = s.parent) {
      names.unshift(s.name);
      skip = skip || s.skip;
      only = only || s.only;
    }
    names.push(name);
    tests.push({ name: names.join(' > '), fn, suite, skip, only, timeout, cassette, where: where() });
  }

  function test(name, fn, opts) { register(name, fn, opts, ''); }
  test.skip = function (name, fn, opts) { register(name, fn, opts, 'skip'); };
  test.only = function (name, fn, opts) { register(name, fn, opts, 'only'); };

  function describeWith(mode) {
    return function (name, fn) {
      checkArgs('describe', name, fn);
      const s = { name, before: [], after: [], skip: mode === 'skip', only: mode === 'only', parent: suite };
      suite = s;
      try {
        const r = fn();
        if (r && typeof r.then === 'function') {
          throw new TypeError('describe(' + JSON.stringify(name) + '): fn must not be async; register tests synchronously');
        }
      } finally {
        suite = s.parent;
      }
    };
  }
  const describe = describeWith('');
  describe.skip = describeWith('skip');
  describe.only = describeWith('only');

  function hook(list) {
    return function (fn) {
      if (typeof fn !== 'function') throw new TypeError('hook: fn must be a function');
      suite[list].push(fn);
    };
  }

  // run runs one test: every enclosing beforeEach (outermost first), the
  // test, every afterEach (innermost first, even after a failure).
  async function run(t) {
    const chain = [];
    for (let s = t.suite; s; s = s.parent) chain.unshift(s);
    let failure = null;
    let failed = false;
    try {
      for (const s of chain) for (const h of s.before) await h();
      await t.fn();
    } catch (e) {
      failure = e;
      failed = true;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      for (const h of chain[i].after) {
        try {
          await h();
        } catch (e) {
          if (!failed) {
            failure = e;
            failed = true;
          }
        }
      }
    }
    if (failed) throw failure;
  }

  // ---- values for people ----
  function show(v, indent, seen) {
    indent = indent || '';
    seen = seen || [];
    if (v === null) return 'null';
    switch (typeof v) {
      case 'undefined': return 'undefined';
      case 'string': return JSON.stringify(v);
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return String(v) + 'n';
      case 'boolean': return String(v);
      case 'symbol': return v.toString();
      case 'function': return '[Function ' + (v.name || 'anonymous') + ']';
    }
    if (seen.indexOf(v) >= 0) return '[Circular]';
    if (v instanceof Date) return 'Date(' + (isNaN(v.getTime()) ? 'Invalid' : v.toISOString()) + ')';
    if (v instanceof RegExp) return String(v);
    if (v instanceof Error) return (v.name || 'Error') + '(' + JSON.stringify(v.message) + ')';
    const inner = indent + '  ';
    const next = seen.concat([v]);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[\n' + v.map((x) => inner + show(x, inner, next) + ',').join('\n') + '\n' + indent + ']';
    }
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return '{\n' + keys.map((k) => inner + JSON.stringify(k) + ': ' + show(v[k], inner, next) + ',').join('\n') + '\n' + indent + '}';
  }

  // diff is a line diff of two shown values (- expected, + received).
  function diff(expected, received) {
    const a = show(expected).split('\n');
    const b = show(received).split('\n');
    if (a.length * b.length > 250000) {
      return '- Expected\n+ Received\n\n- ' + a.join('\n- ') + '\n+ ' + b.join('\n+ ');
    }
    const n = a.length;
    const m = b.length;
    const lcs = [];
    for (let i = 0; i <= n; i++) lcs.push(new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) {
        out.push('  ' + a[i]);
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.push('- ' + a[i]);
        i++;
      } else {
        out.push('+ ' + b[j]);
        j++;
      }
    }
    return '- Expected\n+ Received\n\n' + out.join('\n');
  }

  // ---- equality ----
  function equals(a, b, partial, seen) {
    if (Object.is(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    seen = seen || [];
    for (const [x, y] of seen) if (x === a && y === b) return true;
    seen = seen.concat([[a, b]]);
    if (a instanceof Date || b instanceof Date) {
      return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
    }
    if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i], partial, seen)) return false;
      return true;
    }
    // a is the received value, b the expected one. toEqual ignores
    // properties that are undefined; toMatchObject only looks at b's keys.
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    if (!partial) {
      const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
      if (keysA.length !== keysB.length) return false;
    }
    for (const k of keysB) {
      if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
      if (!equals(a[k], b[k], partial, seen)) return false;
    }
    return true;
  }

  // project keeps of a received value only what the expected one has, so
  // a toMatchObject diff shows just the keys that were asked about (a
  // missing key shows as absent).
  function project(r, e) {
    if (typeof r !== 'object' || r === null || typeof e !== 'object' || e === null) return r;
    if (Array.isArray(r) && Array.isArray(e)) return r.map((x, i) => (i < e.length ? project(x, e[i]) : x));
    if (Array.isArray(r) || Array.isArray(e)) return r;
    const out = {};
    for (const k of Object.keys(e)) {
      if (Object.prototype.hasOwnProperty.call(r, k)) out[k] = project(r[k], e[k]);
    }
    return out;
  }

  // ---- expect ----
  class AssertionError extends Error {
    constructor(message, location) {
      super(message);
      this.name = 'AssertionError';
      this.location = location;
    }
  }

  function thrown(fn, isError) {
    if (isError) return { threw: true, error: fn };
    if (typeof fn !== 'function') {
      throw new TypeError('expect(received).toThrow(): received must be a function (or use .rejects for a promise)');
    }
    try {
      const r = fn();
      if (r && typeof r.then === 'function') {
        throw new TypeError('expect(fn).toThrow(): fn returned a promise; use await expect(promise).rejects.toThrow()');
      }
    } catch (e) {
      if (e instanceof TypeError && /toThrow\(\): fn returned a promise/.test(e.message)) throw e;
      return { threw: true, error: e };
    }
    return { threw: false };
  }

  function describeExpected(exp) {
    if (exp === undefined) return 'an error';
    if (typeof exp === 'function') return 'an instance of ' + (exp.name || 'the class');
    if (exp instanceof RegExp) return 'an error matching ' + String(exp);
    return 'an error whose message contains ' + JSON.stringify(String(exp));
  }

  const matchers = {
    toBe(r, e) {
      const pass = Object.is(r, e);
      return {
        pass,
        message: (not) => not
          ? 'expected ' + show(r) + ' not to be ' + show(e)
          : 'expected ' + show(e) + ', got ' + show(r) + (typeof r === 'object' && r !== null && equals(r, e, false) ? '\n(equal values but not the same object: use toEqual)' : typeof e === 'object' && e !== null ? '\n\n' + diff(e, r) : ''),
      };
    },
    toEqual(r, e) {
      return { pass: equals(r, e, false), message: (not) => not ? 'expected a value not equal to ' + show(e) : 'expected values to be equal\n\n' + diff(e, r) };
    },
    toMatchObject(r, e) {
      if (typeof e !== 'object' || e === null) throw new TypeError('toMatchObject(expected): expected must be an object');
      return { pass: typeof r === 'object' && r !== null && equals(r, e, true), message: (not) => not ? 'expected the value not to match ' + show(e) : 'expected the value to match the object\n\n' + diff(e, project(r, e)) };
    },
    toContain(r, e) {
      let pass;
      if (typeof r === 'string') pass = r.indexOf(String(e)) >= 0;
      else if (r && typeof r[Symbol.iterator] === 'function') pass = Array.from(r).some((x) => Object.is(x, e) || x === e);
      else throw new TypeError('toContain: received must be a string or an array, got ' + show(r));
      return { pass, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to contain ' + show(e) };
    },
    toHaveLength(r, n) {
      const len = r !== null && r !== undefined ? r.length : undefined;
      return { pass: len === n, message: (not) => not ? 'expected a length other than ' + n : 'expected length ' + n + ', got ' + (len === undefined ? 'a value without a length: ' + show(r) : len) };
    },
    toBeTruthy(r) { return { pass: !!r, message: (not) => 'expected ' + show(r) + ' to be ' + (not ? 'falsy' : 'truthy') }; },
    toBeFalsy(r) { return { pass: !r, message: (not) => 'expected ' + show(r) + ' to be ' + (not ? 'truthy' : 'falsy') }; },
    toBeNull(r) { return { pass: r === null, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to be null' }; },
    toBeUndefined(r) { return { pass: r === undefined, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to be undefined' }; },
    toBeDefined(r) { return { pass: r !== undefined, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to be defined' }; },
    toBeGreaterThan(r, e) { return { pass: r > e, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to be greater than ' + show(e) }; },
    toBeLessThan(r, e) { return { pass: r < e, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to be less than ' + show(e) }; },
    toMatch(r, e) {
      const pass = typeof r === 'string' && (e instanceof RegExp ? e.test(r) : r.indexOf(String(e)) >= 0);
      return { pass, message: (not) => 'expected ' + show(r) + (not ? ' not' : '') + ' to match ' + (e instanceof RegExp ? String(e) : show(e)) };
    },
    toThrow(r, e, isError) {
      const t = thrown(r, isError);
      if (!t.threw) return { pass: false, message: (not) => not ? '' : 'expected the function to throw ' + describeExpected(e) + ', it did not throw' };
      const err = t.error;
      const msg = err && typeof err === 'object' && 'message' in err ? String(err.message) : String(err);
      let pass;
      if (e === undefined) pass = true;
      else if (typeof e === 'function') pass = err instanceof e;
      else if (e instanceof RegExp) pass = e.test(msg);
      else pass = msg.indexOf(String(e)) >= 0;
      return { pass, message: (not) => (not ? 'expected no ' : 'expected ') + describeExpected(e) + ', got ' + show(err) };
    },
  };

  function check(name, r, args, not, loc, isError) {
    const m = matchers[name](r, args[0], isError);
    if (m.pass === not) {
      throw new AssertionError('expect(received).' + (not ? 'not.' : '') + name + '(): ' + m.message(not), loc);
    }
  }

  function makeExpect(actual, not, mode) {
    const e = {};
    for (const name of Object.keys(matchers)) {
      e[name] = function (...args) {
        const loc = where();
        if (!mode) return check(name, actual, args, not, loc, false);
        if (!actual || typeof actual.then !== 'function') {
          throw new AssertionError('expect(received).' + mode + ': received must be a promise, got ' + show(actual), loc);
        }
        return Promise.resolve(actual).then(
          (v) => {
            if (mode === 'rejects') throw new AssertionError('expect(promise).rejects.' + name + '(): the promise resolved with ' + show(v), loc);
            return check(name, v, args, not, loc, false);
          },
          (err) => {
            if (mode === 'resolves') throw new AssertionError('expect(promise).resolves.' + name + '(): the promise rejected with ' + show(err), loc);
            return check(name, err, args, not, loc, true);
          });
      };
    }
    if (!not) {
      Object.defineProperty(e, 'not', { get: () => makeExpect(actual, true, mode) });
    }
    if (!mode) {
      Object.defineProperty(e, 'resolves', { get: () => makeExpect(actual, false, 'resolves') });
      Object.defineProperty(e, 'rejects', { get: () => makeExpect(actual, false, 'rejects') });
    }
    return e;
  }

  function expect(actual) {
    if (arguments.length !== 1) throw new TypeError('expect(received) takes one value');
    return makeExpect(actual, false, '');
  }

  return {
    exports: {
      test,
      it: test,
      describe,
      beforeEach: hook('before'),
      afterEach: hook('after'),
      expect,
      AssertionError,
      connection: bridge.connection,
    },
    tests,
    run,
  };
})
