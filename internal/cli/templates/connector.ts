// __NAME__.ts: a synapse connector in TypeScript, scaffolded by
// `synapse-js init __NAME__ --ts`. synapse-js loads .ts files as they are
// (esbuild strips the types), with errors pointing at these lines.
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
// with "Authorization: Bearer <token>". Try it:
//   synapse-js test                                # __NAME__.test.ts, replayed from cassettes/
//   synapse-js sandbox echo &                      # http://127.0.0.1:8090/, token echo-token
//   synapse-js check __NAME__.ts --connection testdata/connection.json --write
//
// synapse.d.ts (next to this file) declares everything used here.
/// <reference path="./synapse.d.ts" />

import type { Connection, ReadResponse, Record as SynapseRecord, Result, Schema, Synapse, SyncRequest } from 'synapse/types';
import * as http from 'synapse/http';
import * as auth from 'synapse/auth';
import { NotFoundError, ValidationError } from 'synapse/errors';

// The API's shapes.
interface Item {
  id: number;
  name: string;
  email: string;
  created_at: string;
  updated_at: string;
}

interface ItemPage {
  data: Item[];
  next_cursor: string | null;
}

// The one entity this API has. A real system usually has several: return
// one Schema per entity from describe() and switch on req.entity.apiName.
const ENTITY = 'item';

// Records per READ page unless the platform asks for fewer with
// watermark.limit.
const PAGE_SIZE = 100;

const SCHEMA: Schema = {
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

// client is made per call from the call's connection: base URL, bearer
// token (redacted from every log line and error message), the host's
// retries on 429/5xx.
function client(connection: Connection): http.Client {
  const endpoint = connection.authConfig.endpoint;
  if (!endpoint) {
    throw new ValidationError('authConfig.endpoint is required (the API base URL)');
  }
  return http.client({ baseUrl: endpoint, auth: auth.bearer(String(connection.authConfig.token ?? '')) });
}

// toRecord maps an API item to a Record; lastModified (epoch ms) is what the
// platform's next sync window starts from.
function toRecord(item: Item): SynapseRecord {
  return {
    id: String(item.id),
    name: ENTITY,
    values: { id: String(item.id), name: item.name, email: item.email, created_at: item.created_at, updated_at: item.updated_at },
    lastModified: Date.parse(item.updated_at),
    createdAt: Date.parse(item.created_at),
  };
}

function fromRecord(rec: SynapseRecord): { name?: string; email?: string } {
  const v = rec.values;
  const body: { name?: string; email?: string } = {};
  if (typeof v.name === 'string') body.name = v.name;
  if (typeof v.email === 'string') body.email = v.email;
  return body;
}

// each answers one Result per record of a batch, in order; one bad record
// does not fail the batch.
function each(req: SyncRequest, write: (rec: SynapseRecord) => string): Result[] {
  return req.data.map((rec): Result => {
    try {
      return { id: write(rec), success: true };
    } catch (e) {
      return { id: rec.id ?? null, success: false, errors: [e instanceof Error ? e.message : String(e)] };
    }
  });
}

const synapse: Synapse = {
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

  // test checks the credentials with a cheap call; a 401 is an AuthError.
  test(connection) {
    client(connection).get('me');
    return connection;
  },

  describe(req) {
    const names = req.entities && req.entities.length ? req.entities : [ENTITY];
    return names.map((name) => {
      if (name !== ENTITY) {
        throw new ValidationError('unknown entity ' + name);
      }
      return SCHEMA;
    });
  },

  // read answers one page of the window and the watermark of the next: the
  // API's cursor, null when the window is done.
  read(req, ctx): ReadResponse {
    const w = req.watermark;
    const query: http.Params = {
      updated_since: new Date(w.start).toISOString(),
      updated_until: new Date(w.end + 1).toISOString(), // the API's until is exclusive
      limit: w.limit && w.limit > 0 ? Math.min(w.limit, PAGE_SIZE) : PAGE_SIZE,
    };
    if (w.cursor) {
      query.cursor = w.cursor;
    }
    const page = client(ctx.connection).get('items', { query }).json<ItemPage>();
    return { data: page.data.map(toRecord), watermark: { ...w, cursor: page.next_cursor || null }, offsetType: 'CUSTOM' };
  },

  get_by_id(req, ctx) {
    const api = client(ctx.connection);
    const out: SynapseRecord[] = [];
    for (const rec of req.data) {
      try {
        out.push(toRecord(api.get('items/' + encodeURIComponent(String(rec.id))).json<{ data: Item }>().data));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    return out;
  },

  create(req, ctx) {
    const api = client(ctx.connection);
    return each(req, (rec) => String(api.post('items', fromRecord(rec)).json<{ data: Item }>().data.id));
  },

  update(req, ctx) {
    const api = client(ctx.connection);
    return each(req, (rec) => String(api.patch('items/' + encodeURIComponent(String(rec.id)), fromRecord(rec)).json<{ data: Item }>().data.id));
  },

  delete(req, ctx) {
    const api = client(ctx.connection);
    return each(req, (rec) => {
      api.del('items/' + encodeURIComponent(String(rec.id)));
      return String(rec.id);
    });
  },
};

export default synapse;
