// __NAME__.js: a synapse connector, scaffolded by `synapse-js init __NAME__`.
//
// It talks to a small JSON REST API, the shape `synapse-js sandbox echo`
// serves, so it works before you change a line:
//
//   GET    {endpoint}/me
//   GET    {endpoint}/items?updated_since=&updated_until=&limit=&cursor=
//            -> {"data": [item, ...], "next_cursor": "..." | null}
//   GET    {endpoint}/items/{id}       POST  {endpoint}/items
//   PATCH  {endpoint}/items/{id}       DELETE {endpoint}/items/{id}
//
// with "Authorization: Bearer <token>". Point it at your system by changing
// the paths, the field mapping in toRecord() and the attributes in
// describe(). Every export is called as fn(req, ctx); ctx.connection is the
// Connection (authConfig.endpoint, authConfig.token, metaConfig, ...).
//
// Try it:
//   synapse-js test                                # __NAME__.test.js, replayed from cassettes/
//   synapse-js sandbox echo &                      # http://127.0.0.1:8090/, token echo-token
//   synapse-js validate __NAME__.js
//   synapse-js check __NAME__.js --connection testdata/connection.json --write
//
// synapse.d.ts (next to this file) gives editors completion and
// documentation for require('synapse/...'), req and ctx.
/// <reference path="./synapse.d.ts" />

const http = require('synapse/http');
const auth = require('synapse/auth');
const { ValidationError, NotFoundError } = require('synapse/errors');

// The one entity this API has. A real system usually has several: return
// one Schema per entity from describe() and switch on req.entity.apiName.
const ENTITY = 'item';

// Records per READ page unless the platform asks for fewer with
// watermark.limit. It calls read() again with the watermark it returned,
// until next_cursor runs out.
const PAGE_SIZE = 100;

// client builds an HTTP client for the connection: base URL, bearer token,
// retries on 429/5xx with backoff (the host's defaults). The token is
// redacted from every log line and error message.
function client(connection) {
  const ac = connection.authConfig || {};
  if (!ac.endpoint) {
    throw new ValidationError('authConfig.endpoint is required (the API base URL)');
  }
  return http.client({ baseUrl: ac.endpoint, auth: auth.bearer(ac.token || '') });
}

// toRecord maps an API item to a Record. lastModified (epoch ms) is what
// the platform's next sync window starts from, so it must be the item's
// update time.
function toRecord(item) {
  return {
    id: String(item.id),
    name: ENTITY,
    values: {
      id: String(item.id),
      name: item.name,
      email: item.email,
      created_at: item.created_at,
      updated_at: item.updated_at,
    },
    lastModified: Date.parse(item.updated_at),
    createdAt: Date.parse(item.created_at),
  };
}

// fromRecord maps a Record's values to the API's create/update body.
function fromRecord(record) {
  const v = record.values || {};
  const body = {};
  if (v.name !== undefined) body.name = v.name;
  if (v.email !== undefined) body.email = v.email;
  return body;
}

// each runs fn for every record of a CRUD batch and turns a failure into a
// failed Result, so one bad record does not fail the whole batch.
function each(records, fn) {
  return records.map((record) => {
    try {
      return { id: fn(record), success: true };
    } catch (e) {
      return { id: record.id, success: false, errors: [e.message] };
    }
  });
}

module.exports = {
  // synapse_info describes the connector to the platform: its name, how
  // users authenticate, and what it can do.
  synapse_info() {
    return {
      name: '__NAME__',
      category: 'other',
      metadata: { displayName: '__TITLE__' },
      supportedAuthTypes: [
        {
          authType: 'ApiKey',
          label: 'API token',
          fields: [{ name: 'token', dataType: 'password', label: 'API token', required: true }],
        },
      ],
      configuredFields: [{ name: 'endpoint', dataType: 'string', label: 'Base URL', required: true }],
      apiMaxCrudSize: 20,
      capabilities: ['create', 'update', 'delete', 'getById', 'getByWatermark'],
    };
  },

  // test checks the credentials with a cheap call; a 401 becomes an
  // AuthError, which the platform shows as "verify credentials".
  test(connection) {
    client(connection).get('me');
    return connection;
  },

  // describe answers one Schema per entity asked (all when none). Each has
  // exactly one id field and, to be synced, one datetime watermark field.
  describe(req) {
    const schema = {
      apiName: ENTITY,
      displayName: 'Item',
      pluralName: 'Items',
      attributes: [
        { apiName: 'id', displayName: 'Id', dataType: 'string', isIdField: true, initializable: false, updateable: false, nillable: false },
        { apiName: 'name', displayName: 'Name', dataType: 'string', nillable: false },
        { apiName: 'email', displayName: 'Email', dataType: 'string' },
        { apiName: 'created_at', displayName: 'Created at', dataType: 'datetime', isCreatedAtField: true, initializable: false, updateable: false },
        { apiName: 'updated_at', displayName: 'Updated at', dataType: 'datetime', isWatermarkField: true, isUpdatedAtField: true, initializable: false, updateable: false },
      ],
    };
    const names = req.entities && req.entities.length ? req.entities : [ENTITY];
    return names.map((name) => {
      if (name !== ENTITY) {
        throw new ValidationError('unknown entity ' + name);
      }
      return schema;
    });
  },

  // read returns one page of the records changed in [watermark.start,
  // watermark.end], oldest first, and the watermark for the next page:
  // here the API's cursor. A null cursor tells the platform the window is
  // done; its next window starts at the highest lastModified returned.
  read(req, ctx) {
    const w = req.watermark;
    const query = {
      updated_since: new Date(w.start).toISOString(),
      updated_until: new Date(w.end + 1).toISOString(), // the API's until is exclusive
      limit: w.limit > 0 ? Math.min(w.limit, PAGE_SIZE) : PAGE_SIZE,
    };
    if (w.cursor) {
      query.cursor = w.cursor;
    }
    const page = client(ctx.connection).get('items', { query }).json();
    return {
      data: page.data.map(toRecord),
      watermark: Object.assign({}, w, { cursor: page.next_cursor || null }),
      offsetType: 'CUSTOM',
    };
  },

  // get_by_id returns the records asked for that still exist.
  get_by_id(req, ctx) {
    const api = client(ctx.connection);
    const out = [];
    for (const record of req.data) {
      try {
        out.push(toRecord(api.get('items/' + encodeURIComponent(record.id)).json().data));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    return out;
  },

  // create, update and delete answer one Result per input record, in
  // order; the host fills syncariId from each record's syncariEntityId.
  create(req, ctx) {
    const api = client(ctx.connection);
    return each(req.data, (record) => String(api.post('items', fromRecord(record)).json().data.id));
  },

  update(req, ctx) {
    const api = client(ctx.connection);
    return each(req.data, (record) => String(api.patch('items/' + encodeURIComponent(record.id), fromRecord(record)).json().data.id));
  },

  delete(req, ctx) {
    const api = client(ctx.connection);
    return each(req.data, (record) => {
      api.del('items/' + encodeURIComponent(record.id));
      return record.id;
    });
  },
};
