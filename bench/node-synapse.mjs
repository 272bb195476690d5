// node-synapse.mjs: the Node.js anchor of the read benchmark (go run ./bench).
//
// A hand-written Node synapse that reads Pipedrive persons exactly as
// scripts/pipedrive.js does (the same window, read skew, query, custom
// fields flattened into values, the same Record fields, the same watermark
// and "end:" cursor), with fetch, behind an execute(envelope) that takes
// and answers wire JSON as a cloud-function synapse would. The driver is an
// in-process paging loop that builds each envelope, calls execute, and
// reads the next watermark out of the answer.
//
//   node bench/node-synapse.mjs loop BASE_URL TOKEN           all persons, paged
//   node bench/node-synapse.mjs page BASE_URL TOKEN ROUNDS    one 500-record page, execute() alone
//   node bench/node-synapse.mjs dump BASE_URL TOKEN           every answer, one per line (tests)
//
// It prints one JSON line: {"records", "seconds", "cpuSeconds", ...}; the
// Go side reads the peak RSS from /proc.
'use strict';

const MAX_PAGE = 500;
const DEFAULT_SKEW_SECONDS = 5;
const END_CURSOR = 'end:';

function rfc3339(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

function v2Millis(s) {
  return s ? Date.parse(s) : null;
}

function readWindow(wm, connection) {
  const raw = ((connection && connection.metaConfig) || {}).readSkewSeconds;
  let skew = raw === undefined || raw === null || raw === '' ? DEFAULT_SKEW_SECONDS : Number(raw);
  if (!(skew >= 0)) skew = DEFAULT_SKEW_SECONDS;
  const start = Math.max(0, Number(wm.start) || 0);
  let end = Number(wm.end) || 0;
  if (end <= 0) end = Date.now();
  if (skew > 0) end = Math.min(end, Date.now() - skew * 1000);
  return { start: start, end: Math.max(start, end) };
}

function pageSize(wm, connection) {
  let n = Number(((connection && connection.metaConfig) || {}).pageSize) || MAX_PAGE;
  if (wm.limit > 0) n = Math.min(n, wm.limit);
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(n)));
}

// toRecord is pipedrive.js's (plus the Record's syncariEntityId, which a
// Python synapse writes as null by default), with the flattening loop
// pipedrive.js's records.flattener('custom_fields', {split: {value: '',
// currency: '_currency'}}) stands for: Node runs it compiled, so a loop is
// what a Node synapse would write.
function toRecord(name, r) {
  const cf = r.custom_fields;
  if (cf !== null && typeof cf === 'object') {
    const keys = Object.keys(cf);
    const n = keys.length;
    let k, v;
    for (let i = 0; i < n; i++) {
      k = keys[i];
      v = cf[k];
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.value !== undefined && v.currency !== undefined) {
        r[k] = v.value;
        r[k + '_currency'] = v.currency;
      } else {
        r[k] = v;
      }
    }
    delete r.custom_fields;
  }
  return {
    name: name,
    id: String(r.id),
    syncariEntityId: null, // the SDK's default, which the host also writes
    deleted: r.is_deleted === true,
    values: r,
    lastModified: v2Millis(r.update_time),
    createdAt: v2Millis(r.add_time),
  };
}

async function read(req, connection) {
  const wm = req.watermark;
  const win = readWindow(wm, connection);
  const size = pageSize(wm, connection);
  const cursor = wm.cursor || null;
  let data = [];
  let next = null;
  if (!(win.end <= win.start || cursor === END_CURSOR)) {
    const q = new URLSearchParams({
      updated_since: rfc3339(Math.ceil(win.start / 1000)),
      updated_until: rfc3339(Math.ceil(win.end / 1000)),
      sort_by: 'update_time',
      sort_direction: 'asc',
      limit: String(size),
      include_fields: 'open_deals_count',
    });
    if (cursor) q.set('cursor', cursor);
    const base = String(connection.authConfig.endpoint).replace(/\/+$/, '');
    const resp = await fetch(base + '/api/v2/persons?' + q, {
      headers: { 'x-api-token': connection.authConfig.token, accept: 'application/json' },
    });
    if (resp.status !== 200) throw new Error('GET persons: ' + resp.status);
    const body = await resp.json();
    const items = body.data || [];
    data = new Array(items.length);
    for (let i = 0; i < items.length; i++) data[i] = toRecord('person', items[i]);
    next = (body.additional_data && body.additional_data.next_cursor) || null;
  }
  if (!next && data.length === size) next = END_CURSOR;
  return { data: data, watermark: Object.assign({}, wm, { end: win.end, cursor: next }), offsetType: 'CUSTOM' };
}

// execute is the synapse's entry point: wire JSON in, wire JSON out.
async function execute(envelope) {
  const env = JSON.parse(envelope);
  if (env.type !== 'READ') throw new Error('only READ');
  const res = await read(env.body, env.connection);
  return JSON.stringify(res);
}

function envelopeFor(connection, wm) {
  return JSON.stringify({
    type: 'READ',
    connection: connection,
    requestId: 'bench',
    body: { entity: { apiName: 'person', displayName: 'Person', attributes: [] }, watermark: wm },
  });
}

// nextWatermark reads the answer's record count and watermark the way the
// Go benchmark does: the watermark is parsed, the records only counted.
function scan(answer) {
  const i = answer.lastIndexOf('"watermark":');
  const wmText = answer.slice(i + '"watermark":'.length, answer.lastIndexOf(',"offsetType"'));
  let n = 0;
  for (let j = answer.indexOf(',"lastModified":'); j >= 0 && j < i; j = answer.indexOf(',"lastModified":', j + 1)) n++;
  return { n: n, wm: JSON.parse(wmText) };
}

function window500() {
  return { start: 0, end: Date.now(), limit: 500, isResync: true };
}

async function main() {
  const [mode, base, token, roundsArg] = process.argv.slice(2);
  const connection = { name: 'bench', authConfig: { endpoint: base, token: token } };
  if (mode === 'loop') {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let wm = window500();
    let records = 0;
    let pages = 0;
    for (;;) {
      const { n, wm: next } = scan(await execute(envelopeFor(connection, wm)));
      records += n;
      pages++;
      if (n === 0 || n < wm.limit) break;
      wm = next;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    console.log(JSON.stringify({ mode, records, pages, seconds: secs, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  } else if (mode === 'dump') {
    // Every page's answer, one per line, for the harness's tests.
    let wm = window500();
    for (;;) {
      const answer = await execute(envelopeFor(connection, wm));
      console.log(answer);
      const { n, wm: next } = scan(answer);
      if (n === 0 || n < wm.limit) break;
      wm = next;
    }
  } else if (mode === 'page') {
    const rounds = Number(roundsArg) || 20;
    const env = envelopeFor(connection, window500());
    // Warm up (JIT, connection).
    for (let i = 0; i < 3; i++) await execute(env);
    let records = 0;
    let secs = 0;
    let cpuSecs = 0;
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const answer = await execute(env);
      secs += Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(c0);
      cpuSecs += (cpu.user + cpu.system) / 1e6;
      records += scan(answer).n;
    }
    console.log(JSON.stringify({ mode, records, rounds, seconds: secs, cpuSeconds: cpuSecs }));
  } else {
    console.error('usage: node-synapse.mjs loop|page|dump BASE_URL TOKEN [ROUNDS]');
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
