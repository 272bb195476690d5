// @ts-check
/// <reference path="../synapse.d.ts" />
// checked.js: a JavaScript connector type-checked against synapse.d.ts
// through JSDoc, the recipe of types/README.md. types_test.go loads it with
// the engine, and type-checks it when SYNAPSE_TSC names a tsc binary.
'use strict';

const http = require('synapse/http');
const auth = require('synapse/auth');
const { NotFoundError, ValidationError } = require('synapse/errors');

/** @typedef {import('synapse/types').Record} SynapseRecord */

/**
 * @param {import('synapse/types').Connection} connection
 * @returns {import('synapse/http').Client}
 */
function client(connection) {
  const endpoint = connection.authConfig.endpoint;
  if (!endpoint) throw new ValidationError('authConfig.endpoint is required');
  return http.client({ baseUrl: endpoint, auth: auth.fromConnection(connection) });
}

/**
 * @param {{id: number, name: string, updated_at: string}} item
 * @returns {SynapseRecord}
 */
function toRecord(item) {
  return { id: String(item.id), name: 'item', values: item, lastModified: Date.parse(item.updated_at) };
}

/** @type {import('synapse/types').Synapse} */
const synapse = {
  synapse_info() {
    return {
      name: 'checked',
      metadata: { displayName: 'Checked' },
      supportedAuthTypes: [{ authType: 'ApiKey', fields: [{ name: 'token', dataType: 'password' }] }],
      capabilities: ['getByWatermark', 'getById'],
    };
  },

  test(connection) {
    client(connection).get('me');
    return connection;
  },

  describe(req) {
    return (req.entities.length ? req.entities : ['item']).map((name) => ({
      apiName: name,
      displayName: name,
      attributes: [
        { apiName: 'id', displayName: 'Id', isIdField: true },
        { apiName: 'updated_at', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true },
      ],
    }));
  },

  async read(req, ctx) {
    const wm = req.watermark;
    /** @type {{data: Array<{id: number, name: string, updated_at: string}>, next_cursor: string | null}} */
    const page = client(ctx.connection)
      .get('items', { query: { updated_since: wm.start, updated_until: wm.end + 1, cursor: wm.cursor } })
      .json();
    return { data: page.data.map(toRecord), watermark: { ...wm, cursor: page.next_cursor }, offsetType: 'CUSTOM' };
  },

  get_by_id(req, ctx) {
    const api = client(ctx.connection);
    /** @type {SynapseRecord[]} */
    const out = [];
    for (const rec of req.data) {
      try {
        out.push(toRecord(api.get('items/' + encodeURIComponent(String(rec.id))).json().data));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    return out;
  },
};

module.exports = synapse;
