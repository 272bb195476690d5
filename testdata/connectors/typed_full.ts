// typed_full.ts: a complete TypeScript connector written against
// types/synapse.d.ts. It talks to the API `synapse-js sandbox echo` serves
// (items paged by update time with a cursor, bearer token, full CRUD), so
// it can be tried end to end:
//
//   synapse-js sandbox echo &
//   synapse-js check testdata/connectors/typed_full.ts \
//       --endpoint http://127.0.0.1:8090/ --token echo-token --write
//
// It type-checks with
//   tsc --noEmit --strict --target es2020 --lib es2020 \
//       types/synapse.d.ts testdata/connectors/typed_full.ts
// and types/types_test.go loads it with the engine.

/// <reference path="../../types/synapse.d.ts" />

// Types only: esbuild drops this import when the file is loaded.
import type {
  Connection,
  ReadResponse,
  Record as SynapseRecord,
  Result,
  Schema,
  Synapse,
  SyncRequest,
} from 'synapse/types';
import * as http from 'synapse/http';
import * as auth from 'synapse/auth';
import * as log from 'synapse/log';
import { AuthError, NotFoundError, QuotaExceededError, ValidationError } from 'synapse/errors';

// ---- the API's shapes ------------------------------------------------------

interface Item {
  id: number;
  name: string;
  email: string;
  created_at: string; // RFC 3339, ms precision
  updated_at: string;
}

interface ItemPage {
  data: Item[];
  next_cursor: string | null;
}

// ---- constants ---------------------------------------------------------------

const ENTITY = 'item';
const PAGE_SIZE = 100;
// The cursor of a page that was full and also the window's last: the
// platform asks once more after a full page, and this answers it an empty
// one (a null cursor there would start the window over).
const END_CURSOR = 'end:';

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

// ---- helpers ---------------------------------------------------------------

// client is made per call from the call's connection: module-level state
// is shared by every connection a runtime serves.
function client(connection: Connection): http.Client {
  const endpoint = connection.authConfig.endpoint;
  if (!endpoint) {
    throw new ValidationError('authConfig.endpoint is required (the API base URL)');
  }
  return http.client({
    baseUrl: endpoint,
    // authConfig.token, sent as "Authorization: Bearer <token>".
    auth: auth.fromConnection(connection),
    headers: { accept: 'application/json' },
    timeout: '30s',
  });
}

function checkEntity(req: { entity: Schema }): void {
  if (req.entity.apiName !== ENTITY) {
    throw new ValidationError(`unknown entity ${JSON.stringify(req.entity.apiName)}: this connector knows ${ENTITY}`);
  }
}

function recordId(rec: SynapseRecord): string {
  const id = rec.id ?? rec.values.id;
  if (id === undefined || id === null || id === '') {
    throw new ValidationError('the record has no id');
  }
  return String(id);
}

function toRecord(item: Item): SynapseRecord {
  return {
    id: String(item.id),
    name: ENTITY,
    values: { ...item, id: String(item.id) },
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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// each runs write for every record of a batch and answers one Result per
// record, in order. A failed record becomes a failed Result; refused
// credentials or a rate limit fail the whole call, so the platform retries
// the batch.
function each(req: SyncRequest, write: (rec: SynapseRecord) => string): Result[] {
  return req.data.map((rec): Result => {
    try {
      return { id: write(rec), success: true };
    } catch (e) {
      if (e instanceof AuthError || e instanceof QuotaExceededError) throw e;
      return { id: rec.id ?? null, success: false, errors: [messageOf(e)] };
    }
  });
}

// ---- the synapse -------------------------------------------------------------

export default {
  synapse_info() {
    return {
      name: 'typed_full',
      category: 'other',
      metadata: { displayName: 'Typed (full)' },
      supportedAuthTypes: [
        {
          authType: 'ApiKey',
          label: 'API token',
          fields: [{ name: 'token', dataType: 'password', label: 'API token', required: true }],
        },
      ],
      configuredFields: [{ name: 'endpoint', dataType: 'string', label: 'Base URL', required: true }],
      apiMaxCrudSize: 20,
      capabilities: ['getByWatermark', 'getById', 'create', 'update', 'delete'],
    };
  },

  test(connection) {
    try {
      client(connection).get('me');
    } catch (e) {
      if (e instanceof AuthError) {
        throw new AuthError('the API refused the token: check authConfig.token', { status: e.status });
      }
      throw e;
    }
    return connection;
  },

  describe(req) {
    const names = req.entities && req.entities.length ? req.entities : [ENTITY];
    return names.map((name) => {
      if (name !== ENTITY) throw new ValidationError(`unknown entity ${JSON.stringify(name)}`);
      return SCHEMA;
    });
  },

  // read answers one page of the window, oldest update first, paged with
  // the API's cursor (offsetType CUSTOM): every page but the last is full,
  // and the last one returns cursor null.
  async read(req, ctx): Promise<ReadResponse> {
    checkEntity(req);
    const wm = req.watermark;
    if (wm.cursor === END_CURSOR) {
      return { data: [], watermark: { ...wm, cursor: null }, offsetType: 'CUSTOM' };
    }
    const size = wm.limit && wm.limit > 0 ? Math.min(wm.limit, PAGE_SIZE) : PAGE_SIZE;
    const query: http.Params = {
      updated_since: wm.start,
      updated_until: wm.end + 1, // the API's until is exclusive; the window's end is not
      limit: size,
      cursor: wm.cursor, // null on a window's first page: left out
    };
    const page = client(ctx.connection).get('items', { query }).json<ItemPage>();
    const data = page.data.map(toRecord);
    let next = page.next_cursor;
    if (!next && data.length === size) next = END_CURSOR;
    log.debug('read a page', { entity: ENTITY, records: data.length, more: next !== null, msLeft: ctx.deadline - Date.now() });
    return { data, watermark: { ...wm, cursor: next }, offsetType: 'CUSTOM' };
  },

  get_by_id(req, ctx) {
    checkEntity(req);
    const api = client(ctx.connection);
    const out: SynapseRecord[] = [];
    for (const rec of req.data) {
      try {
        const item = api.get('items/' + encodeURIComponent(recordId(rec))).json<{ data: Item }>().data;
        out.push({ ...toRecord(item), syncariEntityId: rec.syncariEntityId });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // gone: left out
      }
    }
    return out;
  },

  create(req, ctx) {
    checkEntity(req);
    const api = client(ctx.connection);
    return each(req, (rec) => String(api.post('items', fromRecord(rec)).json<{ data: Item }>().data.id));
  },

  update(req, ctx) {
    checkEntity(req);
    const api = client(ctx.connection);
    return each(req, (rec) => {
      const id = recordId(rec);
      api.patch('items/' + encodeURIComponent(id), fromRecord(rec));
      return id;
    });
  },

  delete(req, ctx) {
    checkEntity(req);
    const api = client(ctx.connection);
    return each(req, (rec) => {
      const id = recordId(rec);
      try {
        api.del('items/' + encodeURIComponent(id));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // already gone is what a delete wants
      }
      return id;
    });
  },
} satisfies Synapse;
