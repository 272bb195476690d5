// pipedrive.test.js: unit tests of pipedrive.js, one or more for every
// export, run by `synapse-js test scripts/`.
//
// Each test replays its cassette (cassettes/pipedrive/<test>.json): the
// HTTP it exchanged with the Pipedrive sandbox, and the clock and
// Math.random it saw, with the tokens replaced by [REDACTED]. So the suite
// runs offline, in well under a second, and gives the same result on any
// day. To record again (after changing pipedrive.js or a test):
//
//   synapse-js sandbox pipedrive &          # http://127.0.0.1:8089/
//   synapse-js test scripts/pipedrive.test.js --record
//
// Tests that need a fault (a rate limit, a server error, expired OAuth
// tokens) ask the sandbox for it through its /_sandbox endpoints, so the
// recording holds those requests too and replays them.

const { test, describe, expect, connection } = require('synapse/test');
const http = require('synapse/http');
const { AuthError, NotFoundError, NotSupportedError, QuotaExceededError, SynapseError, ValidationError } = require('synapse/errors');
const pd = require('./pipedrive.js');

const base = connection.authConfig.endpoint;
const ENTITIES = ['person', 'organization', 'deal', 'activity', 'product', 'user', 'pipeline', 'stage', 'note', 'lead',
  'activity_type', 'currency', 'file', 'filter', 'deal_product'];
const COMPANY_ID = '13760517'; // the sandbox's company

// fault makes the sandbox fail its next request(s).
function fault(f) {
  http.request({ method: 'POST', url: base + '_sandbox/fault', json: Object.assign({ count: 1 }, f) });
}

// oauthConnection runs the authorization code exchange and answers an
// OAuth connection holding the tokens. Each test names its own connection:
// the host remembers rotated tokens per connection name.
function oauthConnection(name) {
  const meta = { tokenUrl: base + 'oauth/token' };
  const conn = { name, authConfig: { endpoint: base, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' }, metaConfig: meta };
  const tok = pd.get_access_token({ code: 'good-code', clientId: 'sandbox-client', clientSecret: 'sandbox-secret', redirectUri: 'https://app.example/cb', metaConfig: meta }, { connection: conn });
  conn.authConfig.accessToken = tok.access_token;
  conn.authConfig.refreshToken = tok.refresh_token;
  return conn;
}

describe('synapse_info', () => {
  test('describes the connector', () => {
    expect(pd.name).toBe('pipedrive');
    expect(pd.info.supportedAuthTypes.map((a) => a.authType)).toEqual(['ApiKey', 'Oauth']);
    expect(pd.info.capabilities).toContain('search');
    expect(pd.synapse_info()).toEqual(pd.info);
  });
});

describe('test', () => {
  test('checks the token and stores the company as webhook identifier', () => {
    const conn = pd.test();
    expect(conn.metaConfig).toMatchObject({ webhookIdentifier: COMPANY_ID });
  });

  test('a wrong token is an AuthError that says what to check', () => {
    const wrong = { name: 'wrong', authConfig: { endpoint: base, token: 'not-the-token' } };
    expect(() => pd.test({}, { connection: wrong })).toThrow(AuthError);
    expect(() => pd.test({}, { connection: wrong })).toThrow(/check authConfig.token/);
  });
});

describe('describe', () => {
  test('answers every entity, in order', () => {
    const schemas = pd.describe();
    expect(schemas.map((s) => s.apiName)).toEqual(ENTITIES);
    for (const s of schemas) {
      expect(s.attributes.filter((a) => a.isIdField)).toHaveLength(1);
    }
  });

  test('answers the entities asked for', () => {
    const [deal] = pd.describe({ entities: ['deal'] });
    expect(deal).toMatchObject({ apiName: 'deal', displayName: 'Deal', pluralName: 'Deals' });
    expect(deal.attributes.find((a) => a.isWatermarkField).apiName).toBe('update_time');
  });

  test('refuses an unknown entity', () => {
    expect(() => pd.describe({ entities: ['invoice'] })).toThrow(/invoice/);
  });
});

describe('read', () => {
  test('pages persons with the cursor until the window is done', () => {
    const seen = {};
    let wm = null;
    let pages = 0;
    let total = 0;
    for (;;) {
      const page = wm ? pd.read({ entity: 'person', watermark: wm }) : pd.read({ entity: 'person', since: '400d', limit: 100 });
      pages++;
      for (const r of page.data) {
        expect(seen[r.id]).toBeUndefined();
        seen[r.id] = true;
      }
      total += page.data.length;
      expect(page.offsetType).toBe('CUSTOM');
      if (!page.watermark.cursor) break;
      expect(page.data).toHaveLength(100);
      wm = page.watermark;
    }
    expect(pages).toBeGreaterThan(1);
    expect(total).toBeGreaterThan(100);
  });

  test('records carry lastModified in order of update', () => {
    const page = pd.read({ entity: 'deal', since: '400d', limit: 50 });
    expect(page.data).toHaveLength(50);
    const times = page.data.map((r) => r.lastModified);
    expect(times).toEqual(times.slice().sort((a, b) => a - b));
    expect(page.data[0].name).toBe('deal');
    expect(String(page.data[0].values.id)).toBe(page.data[0].id);
  });

  test('reads every other entity', () => {
    for (const entity of ENTITIES.filter((e) => e !== 'person')) {
      const page = pd.read({ entity, since: '400d', limit: 5 });
      expect(page.data.length).toBeLessThan(6);
      for (const r of page.data) expect(r.name).toBe(entity);
    }
    for (const entity of ['organization', 'activity', 'product', 'user']) {
      expect(pd.read({ entity, since: '400d', limit: 5 }).data.length).toBeGreaterThan(0);
    }
  });

  test('waits out a rate limit and carries on', () => {
    fault({ mode: 'burst429', retryAfter: 1 });
    const page = pd.read({ entity: 'person', since: '400d', limit: 10 });
    expect(page.data).toHaveLength(10);
  });

  test('a spent daily budget is a QuotaExceededError at once', async () => {
    fault({ mode: 'daily_budget' });
    expect(() => pd.read({ entity: 'person', since: '400d', limit: 10 })).toThrow(QuotaExceededError);
  });

  test('a server error answers its status', () => {
    fault({ mode: '500' });
    let err;
    try {
      pd.read({ entity: 'person', since: '400d', limit: 10 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect(err instanceof SynapseError).toBe(true);
    expect(err.status).toBe(500);
  });
});

describe('get_by_id', () => {
  test('answers the records that exist, leaving unknown ids out', () => {
    const ids = pd.read({ entity: 'person', since: '400d', limit: 3 }).data.map((r) => r.id);
    const recs = pd.get_by_id({ entity: 'person', ids: ids.concat(['99999999']) });
    expect(recs.map((r) => r.id)).toEqual(ids);
  });
});

describe('create, update, delete', () => {
  test('a person through its life', () => {
    const [created] = pd.create({ entity: 'person', data: { name: 'Ada Lovelace', emails: [{ value: 'ada@example.com', primary: true, label: 'work' }] } });
    expect(created).toMatchObject({ success: true, errors: [] });
    const [updated] = pd.update({ entity: 'person', ids: [created.id], data: { name: 'Ada King' } });
    expect(updated).toMatchObject({ success: true, id: created.id });
    const [rec] = pd.get_by_id({ entity: 'person', ids: [created.id] });
    expect(rec.values.name).toBe('Ada King');
    expect(pd.delete({ entity: 'person', ids: [created.id] })[0].success).toBe(true);
    expect(pd.get_by_id({ entity: 'person', ids: [created.id] })).toEqual([]);
  });

  test('a bad record fails alone', () => {
    const results = pd.create({ entity: 'deal', data: [{ title: 'Big deal' }, { value: 'not a title' }] });
    expect(results[0].success).toBe(true);
    expect(results[1].success).toBe(false);
    expect(results[1].errors.length).toBeGreaterThan(0);
  });

  test('users can only be deactivated, not deleted', () => {
    expect(() => pd.delete({ entity: 'user', ids: ['1'] })).toThrow(NotSupportedError);
    const [res] = pd.update({ entity: 'user', ids: ['2'], data: { name: 'x' } });
    expect(res.success).toBe(false);
    expect(res.errors[0]).toContain('active_flag');
  });
});

describe('search', () => {
  test('finds persons by name, full records first hit first', () => {
    const someone = pd.read({ entity: 'person', since: '400d', limit: 1 }).data[0];
    const term = someone.values.name.split(' ')[0];
    const hits = pd.search({ query: term, params: [{ entity: 'person' }] });
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h.name).toBe('person');
  });

  test('refuses what Pipedrive cannot search', () => {
    expect(() => pd.search({ query: 'call', params: ['activity'] })).toThrow(NotSupportedError);
    expect(() => pd.search({ query: 'a', params: [{ entity: 'person' }] })).toThrow(/at least 2 characters/);
  });
});

describe('webhooks', () => {
  const change = {
    meta: { action: 'change', entity: 'person', entity_id: 7, company_id: 13760517, timestamp: '2026-01-02T03:04:05Z' },
    data: { id: 7, name: 'Grace Hopper', update_time: '2026-01-02T03:04:05Z', add_time: '2025-01-01T00:00:00Z' },
    previous: { name: 'Grace' },
  };

  test('extract_webhook_identifier: the URL parameter, else the company', () => {
    expect(pd.extract_webhook_identifier({ body: JSON.stringify(change), headers: {}, params: { webhookIdentifier: ['hook-7'] } })).toBe('hook-7');
    expect(pd.extract_webhook_identifier({ body: JSON.stringify(change), headers: {}, params: {} })).toBe(COMPANY_ID);
    expect(() => pd.extract_webhook_identifier({ body: '{}', headers: {}, params: {} })).toThrow(ValidationError);
  });

  test('process_webhook: a change, a delete, and objects not synced', () => {
    const [rec] = pd.process_webhook({ body: JSON.stringify(change), headers: {}, params: {} });
    expect(rec).toMatchObject({ id: '7', name: 'person', deleted: false, values: { name: 'Grace Hopper' } });
    const del = { meta: { action: 'delete', entity: 'deal', entity_id: 9, timestamp: '2026-01-02T03:04:05Z' }, data: null, previous: { id: 9, title: 'Old' } };
    const [gone] = pd.process_webhook({ body: JSON.stringify(del), headers: {}, params: {} });
    expect(gone).toMatchObject({ id: '9', deleted: true, lastModified: Date.parse('2026-01-02T03:04:05Z') });
    expect(pd.process_webhook({ body: JSON.stringify({ meta: { action: 'change', entity: 'mail_message' }, data: {} }), headers: {}, params: {} })).toEqual([]);
  });
});

describe('oauth', () => {
  test('get_access_token exchanges the code; a bad code is an AuthError', () => {
    const conn = oauthConnection('oauth-code');
    expect(conn.authConfig.accessToken).toBeTruthy();
    expect(conn.authConfig.refreshToken).toBeTruthy();
    expect(() => pd.get_access_token({ code: 'bad-code', clientId: 'sandbox-client', clientSecret: 'sandbox-secret', metaConfig: conn.metaConfig }, { connection: conn })).toThrow(AuthError);
    expect(pd.test({}, { connection: conn }).metaConfig.webhookIdentifier).toBe(COMPANY_ID);
  });

  test('refresh_token rotates; the old refresh token is spent', () => {
    const conn = oauthConnection('oauth-rotate');
    const fresh = pd.refresh_token({}, { connection: conn });
    expect(fresh.access_token).toBeTruthy();
    expect(fresh.token_type).toBe('Bearer');
    expect(() => pd.refresh_token({}, { connection: conn })).toThrow(AuthError);
  });

  test('an expired access token is refreshed during a read', () => {
    const conn = oauthConnection('oauth-expired');
    http.request({ method: 'POST', url: base + '_sandbox/expire-tokens' });
    const page = pd.read({ entity: 'person', since: '400d', limit: 5 }, { connection: conn });
    expect(page.data).toHaveLength(5);
  });
});

test('every export has a test', () => {
  // Kept honest: a new export of pipedrive.js needs a test here too.
  const tested = ['synapse_info', 'test', 'describe', 'read', 'get_by_id', 'create', 'update', 'delete', 'search',
    'extract_webhook_identifier', 'process_webhook', 'get_access_token', 'refresh_token'];
  expect(pd.methods.slice().sort()).toEqual(tested.slice().sort());
});
