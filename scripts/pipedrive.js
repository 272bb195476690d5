// pipedrive.js: the Pipedrive connector for synapse-js.
//
// It reads and writes persons, organizations, deals, activities, products,
// pipelines, stages and deal products through Pipedrive's v2 API
// (/api/v2/...), and users, notes, leads, activity types, currencies, files
// and filters through v1, which is all Pipedrive has for them (see ENTITIES
// for how each is read and written). It is also the example new connector authors
// are meant to copy, so the reasons behind each choice are written down next
// to the code. docs/pipedrive.md explains the connector to its users.
//
// Every export is called as fn(req, ctx); ctx.connection is the connection:
//   authConfig.endpoint     https://COMPANY.pipedrive.com/ (a trailing v1/ or
//                           api/v1/ is tolerated); default https://api.pipedrive.com
//   authConfig.token        the API token, sent as the x-api-token header
//   authConfig.accessToken  with OAuth: sent as "Authorization: Bearer ...";
//                           with refreshToken and clientId/clientSecret it is
//                           refreshed by synapse/auth when it expires
//   metaConfig.readSkewSeconds  see read(); default 5, 0 turns it off
//   metaConfig.pageSize     records per READ page, 1..500 (default 500)
//   metaConfig.tokenUrl     the OAuth token URL (default Pipedrive's)
'use strict';

const http = require('synapse/http');
const auth = require('synapse/auth');
const log = require('synapse/log');
const records = require('synapse/records');
const {
  AuthError,
  HttpError,
  NotFoundError,
  NotSupportedError,
  QuotaExceededError,
  ValidationError,
} = require('synapse/errors');

// ---- constants ---------------------------------------------------------

const DEFAULT_ENDPOINT = 'https://api.pipedrive.com';
const DEFAULT_TOKEN_URL = 'https://oauth.pipedrive.com/oauth/token';
const MAX_PAGE = 500; // Pipedrive's largest v2 page
const DEFAULT_SKEW_SECONDS = 5;
const DAY_MS = 86400000;

// The entities, in the order describe lists them when asked for all.
// kind says how the entity is read (see read()):
//   v2        a v2 list with updated_since/updated_until and a cursor
//             (incremental); fields is its v2 *Fields endpoint, include
//             the optional fields it asks for with include_fields (Pipedrive
//             leaves them out otherwise), phases the lists a read walks
//             (deals: the live ones, the archived ones, the deleted ones)
//   users     /v1/users, all at once
//   v2all     a v2 cursor list without a time filter: read whole, filtered
//             by update_time here
//   v1since   a v1 start/limit list with updated_since (incremental)
//   v1scan    a v1 start/limit list without a time filter, read in
//             update_time order and filtered here
//   v1all     a v1 list answered at once, filtered by update_time here
//   lead      leads: /v1/leads (v1since), then /v1/leads/archived (v1scan)
//   dealProduct  the products attached to deals, read deal by deal
// search says whether /api/v2/<plural>/search exists; write how the entity
// is written (null: not at all): 'v2' POST/PATCH/DELETE under /api/v2,
// 'put' or 'patch' for v1 POST/PUT|PATCH/DELETE under path.
const ENTITIES = {
  person: { kind: 'v2', plural: 'persons', fields: 'personFields', display: 'Person', pluralName: 'Persons', search: true, write: 'v2',
    include: ['open_deals_count'] },
  organization: { kind: 'v2', plural: 'organizations', fields: 'organizationFields', display: 'Organization', pluralName: 'Organizations', search: true, write: 'v2',
    include: ['people_count'] },
  deal: { kind: 'v2', plural: 'deals', fields: 'dealFields', display: 'Deal', pluralName: 'Deals', search: true, write: 'v2',
    include: ['products_count'],
    // Pipedrive's deal list leaves out archived deals (they have their own
    // list) and deleted ones (status=deleted, kept 30 days).
    phases: [{ code: 'l', path: '/api/v2/deals' }, { code: 'a', path: '/api/v2/deals/archived' }, { code: 'd', path: '/api/v2/deals', query: { status: 'deleted' } }] },
  activity: { kind: 'v2', plural: 'activities', fields: 'activityFields', display: 'Activity', pluralName: 'Activities', search: false, write: 'v2', include: ['attendees'] },
  product: { kind: 'v2', plural: 'products', fields: 'productFields', display: 'Product', pluralName: 'Products', search: true, write: 'v2', include: [] },
  user: { kind: 'users', plural: 'users', v1: true, display: 'User', pluralName: 'Users', search: false },
  pipeline: { kind: 'v2all', plural: 'pipelines', path: '/api/v2/pipelines', display: 'Pipeline', pluralName: 'Pipelines', write: 'v2' },
  stage: { kind: 'v2all', plural: 'stages', path: '/api/v2/stages', display: 'Stage', pluralName: 'Stages', write: 'v2' },
  note: { kind: 'v1since', path: '/v1/notes', fieldsV1: '/v1/noteFields', display: 'Note', pluralName: 'Notes', write: 'put' },
  // Leads share the deals' custom fields, which /v1/leadFields lists.
  lead: { kind: 'lead', path: '/v1/leads', fieldsV1: '/v1/leadFields', display: 'Lead', pluralName: 'Leads', write: 'patch', uuid: true },
  activity_type: { kind: 'v1all', path: '/v1/activityTypes', display: 'Activity type', pluralName: 'Activity types' },
  currency: { kind: 'v1all', path: '/v1/currencies', display: 'Currency', pluralName: 'Currencies', noTimes: true },
  file: { kind: 'v1scan', path: '/v1/files', display: 'File', pluralName: 'Files' },
  filter: { kind: 'v1all', path: '/v1/filters', display: 'Filter', pluralName: 'Filters', write: 'put' },
  // A deal product's id is "<deal id>:<attachment id>": Pipedrive reaches
  // one only through its deal.
  deal_product: { kind: 'dealProduct', display: 'Deal product', pluralName: 'Deal products', write: 'dealProduct', composite: true },
};
const ENTITY_ORDER = ['person', 'organization', 'deal', 'activity', 'product', 'user', 'pipeline', 'stage', 'note', 'lead',
  'activity_type', 'currency', 'file', 'filter', 'deal_product'];

// Keys Pipedrive sets itself: never sent on create/update. (The rest is
// limited to what each body takes: WRITABLE.)
const READ_ONLY = { id: true, update_time: true };

// What the v2 entities' POST and PATCH bodies accept, from Pipedrive's
// OpenAPI definition (API v2 2.0.0); anything else describe marks
// read-only and writes leave out. Custom fields are always writable.
const WRITABLE = {
  person: {
    create: ['name', 'owner_id', 'org_id', 'emails', 'phones', 'label_ids', 'visible_to', 'marketing_status', 'add_time', 'birthday', 'im', 'job_title', 'notes', 'postal_address', 'custom_fields'],
    update: ['name', 'owner_id', 'org_id', 'emails', 'phones', 'label_ids', 'visible_to', 'marketing_status', 'birthday', 'im', 'job_title', 'notes', 'postal_address', 'custom_fields'],
  },
  organization: {
    create: ['name', 'owner_id', 'address', 'label_ids', 'visible_to', 'add_time', 'annual_revenue', 'employee_count', 'industry', 'linkedin', 'website', 'custom_fields'],
    update: ['name', 'owner_id', 'address', 'label_ids', 'visible_to', 'annual_revenue', 'employee_count', 'industry', 'linkedin', 'website', 'custom_fields'],
  },
  deal: {
    create: ['title', 'owner_id', 'person_id', 'org_id', 'pipeline_id', 'stage_id', 'value', 'currency', 'status', 'probability', 'lost_reason', 'visible_to', 'close_time', 'won_time', 'lost_time', 'expected_close_date', 'label_ids', 'is_archived', 'archive_time', 'is_deleted', 'custom_fields'],
    update: ['title', 'owner_id', 'person_id', 'org_id', 'pipeline_id', 'stage_id', 'value', 'currency', 'status', 'probability', 'lost_reason', 'visible_to', 'close_time', 'won_time', 'lost_time', 'expected_close_date', 'label_ids', 'is_archived', 'archive_time', 'is_deleted', 'custom_fields'],
  },
  activity: {
    create: ['subject', 'type', 'owner_id', 'deal_id', 'lead_id', 'person_id', 'org_id', 'project_id', 'due_date', 'due_time', 'duration', 'busy', 'done', 'location', 'participants', 'attendees', 'public_description', 'priority', 'note'],
    update: ['subject', 'type', 'owner_id', 'deal_id', 'lead_id', 'person_id', 'org_id', 'project_id', 'due_date', 'due_time', 'duration', 'busy', 'done', 'location', 'participants', 'attendees', 'public_description', 'priority', 'note'],
  },
  product: {
    create: ['name', 'code', 'description', 'unit', 'tax', 'category', 'owner_id', 'is_linkable', 'visible_to', 'prices', 'billing_frequency', 'billing_frequency_cycles', 'custom_fields'],
    update: ['name', 'code', 'description', 'unit', 'tax', 'category', 'owner_id', 'is_linkable', 'visible_to', 'prices', 'billing_frequency', 'billing_frequency_cycles', 'custom_fields'],
  },
};

// The fields of the entities Pipedrive has no fields endpoint for (or
// whose fields endpoint describes only custom fields), from its OpenAPI
// definitions (API v2 2.0.0 and v1): [apiName, dataType, flags,
// referenceTo, picklist]. flags: c initializable (in the create body), u
// updateable (in the update body), m multi-valued, w the watermark the
// connector adds (read_time) where Pipedrive keeps no times.
const FIXED_SCHEMAS = {
  pipeline: [
    ['id', 'integer', '', null],
    ['name', 'string', 'cu', null],
    ['order_nr', 'integer', '', null],
    ['is_deleted', 'boolean', '', null],
    ['is_deal_probability_enabled', 'boolean', 'cu', null],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
  ],
  stage: [
    ['id', 'integer', '', null],
    ['order_nr', 'integer', '', null],
    ['name', 'string', 'cu', null],
    ['is_deleted', 'boolean', '', null],
    ['deal_probability', 'integer', 'cu', null],
    ['pipeline_id', 'reference', 'cu', 'pipeline'],
    ['is_deal_rot_enabled', 'boolean', 'cu', null],
    ['days_to_rotten', 'integer', 'cu', null],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
  ],
  note: [
    ['id', 'integer', '', null],
    ['active_flag', 'boolean', '', null],
    ['add_time', 'datetime', 'cu', null],
    ['content', 'string', 'cu', null],
    ['deal', 'object', '', null],
    ['lead_id', 'reference', 'cu', 'lead'],
    ['deal_id', 'reference', 'cu', 'deal'],
    ['last_update_user_id', 'reference', '', 'user'],
    ['org_id', 'reference', 'cu', 'organization'],
    ['organization', 'object', '', null],
    ['person', 'object', '', null],
    ['person_id', 'reference', 'cu', 'person'],
    ['project_id', 'integer', 'cu', null],
    ['project', 'object', '', null],
    ['task_id', 'integer', 'cu', null],
    ['task', 'object', '', null],
    ['pinned_to_deal_flag', 'boolean', 'cu', null],
    ['pinned_to_organization_flag', 'boolean', 'cu', null],
    ['pinned_to_person_flag', 'boolean', 'cu', null],
    ['pinned_to_project_flag', 'boolean', 'cu', null],
    ['pinned_to_task_flag', 'boolean', 'cu', null],
    ['update_time', 'datetime', '', null],
    ['user', 'object', '', null],
    ['user_id', 'reference', 'cu', 'user'],
  ],
  lead: [
    ['id', 'string', '', null],
    ['title', 'string', 'cu', null],
    ['owner_id', 'reference', 'cu', 'user'],
    ['creator_id', 'reference', '', 'user'],
    ['label_ids', 'object', 'cum', null],
    ['person_id', 'reference', 'cu', 'person'],
    ['organization_id', 'reference', 'cu', 'organization'],
    ['source_name', 'string', '', null],
    ['origin', 'string', '', null],
    ['origin_id', 'string', 'c', null],
    ['channel', 'integer', 'cu', null],
    ['channel_id', 'string', 'cu', null],
    ['source_deal_id', 'reference', '', 'deal'],
    ['is_archived', 'boolean', 'u', null],
    ['was_seen', 'boolean', 'cu', null],
    ['value', 'object', 'cu', null],
    ['expected_close_date', 'date', 'cu', null],
    ['next_activity_id', 'reference', '', 'activity'],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
    ['visible_to', 'string', 'cu', null],
    ['cc_email', 'string', '', null],
  ],
  activity_type: [
    ['id', 'integer', '', null],
    ['name', 'string', '', null],
    ['icon_key', 'string', '', null, ['task', 'email', 'meeting', 'deadline', 'call', 'lunch', 'calendar', 'downarrow', 'document', 'smartphone', 'camera', 'scissors', 'cogs', 'bubble', 'uparrow', 'checkbox', 'signpost', 'shuffle', 'addressbook', 'linegraph', 'picture', 'car', 'world', 'search', 'clip', 'sound', 'brush', 'key', 'padlock', 'pricetag', 'suitcase', 'finish', 'plane', 'loop', 'wifi', 'truck', 'cart', 'bulb', 'bell', 'presentation']],
    ['color', 'string', '', null],
    ['order_nr', 'integer', '', null],
    ['key_string', 'string', '', null],
    ['active_flag', 'boolean', '', null],
    ['is_custom_flag', 'boolean', '', null],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
  ],
  currency: [
    ['id', 'integer', '', null],
    ['code', 'string', '', null],
    ['name', 'string', '', null],
    ['decimal_points', 'integer', '', null],
    ['symbol', 'string', '', null],
    ['active_flag', 'boolean', '', null],
    ['is_custom_flag', 'boolean', '', null],
    ['read_time', 'datetime', 'w', null],
  ],
  file: [
    ['id', 'integer', '', null],
    ['user_id', 'reference', '', 'user'],
    ['deal_id', 'reference', '', 'deal'],
    ['person_id', 'reference', '', 'person'],
    ['org_id', 'reference', '', 'organization'],
    ['product_id', 'reference', '', 'product'],
    ['activity_id', 'reference', '', 'activity'],
    ['lead_id', 'reference', '', 'lead'],
    ['project_id', 'integer', '', null],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
    ['file_name', 'string', '', null],
    ['file_size', 'integer', '', null],
    ['active_flag', 'boolean', '', null],
    ['inline_flag', 'boolean', '', null],
    ['remote_location', 'string', '', null],
    ['remote_id', 'string', '', null],
    ['cid', 'string', '', null],
    ['s3_bucket', 'string', '', null],
    ['mail_message_id', 'string', '', null],
    ['mail_template_id', 'string', '', null],
    ['deal_name', 'string', '', null],
    ['person_name', 'string', '', null],
    ['org_name', 'string', '', null],
    ['product_name', 'string', '', null],
    ['lead_name', 'string', '', null],
    ['project_name', 'string', '', null],
    ['url', 'string', '', null],
    ['name', 'string', '', null],
    ['description', 'string', '', null],
  ],
  filter: [
    ['id', 'integer', '', null],
    ['name', 'string', 'cu', null],
    ['filter_code', 'string', '', null],
    ['is_editable', 'boolean', '', null],
    ['active_flag', 'boolean', '', null],
    ['type', 'string', 'c', null, ['deals', 'leads', 'org', 'people', 'products', 'activity', 'projects']],
    ['temporary_flag', 'boolean', '', null],
    ['user_id', 'reference', '', 'user'],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
    ['visible_to', 'string', '', null],
    ['last_used_time', 'datetime', '', null],
    ['custom_view_id', 'integer', '', null],
    ['conditions', 'object', 'cu', null],
  ],
  deal_product: [
    ['id', 'integer', '', null],
    ['sum', 'double', '', null],
    ['tax', 'double', 'cu', null],
    ['deal_id', 'reference', '', 'deal'],
    ['name', 'string', '', null],
    ['product_id', 'reference', 'cu', 'product'],
    ['product_variation_id', 'integer', 'cu', null],
    ['order_nr', 'integer', '', null],
    ['add_time', 'datetime', '', null],
    ['update_time', 'datetime', '', null],
    ['comments', 'string', 'cu', null],
    ['currency', 'string', '', null],
    ['discount', 'double', 'cu', null],
    ['discount_type', 'string', 'cu', null, ['percentage', 'amount']],
    ['quantity', 'double', 'cu', null],
    ['item_price', 'double', 'cu', null],
    ['tax_method', 'string', 'cu', null, ['exclusive', 'inclusive', 'none']],
    ['is_enabled', 'boolean', 'cu', null],
    ['billing_frequency', 'string', 'cu', null, ['one-time', 'annually', 'semi-annually', 'quarterly', 'monthly', 'weekly']],
    ['billing_frequency_cycles', 'integer', 'cu', null],
    ['billing_start_date', 'date', 'cu', null],
  ],
};

// Bounds on the pages one call reads, so that no answer of Pipedrive's (a
// cursor that never ends) keeps a call requesting until its deadline.
const MAX_FIELD_PAGES = 50; // 25,000 fields
const MAX_SCAN_PAGES = 200; // 100,000 records of a list read whole
const MAX_DEAL_BATCHES = 450; // 45,000 deals: 900 requests, inside the host's 1,000

// The pseudo cursor of a page that was full and also the window's last: see
// read() on why it exists. Pipedrive's own cursors are base64url, so they
// never contain ':'; ours all have a prefix with one.
const END_CURSOR = 'end:';

// ---- connection, HTTP and errors ---------------------------------------

// baseUrl is the company URL without a trailing slash or API version.
function baseUrl(connection) {
  const ac = connection.authConfig || {};
  let url = String(ac.endpoint || '').trim();
  if (url === '') return DEFAULT_ENDPOINT;
  url = url.replace(/\/+$/, '').replace(/\/(api\/)?v[12]$/, '');
  if (!/^https?:\/\//.test(url)) url = 'https://' + url;
  return url;
}

function metaConfig(connection) {
  return (connection && connection.metaConfig) || {};
}

function tokenUrl(connection, extra) {
  const mc = metaConfig(connection);
  return (extra && (extra.tokenUrl || extra.oauthTokenUrl)) || mc.tokenUrl || mc.oauthTokenUrl || DEFAULT_TOKEN_URL;
}

// api returns an HTTP client for the connection. Requests go through send(),
// which turns Pipedrive's answers into the contract's errors, so the client
// does not throw by itself (throwOnError: false).
function api(connection) {
  const ac = connection.authConfig || {};
  if (!ac.token && !ac.accessToken) {
    throw new AuthError('No Pipedrive credentials: set authConfig.token to your API token (Pipedrive: Settings > Personal preferences > API), or connect with OAuth');
  }
  return http.client({
    baseUrl: baseUrl(connection),
    // An API token goes in x-api-token (Pipedrive's documented header); an
    // OAuth access token as a Bearer token, refreshed at tokenUrl on expiry.
    auth: auth.fromConnection(connection, { header: 'x-api-token', tokenUrl: tokenUrl(connection) }),
    headers: { accept: 'application/json' },
    throwOnError: false,
    // 429s and 5xx are retried by the binding, except a 429 that says the
    // company's daily budget is spent: waiting seconds cannot fix that.
    retryIf: budgetLeft,
  });
}

function budgetLeft(resp) {
  return header(resp.headers, 'x-daily-ratelimit-token-remaining') !== '0';
}

function header(headers, name) {
  const v = headers && headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// send makes one request and returns the response if it is a 2xx; anything
// else becomes the error the platform understands.
function send(client, method, path, opts) {
  const o = { method: method, url: path };
  if (opts && opts.query) o.query = opts.query;
  if (opts && opts.json !== undefined) o.json = opts.json;
  let resp;
  try {
    resp = client.request(o);
  } catch (e) {
    // The http binding throws QuotaExceededError itself when Pipedrive asks
    // for a wait longer than the call has left; the daily budget still
    // needs telling apart.
    if (e instanceof QuotaExceededError && header(e.headers, 'x-daily-ratelimit-token-remaining') === '0') {
      throw dailyBudgetError();
    }
    throw e;
  }
  if (resp.status >= 200 && resp.status < 300) return resp;
  throw errorFor(resp, method + ' ' + path);
}

// pipedriveMessage extracts Pipedrive's error text from a JSON error body
// ({"success":false,"error":"...","error_info":"..."}).
function pipedriveMessage(text) {
  try {
    const b = JSON.parse(text);
    if (b && typeof b.error === 'string') return b.error;
    if (b && typeof b.message === 'string') return b.message;
  } catch (e) {
    // not JSON: fall through
  }
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}

function isHTML(resp) {
  const ct = header(resp.headers, 'content-type') || '';
  return ct.indexOf('text/html') >= 0 || /^\s*</.test(resp.text());
}

function dailyBudgetError() {
  // Pipedrive's token budget is per company and day; it renews at 00:00 UTC,
  // so retrying earlier only burns the platform's retries.
  const now = Date.now();
  const midnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  return new QuotaExceededError("Pipedrive's daily API token budget for this company is spent; it renews at 00:00 UTC", {
    retryAfter: Math.ceil((midnight - now) / 1000),
  });
}

function errorFor(resp, what) {
  const status = resp.status;
  const h = resp.headers;
  if (status === 403 && isHTML(resp)) {
    // Cloudflare in front of Pipedrive blocks clients that keep going after
    // 429s with an HTML page. It is temporary: let the platform back off.
    return new QuotaExceededError(`Pipedrive's firewall (Cloudflare) blocked ${what} with HTTP 403, usually after too many requests; retry later`, { retryAfter: 60 });
  }
  const msg = pipedriveMessage(resp.text());
  switch (status) {
    case 401:
      return new AuthError(`Pipedrive rejected the credentials (401 ${msg}) on ${what}`, { status: 401 });
    case 403:
      return new AuthError(`Pipedrive refused ${what} (403 ${msg}): the token's user or OAuth app lacks the permission or scope`, { status: 403 });
    case 404:
      return new NotFoundError(`Pipedrive: ${msg} (${what})`);
    case 429: {
      if (header(h, 'x-daily-ratelimit-token-remaining') === '0') return dailyBudgetError();
      const wait = Number(header(h, 'retry-after')) || Number(header(h, 'x-ratelimit-reset')) || 2;
      return new QuotaExceededError(`Pipedrive rate limit reached on ${what}`, { retryAfter: wait });
    }
    case 400:
    case 422:
      return new ValidationError(`Pipedrive: ${msg}`, { status: status });
  }
  return new HttpError(`Pipedrive answered ${status} to ${what}: ${msg}`, { status: status, headers: h, body: resp.text() });
}

// entitySpec returns the entity's row of ENTITIES, or throws naming it.
function entitySpec(name) {
  const spec = typeof name === 'string' ? ENTITIES[name] : undefined;
  if (!spec) {
    throw new ValidationError(`unknown entity ${JSON.stringify(name)}: the Pipedrive connector knows ${ENTITY_ORDER.join(', ')}`);
  }
  return spec;
}

// entityName reads the entity's apiName from a request ({entity: Schema}).
function entityName(req) {
  const e = req.entity;
  return typeof e === 'string' ? e : e && e.apiName;
}

// ---- time --------------------------------------------------------------

// v2 times are RFC 3339 ("2025-01-01T10:20:00Z"). Date.parse parses them in
// Go: two calls per record cost well under 1% of a READ page (measured).
function v2Millis(s) {
  return s ? Date.parse(s) : null;
}

// v1 times are "YYYY-MM-DD HH:MM:SS" in UTC.
function v1Millis(s) {
  return s ? Date.parse(s.replace(' ', 'T') + 'Z') : null;
}

// rfc3339 formats whole seconds, as Pipedrive's filters want them.
function rfc3339(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

// ---- records -----------------------------------------------------------

// isCustomKey reports a 40-hex custom field key, without a regex (this runs
// for every custom field on writes).
function isCustomKey(k) {
  if (k.length !== 40) return false;
  for (let i = 0; i < 40; i++) {
    const c = k.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

// flattenCustom moves a v2 item's custom_fields into the item by key. A
// monetary custom field ({value, currency}) becomes <key> (the amount) and
// <key>_currency, as in Pipedrive's v1 API, so its amount is the double
// describe says. It is the host's records.flattener: it runs for every
// record of a READ page, and moves the members without the interpreter.
const flattenCustom = records.flattener('custom_fields', { split: { value: '', currency: '_currency' } });

// toRecord turns a v2 item into a Record, in place: the item itself,
// custom fields flattened, becomes values.
function toRecord(name, r) {
  flattenCustom(r);
  return {
    name: name,
    id: String(r.id),
    deleted: r.is_deleted === true,
    values: r,
    lastModified: v2Millis(r.update_time),
    createdAt: v2Millis(r.add_time),
  };
}

// userRecord turns a v1 user into a Record. Users have modified (null until
// first changed) and created instead of update_time and add_time.
function userRecord(u) {
  const created = v1Millis(u.created);
  return {
    name: 'user',
    id: String(u.id),
    deleted: u.is_deleted === true,
    values: u,
    lastModified: v1Millis(u.modified) ?? created,
    createdAt: created,
  };
}

// toPipedrive is the reverse of toRecord for writes: values minus read-only
// keys, custom fields gathered into custom_fields, <key>+<key>_currency put
// back together as {value, currency}.
function toPipedrive(values) {
  const body = {};
  let custom = null;
  for (const k in values) {
    const v = values[k];
    if (READ_ONLY[k] || v === undefined) continue;
    if (k === 'custom_fields') {
      if (v) for (const ck in v) (custom = custom || {})[ck] = v[ck];
    } else if (isCustomKey(k)) {
      (custom = custom || {})[k] = v;
    } else if (!(k.length === 49 && k.endsWith('_currency') && isCustomKey(k.slice(0, 40)))) {
      body[k] = v;
    }
  }
  if (custom) {
    for (const k in custom) {
      const cur = values[k + '_currency'];
      if (cur !== undefined && cur !== null && (typeof custom[k] === 'number' || typeof custom[k] === 'string')) {
        custom[k] = { value: Number(custom[k]), currency: cur };
      }
    }
    body.custom_fields = custom;
  }
  return body;
}

// ---- describe ----------------------------------------------------------

// Pipedrive field types that are references, and the entity they point to.
const REFERENCES = { user: 'user', org: 'organization', people: 'person', deal: 'deal', stage: 'stage', lead: 'lead' };

// Built-in fields whose v2 values are arrays or objects whatever their
// field_type says (persons' emails and phones, activities' participants).
const STRUCTURED = { emails: true, phones: true, participants: true, attendees: true, prices: true, im: true, postal_address: true };

// attribute maps one v2 *Fields item of entity name to an Attribute.
function attribute(name, f) {
  const key = f.field_code;
  const a = {
    apiName: key,
    displayName: f.field_name || key,
    dataType: 'string',
    custom: f.is_custom_field === true || isCustomKey(key),
    nillable: key !== 'id',
  };
  if (f.description) a.description = f.description;
  const type = f.field_type;
  if (STRUCTURED[key] || type === 'address' || type === 'price_list') {
    a.dataType = 'object';
    if (STRUCTURED[key]) a.isMultiValueField = true;
  } else if (type === 'int' || type === 'picture' || type === 'project') {
    // picture_id and project_id hold ids (integers) whatever the type says.
    a.dataType = 'integer';
  } else if (type === 'double' || type === 'monetary') {
    a.dataType = 'double';
  } else if (type === 'date') {
    // Pipedrive types its system timestamps (add_time, won_time, ...) as
    // date, but their v2 values are RFC 3339 date-times.
    a.dataType = !a.custom && key.endsWith('_time') ? 'datetime' : 'date';
  } else if (type === 'boolean') {
    a.dataType = 'boolean';
  } else if (type === 'enum' || type === 'set' || type === 'visible_to') {
    a.dataType = 'picklist';
    a.isMultiValueField = type === 'set';
    const options = f.options || [];
    a.picklist = options.map((o) => ({ id: String(o.id), label: o.label }));
    a.picklistValues = options.map((o) => o.label);
  } else if (REFERENCES[type]) {
    a.dataType = 'reference';
    a.referenceTo = REFERENCES[type];
    a.referenceTargetField = 'id';
  }
  switch (key) {
    case 'id':
      a.dataType = 'integer';
      a.isIdField = true;
      a.unique = true;
      a.nillable = false;
      break;
    case 'update_time':
      a.dataType = 'datetime';
      a.isWatermarkField = true;
      a.isUpdatedAtField = true;
      break;
    case 'add_time':
      a.dataType = 'datetime';
      a.isCreatedAtField = true;
      break;
  }
  if (key === 'id' || key === 'add_time' || key === 'update_time' || key === 'creator_user_id' || f.is_optional_response_field) {
    a.updateable = false;
    a.initializable = false;
    a.isSystem = true;
  }
  const w = WRITABLE[name];
  if (!a.custom && w) {
    // Exactly what Pipedrive's POST and PATCH bodies take is writable
    // (add_time on create, for imports; a deal's is_deleted, to restore it).
    a.initializable = w.create.indexOf(key) >= 0;
    a.updateable = w.update.indexOf(key) >= 0;
  }
  return a;
}

// fixedAttributes builds the Attributes of an entity from FIXED_SCHEMAS.
function fixedAttributes(name) {
  return FIXED_SCHEMAS[name].map((row) => {
    const [key, type, flags, ref, options] = row;
    const a = { apiName: key, displayName: displayName(key), dataType: type, nillable: key !== 'id' };
    a.initializable = flags.indexOf('c') >= 0;
    a.updateable = flags.indexOf('u') >= 0;
    if (flags.indexOf('m') >= 0) a.isMultiValueField = true;
    if (flags.indexOf('w') >= 0) {
      // Not Pipedrive's: the time of the read, for entities without times.
      a.isWatermarkField = true;
      a.isSystem = true;
      a.description = 'When this read saw the record (Pipedrive keeps no times for it)';
    }
    if (ref) {
      a.referenceTo = ref;
      a.referenceTargetField = 'id';
    }
    if (options) {
      a.dataType = 'picklist';
      a.picklistValues = options.slice();
      a.picklist = options.map((o) => ({ id: o, label: o }));
    }
    switch (key) {
      case 'id':
        a.isIdField = true;
        a.unique = true;
        a.isSystem = true;
        break;
      case 'update_time':
        a.isWatermarkField = true;
        a.isUpdatedAtField = true;
        a.isSystem = true;
        break;
      case 'add_time':
        a.isCreatedAtField = true;
        break;
    }
    return a;
  });
}

// displayName turns a key into words: "deal_probability" -> "Deal probability".
function displayName(key) {
  const s = key.replace(/_id$/, '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// fields fetches an entity's v2 *Fields, following the cursor. A cursor
// that comes back unchanged, or more than MAX_FIELD_PAGES pages, is an
// error rather than a loop.
function fields(client, spec) {
  const out = [];
  let cursor = null;
  for (let page = 0; ; page++) {
    if (page === MAX_FIELD_PAGES) {
      throw new HttpError(`Pipedrive's /api/v2/${spec.fields} did not end after ${MAX_FIELD_PAGES} pages; giving up`, { status: 502 });
    }
    const query = { limit: MAX_PAGE };
    if (cursor) query.cursor = cursor;
    const body = send(client, 'GET', '/api/v2/' + spec.fields, { query: query }).json();
    const data = body.data || [];
    for (let i = 0; i < data.length; i++) out.push(data[i]);
    const next = (body.additional_data && body.additional_data.next_cursor) || null;
    if (!next) return out;
    checkCursor(cursor, next, '/api/v2/' + spec.fields);
    cursor = next;
  }
}

// addV1Fields completes the fixed attributes of notes or leads from their
// v1 fields endpoint: the account's names for the built-in fields, and the
// custom fields (for leads, the deals' custom fields), which are writable.
function addV1Fields(client, name, spec, attrs) {
  const byKey = {};
  for (const a of attrs) byKey[a.apiName] = a;
  let start = 0;
  for (let page = 0; ; page++) {
    if (page === MAX_FIELD_PAGES) throw new HttpError(`Pipedrive's ${spec.fieldsV1} did not end after ${MAX_FIELD_PAGES} pages; giving up`, { status: 502 });
    const body = send(client, 'GET', spec.fieldsV1, { query: { start: start, limit: MAX_PAGE } }).json();
    const items = body.data || [];
    for (const f of items) {
      const known = byKey[f.key];
      if (known) {
        if (f.name) known.displayName = f.name;
        continue;
      }
      if (!isCustomKey(String(f.key))) continue; // a field records do not carry
      const a = attribute(name, { field_code: f.key, field_name: f.name, field_type: f.field_type, options: f.options, is_custom_field: true });
      a.updateable = true;
      a.initializable = true;
      attrs.push(a);
      byKey[f.key] = a;
      if (f.field_type === 'monetary') {
        attrs.push({ apiName: f.key + '_currency', displayName: (f.name || f.key) + ' (currency)', dataType: 'string', custom: true });
      }
    }
    const next = nextStart(body, start, items.length, spec.fieldsV1);
    if (next === null) return;
    start = next;
  }
}

// checkCursor throws when Pipedrive hands back the cursor it was sent: the
// next page would be this one again, forever.
function checkCursor(sent, next, what) {
  if (next && next === sent) {
    throw new HttpError(`Pipedrive answered ${what} with the same next_cursor it was sent (${String(next).slice(0, 60)}); stopping instead of reading the same page forever`, { status: 502 });
  }
}

function schemaFor(client, name) {
  const spec = entitySpec(name);
  const schema = { apiName: name, displayName: spec.display, pluralName: spec.pluralName, custom: false, readOnly: false, attributes: [] };
  if (spec.v1) {
    schema.attributes = USER_ATTRIBUTES.map((a) => Object.assign({}, a));
    return schema;
  }
  if (spec.kind !== 'v2') {
    schema.attributes = fixedAttributes(name);
    schema.readOnly = !spec.write;
    if (spec.fieldsV1) addV1Fields(client, name, spec, schema.attributes);
    return schema;
  }
  const attrs = schema.attributes;
  const seen = {};
  for (const f of fields(client, spec)) {
    // An optional field is published only if read() asks for it.
    if (f.is_optional_response_field && spec.include.indexOf(f.field_code) < 0) continue;
    const a = attribute(name, f);
    attrs.push(a);
    seen[a.apiName] = true;
    if (a.custom && f.field_type === 'monetary') {
      // toRecord splits a monetary custom field into amount and currency.
      attrs.push({ apiName: a.apiName + '_currency', displayName: a.displayName + ' (currency)', dataType: 'string', custom: true });
    }
  }
  if (!seen.is_deleted) {
    const w = WRITABLE[name];
    attrs.push({ apiName: 'is_deleted', displayName: 'Deleted', dataType: 'boolean', isSystem: true,
      updateable: w.update.indexOf('is_deleted') >= 0, initializable: w.create.indexOf('is_deleted') >= 0 });
  }
  return schema;
}

// Users come from v1, which has no fields endpoint for them: a fixed list.
const USER_ATTRIBUTES = [
  { apiName: 'id', displayName: 'ID', dataType: 'integer', isIdField: true, unique: true, nillable: false, updateable: false, initializable: false, isSystem: true },
  { apiName: 'name', displayName: 'Name', dataType: 'string', updateable: false },
  { apiName: 'email', displayName: 'Email', dataType: 'string', updateable: false },
  { apiName: 'phone', displayName: 'Phone', dataType: 'string', updateable: false },
  { apiName: 'active_flag', displayName: 'Active', dataType: 'boolean' },
  { apiName: 'activated', displayName: 'Activated', dataType: 'boolean', updateable: false },
  { apiName: 'role_id', displayName: 'Role', dataType: 'integer', updateable: false },
  { apiName: 'access', displayName: 'Access', dataType: 'object', isMultiValueField: true, updateable: false },
  { apiName: 'default_currency', displayName: 'Default currency', dataType: 'string', updateable: false },
  { apiName: 'locale', displayName: 'Locale', dataType: 'string', updateable: false },
  { apiName: 'lang', displayName: 'Language', dataType: 'integer', updateable: false },
  { apiName: 'timezone_name', displayName: 'Time zone', dataType: 'string', updateable: false },
  { apiName: 'timezone_offset', displayName: 'Time zone offset', dataType: 'string', updateable: false },
  { apiName: 'icon_url', displayName: 'Picture URL', dataType: 'string', updateable: false },
  { apiName: 'is_you', displayName: 'Is the token owner', dataType: 'boolean', updateable: false },
  { apiName: 'has_created_company', displayName: 'Created the company', dataType: 'boolean', updateable: false },
  { apiName: 'is_deleted', displayName: 'Deleted', dataType: 'boolean', updateable: false, isSystem: true },
  { apiName: 'last_login', displayName: 'Last login', dataType: 'datetime', updateable: false },
  { apiName: 'created', displayName: 'Created', dataType: 'datetime', isCreatedAtField: true, updateable: false, initializable: false, isSystem: true },
  { apiName: 'modified', displayName: 'Modified', dataType: 'datetime', isWatermarkField: true, isUpdatedAtField: true, updateable: false, initializable: false, isSystem: true },
];

// ---- read --------------------------------------------------------------

// readWindow computes the time window a READ covers, in ms: [start, end).
// Read skew: Pipedrive's lists can lag a write by a moment, and the platform
// starts the next cycle from the newest lastModified it saw, so a record
// written a second before a page was read but not yet listed would be
// skipped for good. Reading only up to now - skew leaves those to the next
// cycle. Only the end moves; the start never does, so nothing is skipped.
function readWindow(wm, connection) {
  const raw = metaConfig(connection).readSkewSeconds;
  let skew = raw === undefined || raw === null || raw === '' ? DEFAULT_SKEW_SECONDS : Number(raw);
  if (!(skew >= 0)) skew = DEFAULT_SKEW_SECONDS;
  const start = Math.max(0, Number(wm.start) || 0);
  let end = Number(wm.end) || 0;
  if (end <= 0) end = Date.now(); // no end: up to now
  if (skew > 0) end = Math.min(end, Date.now() - skew * 1000);
  return { start: start, end: Math.max(start, end) };
}

function pageSize(wm, connection) {
  let n = Number(metaConfig(connection).pageSize) || MAX_PAGE;
  if (wm.limit > 0) n = Math.min(n, wm.limit); // never more than the platform asked for
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(n)));
}

// readV2 reads one page of a v2 entity: everything updated in the window,
// oldest first, Pipedrive's cursor carrying us from page to page. Records
// carry whole seconds, so [start, end) in ms is exactly
// updated_since=ceil(start) and updated_until=ceil(end) in seconds (since
// is >=, until is <). Deals come from three lists (see readMerged).
function readV2(client, name, spec, win, size, cursor) {
  if (spec.phases) {
    return readMerged(name, spec.phases.map((ph) => v2Source(client, name, spec, ph.path, ph.query, win)), win, size, cursor);
  }
  // A page Pipedrive answers short of the limit, with a cursor, is topped
  // up from the next one: the platform takes a short page as the last.
  const path = '/api/v2/' + spec.plural;
  const data = [];
  let pd = cursor;
  for (;;) {
    const query = v2Query(spec, win, size - data.length, 0);
    if (pd) query.cursor = pd;
    const body = send(client, 'GET', path, { query: query }).json();
    const items = body.data || [];
    for (let i = 0; i < items.length; i++) data.push(toRecord(name, items[i]));
    const next = (body.additional_data && body.additional_data.next_cursor) || null;
    checkCursor(pd, next, path);
    if (!next || data.length >= size) return { data: data, next: next };
    if (items.length === 0) {
      throw new HttpError(`Pipedrive answered ${path} with an empty page and a next_cursor; stopping`, { status: 502 });
    }
    pd = next;
  }
}

// v2Query is a v2 list's query for the window, from second since on.
function v2Query(spec, win, limit, since) {
  const query = {
    updated_since: rfc3339(Math.max(Math.ceil(win.start / 1000), since)),
    updated_until: rfc3339(Math.ceil(win.end / 1000)),
    sort_by: 'update_time',
    sort_direction: 'asc',
    limit: limit,
  };
  if (spec.include && spec.include.length) query.include_fields = spec.include.join(',');
  return query;
}

// ---- merged reads ------------------------------------------------------

// Some entities live in more than one list: Pipedrive's deal list leaves
// out archived deals (GET /api/v2/deals/archived) and deleted ones
// (status=deleted), and its lead list the archived leads. The platform
// wants one list in ascending update order, so readMerged merges them.
// Its cursor is the position of the last record answered,
// "k:<lastModified>:<id>:<done>:<offsets>": every list is read from there
// (updated_since = that second, skipping what is at or before the position),
// <done> is a bit mask of the lists already read to the window's end (they
// are not asked again), and <offsets> the scan positions of lists without a
// time filter. Each list is asked for at most one page's worth per call.
//
// A source is {fetch(pos, want, offset)} answering {recs, done}: up to want
// records after pos in update order (each {r, idx}, idx its scan
// position), and done when the list has nothing more in the window.
function readMerged(name, sources, win, size, cursor) {
  let pos = null;
  let mask = 0;
  let offsets = sources.map(() => 0);
  if (cursor) {
    const m = /^k:(\d+):([^:]+):(\d+):([\d,]*)$/.exec(cursor);
    if (m) {
      pos = { ms: Number(m[1]), id: m[2] };
      mask = Number(m[3]);
      const o = m[4] ? m[4].split(',').map(Number) : [];
      offsets = sources.map((_, i) => o[i] || 0);
    }
    // Any other cursor is one of an older version of this connector: the
    // window is read again from its start (records may repeat, none is lost).
  }
  const got = [];
  const all = [];
  for (let i = 0; i < sources.length; i++) {
    if (mask & (1 << i)) {
      got.push({ recs: [], done: true });
      continue;
    }
    const g = sources[i].fetch(pos, size, offsets[i]);
    got.push(g);
    for (const x of g.recs) all.push({ src: i, r: x.r, idx: x.idx });
  }
  all.sort((a, b) => a.r.lastModified - b.r.lastModified || cmpId(a.r.id, b.r.id));
  const page = all.slice(0, size);
  const data = page.map((x) => x.r);
  let nextMask = 0;
  const nextOffsets = offsets.slice();
  let more = false;
  for (let i = 0; i < sources.length; i++) {
    const g = got[i];
    const left = all.slice(size).filter((x) => x.src === i);
    if (g.done && left.length === 0) {
      nextMask |= 1 << i;
      continue;
    }
    more = true;
    const taken = page.filter((x) => x.src === i);
    if (left.length > 0 && left[0].idx != null) nextOffsets[i] = left[0].idx;
    else if (taken.length > 0 && taken[taken.length - 1].idx != null) nextOffsets[i] = taken[taken.length - 1].idx + 1;
  }
  if (!more || data.length === 0) return { data: data, next: null };
  const last = data[data.length - 1];
  return { data: data, next: `k:${last.lastModified}:${last.id}:${nextMask}:${nextOffsets.join(',')}` };
}

// after reports whether record r comes after position pos.
function after(r, pos) {
  return !pos || r.lastModified > pos.ms || (r.lastModified === pos.ms && cmpId(r.id, pos.id) > 0);
}

// v2Source is a v2 list with the window's time filter, as a source of
// readMerged.
function v2Source(client, name, spec, path, extra, win) {
  return {
    fetch(pos, want) {
      const recs = [];
      let pd = null;
      for (let page = 0; ; page++) {
        if (page === MAX_SCAN_PAGES) throw new HttpError(`Pipedrive's ${path} did not end after ${MAX_SCAN_PAGES} pages; giving up`, { status: 502 });
        const query = Object.assign(v2Query(spec, win, MAX_PAGE < want + 10 ? MAX_PAGE : want + 10, pos ? Math.floor(pos.ms / 1000) : 0), extra || {});
        if (pd) query.cursor = pd;
        const body = send(client, 'GET', path, { query: query }).json();
        for (const it of body.data || []) {
          const r = toRecord(name, it);
          if (after(r, pos)) recs.push({ r: r, idx: null });
        }
        const next = (body.additional_data && body.additional_data.next_cursor) || null;
        if (!next) return { recs: recs, done: true };
        if (recs.length >= want) return { recs: recs, done: false };
        checkCursor(pd, next, path);
        pd = next;
      }
    },
  };
}

// v1Source is a v1 start/limit list in update order as a source of
// readMerged: with since, filtered by Pipedrive's updated_since; without,
// scanned from offset and filtered here.
function v1Source(client, name, spec, path, since, win) {
  return {
    fetch(pos, want, offset) {
      const recs = [];
      let start = since ? 0 : offset;
      for (let page = 0; ; page++) {
        if (page === MAX_SCAN_PAGES) throw new HttpError(`Pipedrive's ${path} did not end after ${MAX_SCAN_PAGES} pages; giving up`, { status: 502 });
        const query = { sort: 'update_time ASC, id ASC', start: start, limit: MAX_PAGE };
        if (since) query.updated_since = rfc3339(Math.max(Math.floor(win.start / 1000), pos ? Math.floor(pos.ms / 1000) : 0));
        const body = send(client, 'GET', path, { query: query }).json();
        const items = body.data || [];
        for (let i = 0; i < items.length; i++) {
          const r = plainRecord(name, spec, items[i]);
          if (r.lastModified >= win.end) return { recs: recs, done: true };
          if (r.lastModified < win.start || !after(r, pos)) continue;
          recs.push({ r: r, idx: since ? null : start + i });
          if (recs.length >= want) return { recs: recs, done: false };
        }
        const next = nextStart(body, start, items.length, path);
        if (next === null) return { recs: recs, done: true };
        start = next;
      }
    },
  };
}

// nextStart is where a v1 list's next page starts, or null after the last.
// Most v1 lists answer additional_data.pagination {start, limit,
// more_items_in_collection, next_start}; leads put the first three right in
// additional_data, without next_start.
function nextStart(body, start, n, path) {
  const ad = body.additional_data || {};
  const pg = ad.pagination || (ad.more_items_in_collection !== undefined ? ad : null);
  if (!pg || !pg.more_items_in_collection) return null;
  const next = pg.next_start !== undefined ? Number(pg.next_start) : start + n;
  if (!(next > start)) {
    throw new HttpError(`Pipedrive answered ${path}?start=${start} with next_start ${pg.next_start}; stopping instead of reading the same page forever`, { status: 502 });
  }
  return next;
}

// inWindow keeps the records updated in [win.start, win.end), sorted by
// update then id, for entities read whole.
function inWindow(records, win) {
  const out = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.lastModified >= win.start && r.lastModified < win.end) out.push(r);
  }
  out.sort((a, b) => a.lastModified - b.lastModified || cmpId(a.id, b.id));
  return out;
}

function cmpId(a, b) {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

// pageOf pages a sorted list held in memory with "o:<offset>" cursors.
function pageOf(list, size, cursor) {
  const offset = cursor ? Number(String(cursor).slice(2)) || 0 : 0;
  const data = list.slice(offset, offset + size);
  const next = offset + data.length < list.length ? 'o:' + (offset + data.length) : null;
  return { data: data, next: next };
}

// readUsers: GET /v1/users returns every user at once; filter by modified
// and page through the sorted result.
function readUsers(client, win, size, cursor) {
  const users = send(client, 'GET', '/v1/users').json().data || [];
  return pageOf(inWindow(users.map(userRecord), win), size, cursor && cursor.replace(/^u:/, 'o:'));
}

// readAll reads a list that has no time filter whole (a v2 cursor list or
// a v1 list answered at once), keeps the window, and pages it in memory.
// Fine for the small lists it is used for (pipelines, stages, activity
// types, filters, currencies).
function readAll(client, name, spec, win, size, cursor) {
  const items = [];
  if (spec.kind === 'v2all') {
    let pd = null;
    for (let page = 0; ; page++) {
      if (page === MAX_SCAN_PAGES) throw new HttpError(`Pipedrive's ${spec.path} did not end after ${MAX_SCAN_PAGES} pages; giving up`, { status: 502 });
      const query = { limit: MAX_PAGE, sort_by: 'id' };
      if (pd) query.cursor = pd;
      const body = send(client, 'GET', spec.path, { query: query }).json();
      for (const it of body.data || []) items.push(it);
      const next = (body.additional_data && body.additional_data.next_cursor) || null;
      if (!next) break;
      checkCursor(pd, next, spec.path);
      pd = next;
    }
  } else {
    for (const it of send(client, 'GET', spec.path).json().data || []) items.push(it);
  }
  const records = items.map((it) => plainRecord(name, spec, it));
  if (spec.noTimes) {
    // Currencies carry no times: every read answers all of them, stamped
    // read_time (the window's end), so each cycle has the current list and
    // the platform's watermark still advances.
    const at = win.end - 1;
    for (const r of records) {
      r.lastModified = at;
      r.values.read_time = new Date(at).toISOString();
    }
    records.sort((a, b) => cmpId(a.id, b.id));
    return pageOf(records, size, cursor);
  }
  return pageOf(inWindow(records, win), size, cursor);
}

// readLeads merges /v1/leads (which takes updated_since) and
// /v1/leads/archived (which does not) by update time (see readMerged).
function readLeads(client, spec, win, size, cursor) {
  return readMerged('lead', [v1Source(client, 'lead', spec, '/v1/leads', true, win), v1Source(client, 'lead', spec, '/v1/leads/archived', false, win)], win, size, cursor);
}

// readDealProducts reads the products attached to deals: deals 100 at a
// time (sort_by=id; 100 is the most /deals/products takes), the live ones
// and then the archived ones, then their products, keeping those updated in
// the window. Pipedrive has no list of all deal products and no time filter
// on them, so every cycle walks all deals. Cursor "<list>|<deals
// cursor>|<products of that batch already answered>", list l or a.
function readDealProducts(client, win, size, cursor) {
  const lists = [{ code: 'l', path: '/api/v2/deals' }, { code: 'a', path: '/api/v2/deals/archived' }];
  let at = 0;
  let dc = '';
  let skip = 0;
  if (cursor) {
    const m = /^([la])\|([^|]*)\|(\d+)$/.exec(cursor);
    if (!m) throw new ValidationError(`watermark.cursor ${JSON.stringify(cursor)} is not a deal_product cursor of this connector`);
    at = m[1] === 'l' ? 0 : 1;
    dc = m[2];
    skip = Number(m[3]);
  }
  const data = [];
  for (let batch = 0; at < lists.length; batch++) {
    if (batch === MAX_DEAL_BATCHES) {
      throw new HttpError(`reading deal products walked ${MAX_DEAL_BATCHES * 100} deals in one call without filling a page; more deals than one call's request budget covers`, { status: 502 });
    }
    const list = lists[at];
    const dq = { sort_by: 'id', limit: 100 };
    if (dc) dq.cursor = dc;
    const deals = send(client, 'GET', list.path, { query: dq }).json();
    const ids = (deals.data || []).map((d) => d.id);
    const dnext = (deals.additional_data && deals.additional_data.next_cursor) || '';
    const prods = ids.length ? inWindow(dealProductsOf(client, ids), win) : [];
    for (let i = skip; i < prods.length; i++) {
      if (data.length === size) return { data: data, next: list.code + '|' + dc + '|' + i };
      data.push(prods[i]);
    }
    skip = 0;
    if (dnext) {
      checkCursor(dc, dnext, list.path);
      dc = dnext;
    } else {
      at++;
      dc = '';
    }
  }
  return { data: data, next: null };
}

// dealProductsOf returns the products attached to deals ids (at most 100).
function dealProductsOf(client, ids) {
  const out = [];
  let pd = null;
  for (let page = 0; ; page++) {
    if (page === MAX_SCAN_PAGES) throw new HttpError(`Pipedrive's /api/v2/deals/products did not end after ${MAX_SCAN_PAGES} pages; giving up`, { status: 502 });
    const query = { deal_ids: ids.join(','), sort_by: 'id', limit: MAX_PAGE };
    if (pd) query.cursor = pd;
    const body = send(client, 'GET', '/api/v2/deals/products', { query: query }).json();
    for (const it of body.data || []) out.push(plainRecord('deal_product', ENTITIES.deal_product, it));
    const next = (body.additional_data && body.additional_data.next_cursor) || null;
    if (!next) return out;
    checkCursor(pd, next, '/api/v2/deals/products');
    pd = next;
  }
}

// plainRecord turns an item of one of the FIXED_SCHEMAS entities into a
// Record. v1 times are "YYYY-MM-DD HH:MM:SS"; v2 and leads' RFC 3339.
function plainRecord(name, spec, it) {
  const created = anyMillis(it.add_time);
  return {
    name: name,
    id: spec.composite ? it.deal_id + ':' + it.id : String(it.id),
    deleted: it.is_deleted === true || it.active_flag === false,
    values: it,
    lastModified: anyMillis(it.update_time) ?? created,
    createdAt: created,
  };
}

function anyMillis(s) {
  if (!s) return null;
  return s.indexOf('T') > 0 ? Date.parse(s) : v1Millis(s);
}

// readPage reads one page of entity name (see read()).
function readPage(client, name, spec, win, size, cursor) {
  switch (spec.kind) {
    case 'v2':
      return readV2(client, name, spec, win, size, cursor);
    case 'users':
      return readUsers(client, win, size, cursor);
    case 'v2all':
    case 'v1all':
      return readAll(client, name, spec, win, size, cursor);
    case 'v1since':
    case 'v1scan':
      return readMerged(name, [v1Source(client, name, spec, spec.path, spec.kind === 'v1since', win)], win, size, cursor);
    case 'lead':
      return readLeads(client, spec, win, size, cursor);
    case 'dealProduct':
      return readDealProducts(client, win, size, cursor);
  }
  throw new NotSupportedError(`reading ${name} is not supported`);
}

// ---- CRUD helpers ------------------------------------------------------

function messageOf(e) {
  return (e && e.message) || String(e);
}

// forEachRecord runs write(record) for each input record and answers one
// Result per record, in order. A record Pipedrive rejects (validation,
// not found) fails alone. An auth or rate-limit error before anything was
// written fails the whole call, so the platform retries the batch; after a
// write succeeded it fails the remaining records instead, because retrying
// the batch would repeat the writes already made (creates would duplicate).
function forEachRecord(records, write) {
  const out = [];
  let fatal = null;
  let written = false;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i] || {};
    const base = { id: rec.id == null ? null : String(rec.id), syncariId: rec.syncariEntityId ?? null };
    if (fatal) {
      out.push(Object.assign(base, { success: false, errors: [messageOf(fatal)] }));
      continue;
    }
    try {
      const id = write(rec);
      written = true;
      out.push(Object.assign(base, { success: true, errors: [], id: id == null ? base.id : String(id) }));
    } catch (e) {
      const isFatal = e instanceof AuthError || e instanceof QuotaExceededError;
      if (isFatal && !written) throw e;
      if (isFatal) fatal = e;
      out.push(Object.assign(base, { success: false, errors: [messageOf(e)] }));
    }
  }
  return out;
}

function recordId(rec, spec) {
  const id = rec.id ?? (rec.values && rec.values.id);
  if (id === undefined || id === null || id === '') throw new ValidationError('the record has no id');
  if (spec && spec.composite) {
    // "<deal id>:<attachment id>", or the attachment id with values.deal_id.
    if (!/^\d+(:\d+)?$/.test(String(id))) throw new ValidationError(`id ${JSON.stringify(id)} is not a deal product id ("<deal id>:<attachment id>")`);
    return String(id).replace(/^\d+:/, '');
  }
  if (spec && spec.uuid) {
    // Lead ids are UUIDs.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(id))) {
      throw new ValidationError(`id ${JSON.stringify(id)} is not a Pipedrive lead id (a UUID)`);
    }
    return String(id);
  }
  if (!/^\d+$/.test(String(id))) throw new ValidationError(`id ${JSON.stringify(id)} is not a Pipedrive id (a positive integer)`);
  return String(id);
}

// dealIdOf is the deal a deal product belongs to: the first part of its
// id, or values.deal_id.
function dealIdOf(rec) {
  const m = /^(\d+):\d+$/.exec(String(rec.id ?? ''));
  if (m) return m[1];
  const v = rec.values && rec.values.deal_id;
  if (v === undefined || v === null || !/^\d+$/.test(String(v))) {
    throw new ValidationError('a deal_product record needs its deal: an id "<deal id>:<attachment id>" or values.deal_id');
  }
  return String(v);
}

function withSyncariId(r, rec) {
  if (rec.syncariEntityId != null) r.syncariEntityId = rec.syncariEntityId;
  return r;
}

// collectionPath and itemPath are where an entity's records live.
function collectionPath(spec) {
  if (spec.kind === 'v2' || spec.kind === 'v2all') return '/api/v2/' + spec.plural;
  if (spec.v1) return '/v1/users';
  return spec.path;
}

function itemPath(spec, id) {
  return collectionPath(spec) + '/' + encodeURIComponent(id);
}

// writeBody is what a create ('c') or update ('u') sends: for the v2
// entities toPipedrive's body limited to what Pipedrive's POST or PATCH
// takes (custom fields always); for the others the fields FIXED_SCHEMAS
// marks writable.
function writeBody(name, values, mode) {
  const w = WRITABLE[name];
  if (w) {
    const body = toPipedrive(values);
    const keep = mode === 'c' ? w.create : w.update;
    for (const k of Object.keys(body)) if (keep.indexOf(k) < 0) delete body[k];
    return body;
  }
  const body = {};
  for (const row of FIXED_SCHEMAS[name]) {
    if (row[2].indexOf(mode) >= 0 && values[row[0]] !== undefined) body[row[0]] = values[row[0]];
  }
  if (name === 'lead') {
    // A lead's custom fields (the deals') are top-level keys in v1.
    for (const k of Object.keys(values)) if (isCustomKey(k)) body[k] = values[k];
  }
  return body;
}

// ---- search ------------------------------------------------------------

// searchOptions reads SEARCH's params: params[0] is the entity name
// ("organization"), or an object {entity, fields, exactMatch, limit}. The
// default entity is person.
function searchOptions(params) {
  const p = Array.isArray(params) && params.length ? params[0] : null;
  const o = { entity: 'person', fields: null, exactMatch: false, limit: 50 };
  if (typeof p === 'string' && p !== '') o.entity = p;
  else if (p && typeof p === 'object') {
    if (p.entity) o.entity = p.entity;
    if (p.fields) o.fields = Array.isArray(p.fields) ? p.fields.join(',') : String(p.fields);
    if (p.exactMatch !== undefined) o.exactMatch = p.exactMatch === true || p.exactMatch === 'true';
    if (p.limit) o.limit = Math.max(1, Math.min(100, Number(p.limit) || 50));
  }
  return o;
}

// ---- webhooks ----------------------------------------------------------

// WEBHOOK_NAMES maps Pipedrive's webhook entity names to ours where they
// differ.
const WEBHOOK_NAMES = { activityType: 'activity_type', activity_type: 'activity_type', dealProduct: 'deal_product' };

function parseWebhook(req) {
  try {
    return typeof req.body === 'string' ? JSON.parse(req.body) : req.body || {};
  } catch (e) {
    throw new ValidationError('the webhook body is not JSON: ' + messageOf(e));
  }
}

function param(params, name) {
  const v = params && params[name];
  return Array.isArray(v) ? v[0] : v;
}

function webhookMillis(ts) {
  if (typeof ts === 'number') return ts < 1e12 ? ts * 1000 : ts; // v1 sends epoch seconds
  if (typeof ts === 'string' && ts !== '') return /^\d+$/.test(ts) ? Number(ts) * 1000 : Date.parse(ts);
  return null;
}

// ---- OAuth -------------------------------------------------------------

// tokenRequest posts a form to Pipedrive's token endpoint with the client's
// credentials as Basic auth, as Pipedrive requires, and returns the tokens:
// {access_token, refresh_token, expires_in, token_type, scope, api_domain}.
// With all three of access_token, refresh_token and expires_in the platform
// stores them as they are.
function tokenRequest(url, clientId, clientSecret, form) {
  if (!clientId || !clientSecret) throw new AuthError('OAuth needs the app\'s clientId and clientSecret');
  const resp = http.request({
    method: 'POST',
    url: url,
    form: form,
    auth: auth.basic(clientId, clientSecret),
    headers: { accept: 'application/json' },
    throwOnError: false,
  });
  if (resp.status >= 200 && resp.status < 300) return resp.json();
  const msg = pipedriveMessage(resp.text());
  if (resp.status === 400 || resp.status === 401) {
    throw new AuthError(`Pipedrive's token endpoint refused the request (${resp.status} ${msg}); reconnect the Pipedrive account`, { status: 401 });
  }
  throw errorFor(resp, 'POST ' + url);
}

// ---- the synapse -------------------------------------------------------

module.exports = {
  synapse_info() {
    return {
      name: 'pipedrive',
      category: 'crm',
      metadata: {
        displayName: 'Pipedrive',
        helpUrl: 'https://pipedrive.readme.io/docs/core-api-concepts-about-pipedrive-api',
      },
      supportedAuthTypes: [
        {
          authType: 'ApiKey',
          label: 'API token',
          fields: [
            { name: 'endpoint', dataType: 'string', label: 'Company URL', required: true, description: 'Your Pipedrive address, e.g. https://yourcompany.pipedrive.com/' },
            { name: 'token', dataType: 'password', label: 'API token', required: true, description: 'Pipedrive: Settings > Personal preferences > API' },
          ],
        },
        {
          authType: 'Oauth',
          label: 'Sign in with Pipedrive',
          fields: [
            { name: 'endpoint', dataType: 'string', label: 'Company URL', required: false, description: 'Your Pipedrive address; default https://api.pipedrive.com' },
          ],
        },
      ],
      configuredFields: [
        { name: 'readSkewSeconds', dataType: 'integer', label: 'Read skew (seconds)', required: false, defaultValue: DEFAULT_SKEW_SECONDS, description: 'Reads stop this many seconds before now, so records Pipedrive has not listed yet are read next cycle; 0 turns it off' },
        { name: 'pageSize', dataType: 'integer', label: 'Page size', required: false, defaultValue: MAX_PAGE, description: 'Records per read page, 1 to 500' },
      ],
      oauthInfo: {
        OAUTH_HOST: 'https://oauth.pipedrive.com',
        OAUTH_URI: '/oauth/authorize',
        OAUTH_TOKEN_URL: DEFAULT_TOKEN_URL,
      },
      // Each record of a CRUD batch is one request; 20 keeps a batch well
      // inside Pipedrive's burst limit and the call's deadline.
      apiMaxCrudSize: 20,
      capabilities: ['getByWatermark', 'getById', 'create', 'update', 'delete', 'search'],
    };
  },

  // test checks the credentials with GET /v1/users/me and records the
  // company id as metaConfig.webhookIdentifier (see extract_webhook_identifier).
  test(connection) {
    const client = api(connection);
    let me;
    try {
      me = send(client, 'GET', '/v1/users/me').json().data;
    } catch (e) {
      if (e instanceof AuthError && e.status === 401) {
        const oauth = !(connection.authConfig || {}).token;
        throw new AuthError(oauth
          ? 'Pipedrive rejected the OAuth access token: reconnect the Pipedrive account'
          : 'Pipedrive rejected the API token: check authConfig.token (Pipedrive: Settings > Personal preferences > API) and that authConfig.endpoint is your company URL');
      }
      throw e;
    }
    if (!me || me.id === undefined) {
      throw new ValidationError(`${baseUrl(connection)} does not look like a Pipedrive API: GET /v1/users/me answered no user`);
    }
    connection.metaConfig = Object.assign({}, connection.metaConfig, {
      webhookIdentifier: String(me.company_id),
      companyDomain: me.company_domain,
    });
    return connection;
  },

  describe(req, ctx) {
    const names = req.entities && req.entities.length ? req.entities : ENTITY_ORDER;
    names.forEach(entitySpec); // unknown names fail before any request
    const client = api(ctx.connection);
    return names.map((n) => schemaFor(client, n));
  },

  // read answers one page of the watermark's window, oldest update first.
  //
  // Paging. The platform calls read again with the watermark we return until
  // a page ends the cycle. We page with Pipedrive's cursor, handed back in
  // watermark.cursor, and answer offsetType CUSTOM: for CUSTOM the platform
  // takes a page with fewer records than the page size as the last one, and
  // an empty page ends the cycle. (RECORD_COUNT and PAGE_NUMBER instead end
  // on offset 0, which the cursor has no use for; NONE is for synapses that
  // only get data from webhooks.) So every page but the last is full (exactly
  // the page size, never more than watermark.limit), and the cursor is null
  // on the last page. A last page that happens to be full would make the
  // platform ask once more; its cursor is then "end:", which answers an
  // empty page, instead of null, which would start the window over.
  // The returned watermark also carries the window's end after read skew,
  // so the pages of one cycle all read the same window.
  read(req, ctx) {
    const name = entityName(req);
    const spec = entitySpec(name);
    const wm = req.watermark;
    const win = readWindow(wm, ctx.connection);
    const size = pageSize(wm, ctx.connection);
    const cursor = wm.cursor || null;
    let page;
    if (win.end <= win.start || cursor === END_CURSOR) {
      page = { data: [], next: null };
    } else {
      page = readPage(api(ctx.connection), name, spec, win, size, cursor);
      // The platform would call again with the same cursor forever.
      if (page.next && page.next === cursor) {
        throw new HttpError(`reading ${name} did not move past cursor ${String(cursor).slice(0, 60)}; stopping`, { status: 502 });
      }
    }
    let next = page.next;
    if (!next && page.data.length === size) next = END_CURSOR;
    return {
      data: page.data,
      watermark: Object.assign({}, wm, { end: win.end, cursor: next }),
      offsetType: 'CUSTOM',
    };
  },

  // get_by_id answers the records that exist; ids Pipedrive does not know
  // (or has deleted) are left out, as the platform expects. Activity types
  // and currencies have no single-record endpoint: their list is read once.
  // A deal product is found through its deal: values.deal_id is needed.
  get_by_id(req, ctx) {
    const name = entityName(req);
    const spec = entitySpec(name);
    const client = api(ctx.connection);
    const records = req.data || [];
    const out = [];
    if (spec.kind === 'v1all' && !spec.write) {
      const byId = {};
      for (const it of send(client, 'GET', spec.path).json().data || []) byId[String(it.id)] = it;
      for (const rec of records) {
        const it = byId[recordId(rec, spec)];
        if (it) out.push(withSyncariId(plainRecord(name, spec, it), rec));
      }
      return out;
    }
    for (const rec of records) {
      const id = recordId(rec, spec);
      let r;
      try {
        if (spec.kind === 'dealProduct') {
          const dealId = dealIdOf(rec);
          r = dealProductsOf(client, [dealId]).find((x) => x.id === dealId + ':' + id);
          if (!r) continue;
        } else {
          const item = send(client, 'GET', itemPath(spec, id)).json().data;
          if (spec.v1) r = userRecord(item);
          else if (spec.kind === 'v2') r = toRecord(name, item);
          else r = plainRecord(name, spec, item);
        }
      } catch (e) {
        if (e instanceof NotFoundError) continue;
        throw e;
      }
      out.push(withSyncariId(r, rec));
    }
    return out;
  },

  create(req, ctx) {
    const name = entityName(req);
    const spec = entitySpec(name);
    if (!spec.write && !spec.v1) throw new NotSupportedError(`Pipedrive's API cannot create ${spec.pluralName.toLowerCase()}`);
    const client = api(ctx.connection);
    return forEachRecord(req.data || [], (rec) => {
      const values = rec.values || {};
      if (spec.v1) {
        // POST /v1/users takes email, name, access and active_flag.
        const body = {};
        for (const k of ['email', 'name', 'access', 'active_flag']) if (values[k] !== undefined) body[k] = values[k];
        return send(client, 'POST', '/v1/users', { json: body }).json().data.id;
      }
      if (spec.kind === 'dealProduct') {
        const dealId = dealIdOf(rec);
        return dealId + ':' + send(client, 'POST', '/api/v2/deals/' + dealId + '/products', { json: writeBody(name, values, 'c') }).json().data.id;
      }
      return send(client, 'POST', collectionPath(spec), { json: writeBody(name, values, 'c') }).json().data.id;
    });
  },

  update(req, ctx) {
    const name = entityName(req);
    const spec = entitySpec(name);
    if (!spec.write && !spec.v1) throw new NotSupportedError(`Pipedrive's API cannot update ${spec.pluralName.toLowerCase()}`);
    const client = api(ctx.connection);
    return forEachRecord(req.data || [], (rec) => {
      const id = recordId(rec, spec);
      const values = rec.values || {};
      if (spec.v1) {
        // Pipedrive lets an API change only whether a user is active.
        if (typeof values.active_flag !== 'boolean') {
          throw new ValidationError('Pipedrive lets an API change only a user\'s active_flag (a boolean)');
        }
        send(client, 'PUT', '/v1/users/' + id, { json: { active_flag: values.active_flag } });
        return id;
      }
      const path = spec.kind === 'dealProduct' ? '/api/v2/deals/' + dealIdOf(rec) + '/products/' + id : itemPath(spec, id);
      const method = spec.write === 'put' ? 'PUT' : 'PATCH';
      send(client, method, path, { json: writeBody(name, values, 'u') });
      return spec.composite ? dealIdOf(rec) + ':' + id : id;
    });
  },

  delete(req, ctx) {
    const name = entityName(req);
    const spec = entitySpec(name);
    if (spec.v1) throw new NotSupportedError('Pipedrive has no API to delete users; deactivate them with an update of active_flag=false');
    if (!spec.write) throw new NotSupportedError(`Pipedrive's API cannot delete ${spec.pluralName.toLowerCase()}`);
    const client = api(ctx.connection);
    return forEachRecord(req.data || [], (rec) => {
      const id = recordId(rec, spec);
      const path = spec.kind === 'dealProduct' ? '/api/v2/deals/' + dealIdOf(rec) + '/products/' + id : itemPath(spec, id);
      try {
        send(client, 'DELETE', path);
      } catch (e) {
        // Already gone is what a delete wants.
        if (!(e instanceof NotFoundError)) throw e;
      }
      return spec.composite ? dealIdOf(rec) + ':' + id : id;
    });
  },

  // search runs Pipedrive's search on one entity (see searchOptions) and
  // answers the full records of the hits, best first: search items carry
  // only a few fields, so the hits' ids are read back with one list call.
  search(req, ctx) {
    const o = searchOptions(req.params);
    const spec = entitySpec(o.entity);
    if (!spec.search) throw new NotSupportedError(`Pipedrive has no search for ${o.entity}`);
    const term = String(req.query ?? '').trim();
    if (term.length < (o.exactMatch ? 1 : 2)) {
      throw new ValidationError('Pipedrive searches need at least 2 characters (1 with exactMatch)');
    }
    const client = api(ctx.connection);
    const query = { term: term, limit: o.limit };
    if (o.fields) query.fields = o.fields;
    if (o.exactMatch) query.exact_match = true;
    const items = (send(client, 'GET', '/api/v2/' + spec.plural + '/search', { query: query }).json().data || {}).items || [];
    if (items.length === 0) return [];
    const ids = items.map((it) => it.item.id);
    const body = send(client, 'GET', '/api/v2/' + spec.plural, { query: { ids: ids.join(','), limit: ids.length } }).json();
    const byId = {};
    for (const r of body.data || []) byId[r.id] = r;
    const out = [];
    for (const id of ids) if (byId[id]) out.push(toRecord(o.entity, byId[id]));
    return out;
  },

  // extract_webhook_identifier tells the platform which connection a
  // webhook is for: the webhookIdentifier query parameter when the webhook
  // URL carries one, otherwise the Pipedrive company id (meta.company_id),
  // which test() stored as metaConfig.webhookIdentifier.
  extract_webhook_identifier(req) {
    const fromUrl = param(req.params, 'webhookIdentifier');
    if (fromUrl) return String(fromUrl);
    const meta = parseWebhook(req).meta || {};
    if (meta.company_id === undefined || meta.company_id === null) {
      throw new ValidationError('the webhook has no meta.company_id and its URL no webhookIdentifier parameter');
    }
    return String(meta.company_id);
  },

  // process_webhook turns one Pipedrive webhook into the changed record.
  // v2 webhooks: {meta: {action: create|change|delete, entity, entity_id,
  // timestamp, ...}, data, previous}; a delete carries the record in
  // previous (data is null). v1 webhooks (meta.object, current, previous,
  // action added|updated|deleted) are understood too. Webhooks for objects
  // this connector does not sync (projects, ...) answer no records.
  process_webhook(req) {
    const hook = parseWebhook(req);
    const meta = hook.meta || {};
    const raw = meta.entity || meta.object;
    const name = WEBHOOK_NAMES[raw] || raw;
    const spec = ENTITIES[name];
    if (!spec) {
      log.debug('ignoring a webhook for an entity this connector does not sync', { entity: String(name) });
      return [];
    }
    const action = String(meta.action || '');
    const deleted = action === 'delete' || action === 'deleted';
    const item = (deleted ? hook.previous || hook.data : hook.data || hook.current) || {};
    const id = meta.entity_id ?? meta.id ?? item.id;
    if (item.id === undefined && id !== undefined) item.id = Number(id);
    const r = spec.v1 ? userRecord(item) : spec.kind === 'v2' ? toRecord(name, item) : plainRecord(name, spec, item);
    if (deleted) {
      r.deleted = true;
      r.values.is_deleted = true;
    }
    // A delete does not change update_time; the webhook's time says when.
    const at = webhookMillis(meta.timestamp);
    if (deleted || r.lastModified == null) r.lastModified = at ?? r.lastModified;
    return [r];
  },

  // get_access_token exchanges the authorization code of the OAuth flow.
  get_access_token(req, ctx) {
    const ac = req.authConfig || {};
    return tokenRequest(
      tokenUrl(ctx.connection, req.metaConfig || {}),
      req.clientId || ac.clientId,
      req.clientSecret || ac.clientSecret,
      { grant_type: 'authorization_code', code: req.code, redirect_uri: req.redirectUri || ac.redirectUri }
    );
  },

  // refresh_token trades the refresh token for new tokens. Pipedrive rotates
  // refresh tokens: the answer's refresh_token replaces the old one, which
  // stops working.
  refresh_token(connection) {
    const ac = connection.authConfig || {};
    if (!ac.refreshToken) throw new AuthError('the connection has no refreshToken; reconnect the Pipedrive account');
    return tokenRequest(tokenUrl(connection), ac.clientId, ac.clientSecret, {
      grant_type: 'refresh_token',
      refresh_token: ac.refreshToken,
    });
  },
};
