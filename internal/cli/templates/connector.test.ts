// __NAME__.test.ts: unit tests of __NAME__.ts, run by `synapse-js test`.
//
// Each test's HTTP (and the clock and Math.random it saw) is replayed from
// cassettes/__NAME__/<test>.json, recorded from the echo sandbox, so the
// tests run offline and give the same result on any day. After changing
// the connector or a test, record again against the sandbox:
//
//   synapse-js sandbox echo &
//   synapse-js test --record
/// <reference path="./synapse.d.ts" />

import { test, describe, expect, connection } from 'synapse/test';
import type { Handle } from 'synapse/test';
import { AuthError } from 'synapse/errors';
// The connector, as the platform calls it: each export goes through the
// engine (request and result checks, the SDK's defaults filled in).
const __ID__: Handle = require('./__NAME__.ts');

describe('__NAME__', () => {
  test('synapse_info names the connector', () => {
    expect(__ID__.info.name).toBe('__NAME__');
    expect(__ID__.info.capabilities).toContain('getByWatermark');
  });

  test('test accepts the sandbox token', () => {
    expect(__ID__.test().authConfig.endpoint).toBe(connection.authConfig.endpoint);
  });

  test('a wrong token is an AuthError', () => {
    const wrong = { ...connection, authConfig: { ...connection.authConfig, token: 'not-the-token' } };
    expect(() => __ID__.test({}, { connection: wrong })).toThrow(AuthError);
  });

  test('describe answers the item schema', () => {
    const [schema] = __ID__.describe({ entities: ['item'] });
    expect(schema.apiName).toBe('item');
    expect(schema.attributes.filter((a: { isIdField: boolean }) => a.isIdField)).toHaveLength(1);
    expect(() => __ID__.describe({ entities: ['nope'] })).toThrow('unknown entity nope');
  });

  test('read pages with the cursor, watermark.limit records at a time', () => {
    const first = __ID__.read({ entity: 'item', since: '365d', limit: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.data[0]).toMatchObject({ name: 'item', values: { id: first.data[0].id } });
    expect(first.data[0].lastModified).toBeGreaterThan(0);
    expect(first.watermark.cursor).toBeTruthy();
    const second = __ID__.read({ entity: 'item', watermark: first.watermark });
    expect(second.data).toHaveLength(10);
    expect(second.data.map((r: { id: string }) => r.id)).not.toContain(first.data[0].id);
  });

  test('create, update, get_by_id and delete an item', () => {
    const [created] = __ID__.create({ entity: 'item', data: { name: 'Ann', email: 'ann@example.com' } });
    expect(created).toMatchObject({ success: true, errors: [] });
    const [updated] = __ID__.update({ entity: 'item', ids: [created.id], data: { name: 'Ann B' } });
    expect(updated.success).toBe(true);
    const [record] = __ID__.get_by_id({ entity: 'item', ids: [created.id] });
    expect(record.values).toMatchObject({ name: 'Ann B', email: 'ann@example.com' });
    expect(__ID__.delete({ entity: 'item', ids: [created.id] })[0].success).toBe(true);
    expect(__ID__.get_by_id({ entity: 'item', ids: [created.id] })).toEqual([]);
  });
});
