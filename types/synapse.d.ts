// synapse.d.ts: TypeScript declarations of what a synapse-js connector
// script sees, for editor completion and type checking. They describe the
// engine; they add nothing to it (the host never reads this file).
//
// Use it from a TypeScript connector (tsconfig "files"/"include", or a
// triple-slash reference) or from a JavaScript one with // @ts-check:
//
//   /// <reference path="../types/synapse.d.ts" />
//   import type { Synapse, ReadRequest, Ctx } from 'synapse/types';
//   import * as http from 'synapse/http';
//
// See types/README.md. Contents:
//
//   module "synapse/types"   the contract's models, requests and the
//                            Synapse interface (types only: there is no
//                            such module at run time, import it with
//                            `import type` or JSDoc `import('synapse/types')`)
//   module "synapse/http"    require('synapse/http')
//   module "synapse/auth"    require('synapse/auth')
//   module "synapse/log"     require('synapse/log')
//   module "synapse/records" require('synapse/records')
//   module "synapse/errors"  require('synapse/errors'); the same classes are
//                            globals
//   globals                  the error classes, console, setTimeout,
//                            clearTimeout, require
//
// Load it with ES2020 (or later) lib only: no "dom" and no @types/node,
// whose console, setTimeout and require describe other hosts (tsconfig:
// "lib": ["es2020"], "types": []).
//
// types/types_test.go holds this file to the engine: every export name, every
// enum value of host/models.go and every error class must appear here.

// ---------------------------------------------------------------------------
// The contract's models, requests and the Synapse interface.

/**
 * The models of the synapse contract (the Python synapse SDK's names, in
 * camelCase), the request each export receives, `ctx`, and the
 * {@link Synapse} interface a connector's exports implement.
 *
 * Types only: import it with `import type {...} from 'synapse/types'` (TS)
 * or `@type {import('synapse/types').Synapse}` (JSDoc). `require('synapse/types')`
 * fails at run time.
 *
 * In results, a field typed `T | null` may also be left out: the host treats
 * null and missing alike. Keys a model does not list are dropped from
 * results (as pydantic does), except on {@link Connection} and
 * {@link AuthConfig}, which keep extra keys.
 */
declare module "synapse/types" {
  /** A value, or a promise of it: every export may be plain or `async`. */
  export type Awaitable<T> = T | Promise<T>;

  /** Any JSON-like object (the values of a record, metaConfig, ...). */
  export type Dict = { [key: string]: any };

  // ---- enums ---------------------------------------------------------------

  /**
   * How users authenticate, listed in {@link SynapseInfo.supportedAuthTypes}.
   * - `UserPasswordToken`: user name, password and a token
   * - `UserPassword`: user name and password
   * - `ApiKey`: an API key or token (`authConfig.token`)
   * - `Oauth`: the OAuth authorization-code flow (the platform's iframe);
   *   see `get_access_token` and `refresh_token`
   * - `SimpleOAuth`: OAuth without the iframe (client credentials and the like)
   * - `None`: no credentials
   */
  export type AuthType = "UserPasswordToken" | "UserPassword" | "ApiKey" | "Oauth" | "SimpleOAuth" | "None";

  /**
   * The type of an {@link Attribute} or an {@link AuthField}. Timestamps of
   * records ({@link Record.lastModified}) are epoch ms whatever the
   * attribute's type.
   */
  export type DataType =
    | "boolean"
    | "decimal"
    | "double"
    | "reference"
    | "picklist"
    | "string"
    | "datetime"
    | "timestamp"
    | "integer"
    | "date"
    | "object"
    | "child"
    | "password"
    | "complex";

  /**
   * What a synapse can do, listed in {@link SynapseInfo.capabilities}.
   * - `create`, `update`, `delete`, `search`, `getById`: the exports of the
   *   same names are implemented
   * - `getByWatermark`: `read` reads changes by watermark (a source)
   * - `noWatermark`: entities have no watermark field (webhook-only data)
   * - `compositeId`: ids are composite keys
   * - `schemaEditInSyncari`, `schemaCreateField`: the schema may be edited
   *   or extended from the platform
   * - `userEditableId`, `userEditableWm`: users may pick the id or watermark field
   */
  export type Capabilities =
    | "create"
    | "update"
    | "delete"
    | "search"
    | "getById"
    | "getByWatermark"
    | "noWatermark"
    | "compositeId"
    | "schemaEditInSyncari"
    | "userEditableId"
    | "userEditableWm"
    | "schemaCreateField";

  /** The status of an {@link Attribute} (default `ACTIVE`). */
  export type Status = "ACTIVE" | "INACTIVE" | "DELETED" | "PENDING";

  /**
   * How `read` pages ({@link ReadResponse.offsetType}; default `RECORD_COUNT`):
   * - `RECORD_COUNT`: `watermark.offset` counts records; return the next
   *   offset, 0 on the last page
   * - `PAGE_NUMBER`: `watermark.offset` is a page number; 0 on the last page
   * - `CUSTOM`: page with `watermark.cursor`; the platform ends on an empty
   *   page or one shorter than the page size (return cursor null on the last
   *   page)
   * - `TIMESTAMP`: like CUSTOM, for windows paged by time
   * - `NONE`: no paging; for webhook-only synapses (return `data: []`)
   */
  export type OffsetType = "NONE" | "PAGE_NUMBER" | "RECORD_COUNT" | "TIMESTAMP" | "CUSTOM";

  /** The wire request type of a call, in `ctx.type`. */
  export type RequestType =
    | "SYNAPSE_INFO"
    | "TEST"
    | "REFRESH_TOKEN"
    | "GET_ACCESS_TOKEN"
    | "DESCRIBE"
    | "READ"
    | "GET_BY_ID"
    | "CREATE"
    | "UPDATE"
    | "DELETE"
    | "EXTRACT_WEBHOOK_IDENTIFIER"
    | "PROCESS_WEBHOOK"
    | "GET_HEADERS"
    | "SEARCH";

  // ---- synapse_info ----------------------------------------------------------

  /** What `synapse_info` returns: the synapse as the platform shows it. */
  export interface SynapseInfo {
    /**
     * The synapse's API name: lower-case letters, digits, `_` or `-`,
     * starting with a letter or digit, at most 63. The host names the
     * connector by it.
     */
    name: string;
    /** A category for the platform's catalogue, such as `crm`. */
    category?: string | null;
    /** How the platform displays the synapse. */
    metadata: UIMetadata;
    /** The ways users can authenticate, with the fields each asks for. */
    supportedAuthTypes: AuthMetadata[];
    /**
     * Settings asked of the user besides credentials. A field named like an
     * {@link AuthConfig} key arrives in `connection.authConfig`; any other in
     * `connection.metaConfig[name]`.
     */
    configuredFields?: AuthField[] | null;
    /** Shown instead of the synapse when it is disabled. */
    disabledMessage?: string | null;
    /**
     * OAuth settings the platform reads: `OAUTH_HOST`, `OAUTH_URI`,
     * `OAUTH_TOKEN_URL`, `OAUTH_TOKEN_SUFFIX`, `SUPPORT_SIMPLE_OAUTH_REFRESH`.
     */
    oauthInfo?: { [key: string]: string } | null;
    /** Records per create/update/delete/get_by_id batch (platform default 20). */
    apiMaxCrudSize?: number | null;
    /** What the synapse can do. */
    capabilities?: Capabilities[] | null;
  }

  /** How the platform displays a synapse. */
  export interface UIMetadata {
    /** The name users see. */
    displayName: string;
    /** An icon (the platform may use its own). */
    iconPath?: string | null;
    /** A background colour (the platform may use its own). */
    backgroundColor?: string | null;
    /** A link to help about the synapse. */
    helpUrl?: string | null;
  }

  /** One way to authenticate, in {@link SynapseInfo.supportedAuthTypes}. */
  export interface AuthMetadata {
    /** The scheme. */
    authType: AuthType;
    /**
     * The fields the user fills in. A field named like an {@link AuthConfig}
     * key arrives there; any other in `authConfig.additionalHeaders[name]`.
     */
    fields?: AuthField[] | null;
    /** The label users see for this choice. */
    label?: string | null;
  }

  /** A field the user fills in when connecting. */
  export interface AuthField {
    /** The key it arrives under (see {@link AuthMetadata.fields}). */
    name: string;
    /** Its type (default `string`; `password` hides the value). */
    dataType?: DataType | null;
    /** The label users see. */
    label?: string | null;
    /** Whether the user must fill it in (default true). */
    required?: boolean | null;
    /** The value it starts with. */
    defaultValue?: any;
    /** Help text (the platform's help summary). */
    description?: string | null;
  }

  // ---- connections -----------------------------------------------------------

  /**
   * The connection a call is made for: `ctx.connection`, and the request of
   * `test`, `refresh_token` and `get_headers`. `test` returns it (with
   * `metaConfig` changes the platform keeps). Extra keys are kept.
   */
  export interface Connection {
    /** The connection's name; the host remembers rotated OAuth tokens per name. */
    name: string;
    /** The credentials and the endpoint. */
    authConfig: AuthConfig;
    /** The id field chosen by the user. */
    idFieldName?: string | null;
    /** The watermark field chosen by the user. */
    watermarkFieldName?: string | null;
    /** The created-at field chosen by the user. */
    createdAtFieldName?: string | null;
    /** The updated-at field chosen by the user. */
    updatedAtFieldName?: string | null;
    /** The OAuth redirect URL of the platform. */
    oAuthRedirectUrl?: string | null;
    /**
     * The user's configured fields that are not AuthConfig keys, and
     * whatever `test` stored (a webhook identifier, say). synapse-js's
     * `auth.fromConnection` reads `metaConfig.tokenUrl`.
     */
    metaConfig?: Dict | null;
    /** The platform also sends `endpoint` (ending in `/`). */
    endpoint?: string | null;
    /** Extra keys are kept. */
    [key: string]: unknown;
  }

  /**
   * The credentials of a {@link Connection}. All fields are optional; which
   * are set depends on the auth type. Every `password`, `token`,
   * `accessToken`, `refreshToken`, `clientSecret` and `additionalHeaders`
   * value is redacted from logs and error messages. Extra keys are kept.
   */
  export interface AuthConfig {
    /** The end system's base URL (the platform makes it end in `/`). */
    endpoint?: string | null;
    /** A user name (basic auth). */
    userName?: string | null;
    /** A password (basic auth). */
    password?: string | null;
    /** The OAuth client id. */
    clientId?: string | null;
    /** The OAuth client secret. */
    clientSecret?: string | null;
    /** The OAuth redirect URI. */
    redirectUri?: string | null;
    /** An API key or token. */
    token?: string | null;
    /** An OAuth access token. */
    accessToken?: string | null;
    /** An OAuth refresh token. */
    refreshToken?: string | null;
    /** Seconds the access token lives from `lastRefreshed` (a string on the wire). */
    expiresIn?: string | number | null;
    /** When the token was last refreshed: RFC 3339, or epoch ms or s. */
    lastRefreshed?: string | number | null;
    /**
     * Auth fields that are not AuthConfig keys; `auth.fromConnection` sends
     * them as headers with every request.
     */
    additionalHeaders?: { [name: string]: string } | null;
    /** synapse-js: the token URL `auth.fromConnection` refreshes at. */
    tokenUrl?: string | null;
    /** synapse-js: the access token's expiry (epoch ms or RFC 3339), read by `auth.fromConnection`. */
    expiresAt?: string | number | null;
    /** Extra keys are kept. */
    [key: string]: unknown;
  }

  // ---- schemas ---------------------------------------------------------------

  /**
   * An entity, as `describe` returns it and `read`/CRUD receive it
   * (`req.entity`). It needs exactly one {@link Attribute.isIdField}
   * attribute and, to be read by watermark, one `datetime` attribute with
   * {@link Attribute.isWatermarkField}.
   */
  export interface Schema {
    /** An id in the end system. */
    id?: string | null;
    /** The entity's API name; `describe` must answer the names asked, in order. */
    apiName: string;
    /** The name users see. */
    displayName: string;
    /** The plural name users see. */
    pluralName?: string | null;
    /** A description. */
    description?: string | null;
    /** A custom entity (default false). */
    custom?: boolean | null;
    /** Cannot be written (default false). */
    readOnly?: boolean | null;
    /** A schema version. */
    version?: number | null;
    /** A child entity (default false). */
    child?: boolean | null;
    /** The fields; may be empty. */
    attributes: Attribute[];
  }

  /** A field of a {@link Schema}. Booleans default to false unless said. */
  export interface Attribute {
    /** An id in the end system. */
    id?: string | null;
    /** The field's key in {@link Record.values}. */
    apiName: string;
    /** The name users see. */
    displayName: string;
    /** Its type (default `string`). */
    dataType?: DataType | null;
    /** A custom field. */
    custom?: boolean | null;
    /** The default value. */
    defaultValue?: any;
    /** May be null (default true). */
    nillable?: boolean | null;
    /** May be set on create (default true). */
    initializable?: boolean | null;
    /** May be changed on update (default true). */
    updateable?: boolean | null;
    /** May be set on create only. */
    createOnly?: boolean | null;
    /** Computed by the end system. */
    calculated?: boolean | null;
    /** Unique. */
    unique?: boolean | null;
    /** Maximum length. */
    length?: number | null;
    /** Numeric precision. */
    precision?: number | null;
    /** Numeric scale. */
    scale?: number | null;
    /** Status (default `ACTIVE`). */
    status?: Status | null;
    /** For `reference`: the entity referred to. */
    referenceTo?: string | null;
    /** For `reference`: the field of that entity referred to (usually its id). */
    referenceTargetField?: string | null;
    /** For `reference`: the plural name of the entity referred to. */
    referenceToPluralName?: string | null;
    /** A system field. */
    isSystem?: boolean | null;
    /** The entity's id field (exactly one per entity). */
    isIdField?: boolean | null;
    /** Part of a composite key. */
    compositeKey?: any;
    /** The watermark field: a `datetime` whose value becomes `lastModified`. */
    isWatermarkField?: boolean | null;
    /** The created-at field. */
    isCreatedAtField?: boolean | null;
    /** The updated-at field. */
    isUpdatedAtField?: boolean | null;
    /** Holds several values (an array). */
    isMultiValueField?: boolean | null;
    /** Defined by the platform. */
    isSyncariDefined?: boolean | null;
    /** The parent attribute's id (for nested fields). */
    parentAttributeId?: string | null;
    /** An external id. */
    externalId?: string | null;
    /** The entity's id. */
    entityId?: string | null;
    /** For `picklist`: the values. */
    picklistValues?: string[] | null;
    /** For `picklist`: the values with ids and labels. */
    picklist?: Picklist[] | null;
  }

  /** One value of a picklist attribute. */
  export interface Picklist {
    /** The value's id (what records hold). */
    id: string;
    /** The label users see. */
    label?: string | null;
  }

  // ---- records ---------------------------------------------------------------

  /**
   * One record of an entity: what `read`, `get_by_id`, `search` and
   * `process_webhook` return, and what CRUD requests carry in `data`.
   * (Importing it shadows TypeScript's `Record<K, V>`; rename it, as in
   * `import type { Record as SynapseRecord } from 'synapse/types'`.)
   */
  export interface Record {
    /** The entity's API name. */
    name?: string | null;
    /** The record's id in the end system (a number is sent as a string). */
    id?: string | number | null;
    /** The platform's id of the record; on CRUD input, echo it in the Result. */
    syncariEntityId?: string | null;
    /** The record was deleted in the end system (default false). */
    deleted?: boolean | null;
    /** The fields, by {@link Attribute.apiName}. */
    values: Dict;
    /**
     * When the record last changed, epoch ms (a Date is accepted). The
     * platform's next read window starts at the largest one returned:
     * records without it do not advance the sync.
     */
    lastModified?: number | Date | null;
    /** When the record was created, epoch ms (a Date is accepted). */
    createdAt?: number | Date | null;
  }

  /**
   * The outcome of one input record of create/update/delete: return one per
   * record, in order. The host fills what is left out: `errors` becomes
   * `[]`, `syncariId` the input record's `syncariEntityId`, and `success`
   * is true when `errors` is empty.
   */
  export interface Result {
    /** Whether the record was written (default: no errors). */
    success?: boolean | null;
    /** Why it was not. */
    errors?: string[] | null;
    /** The record's id in the end system (a number is sent as a string). */
    id?: string | number | null;
    /** The input record's syncariEntityId (filled in when left out). */
    syncariId?: string | null;
  }

  // ---- reading -------------------------------------------------------------

  /**
   * The window and position of a read. The platform sends every key:
   * `offset` and `limit` 0 and `cursor` null on a window's first call. Page
   * by returning it with only `offset` or `cursor` changed.
   */
  export interface Watermark {
    /** The window's start, epoch ms (0 on a full resync). */
    start: number;
    /** The window's end, epoch ms. */
    end: number;
    /** The position for RECORD_COUNT/PAGE_NUMBER paging; return 0 on the last page. */
    offset?: number | null;
    /** When > 0, the platform stops the window after this many records; keep pages within it. */
    limit?: number | null;
    /** The position for CUSTOM paging; return null on the last page. */
    cursor?: string | null;
    /** A historical resync (start may be 0). */
    isResync?: boolean | null;
    /** A test over a chosen time frame. */
    isTest?: boolean | null;
    /** The first sync after connecting. */
    initial?: boolean | null;
  }

  /** What `read` returns: one page and the watermark of the next call. */
  export interface ReadResponse {
    /** The page's records, in ascending `lastModified` (default `[]`). */
    data?: Record[] | null;
    /** The watermark the platform sends to the next call of this window. */
    watermark: Watermark;
    /** How the watermark pages (default `RECORD_COUNT`). */
    offsetType?: OffsetType | null;
  }

  // ---- requests --------------------------------------------------------------

  /** The request of `synapse_info`: always empty. */
  export type SynapseInfoRequest = { readonly [key: string]: never };

  /** The request of `describe`. */
  export interface DescribeRequest {
    /** The entities asked for, by API name; empty means all. Answer them in this order. */
    entities: string[];
  }

  /** The request of `read`. */
  export interface ReadRequest {
    /** The entity to read (the Schema `describe` returned, as the platform keeps it). */
    entity: Schema;
    /** The entity with the user's field mapping applied. */
    entityWithMappedFields?: Schema | null;
    /** The window and the position in it. */
    watermark: Watermark;
  }

  /** The request of `get_by_id`, `create`, `update` and `delete`. */
  export interface SyncRequest {
    /** The entity. */
    entity: Schema;
    /** The entity with the user's field mapping applied (get_by_id). */
    entityWithMappedFields?: Schema | null;
    /**
     * The records: for get_by_id the ids asked for; for create/update the
     * values to write; for delete the ids. At most `apiMaxCrudSize` per call.
     */
    data: Record[];
    /** The watermark, when the platform sends one. */
    watermark?: Watermark | null;
  }

  /** The request of `search`. */
  export interface SearchRequest {
    /** The search text. */
    query: string;
    /** Free-form parameters. */
    params: any[];
  }

  /** Header or query values of a webhook: one value, or several. */
  export type WebhookValues = { [name: string]: string | string[] };

  /** The request of `extract_webhook_identifier` and `process_webhook`. */
  export interface WebhookRequest {
    /** The webhook's raw body (usually JSON text: parse it). */
    body: string;
    /** The webhook's headers. */
    headers?: WebhookValues | null;
    /** The webhook URL's query parameters. */
    params?: WebhookValues | null;
  }

  /** The request of `get_access_token`: the OAuth authorization code and the app's settings. */
  export interface OAuthRequest {
    /** The authorization code to exchange. */
    code: string;
    /** The OAuth client id. */
    clientId?: string | null;
    /** The OAuth client secret. */
    clientSecret?: string | null;
    /** The end system's endpoint. */
    endpoint?: string | null;
    /** The redirect URI the code was issued for. */
    redirectUri?: string | null;
    /** The connection's credentials so far. */
    authConfig?: AuthConfig | null;
    /** The connection's configured fields. */
    metaConfig?: Dict | null;
  }

  /**
   * What `get_access_token` and `refresh_token` return. With
   * `access_token`, `refresh_token` and `expires_in` the platform stores
   * the tokens as they are; otherwise it POSTs the object as form
   * parameters to the token URL.
   */
  export interface TokenResponse {
    access_token?: string;
    refresh_token?: string;
    expires_in?: number | string;
    [key: string]: any;
  }

  // ---- ctx and the exports --------------------------------------------------

  /**
   * The second argument of every export: a fresh object per call.
   */
  export interface Ctx {
    /** The call's connection (for `test`, the same object as the request). */
    connection: Connection;
    /** The call's wire request type. */
    type: RequestType;
    /** The envelope's syncariId, or null. */
    syncariId: string | null;
    /** The envelope's requestId, or null; log lines carry it. */
    requestId: string | null;
    /** The envelope's host (the platform's URL), or null. */
    host: string | null;
    /**
     * When the call's deadline passes, epoch ms. Every binding stops there
     * and the host answers 504; use it to stop paging early.
     */
    deadline: number;
  }

  /**
   * The exports of a connector. Each is called as `fn(req, ctx)`, with
   * `this` undefined, and may return its result or a promise of it.
   *
   * Required: `synapse_info`, `test`, `describe`, and either `read` (a
   * source) or at least one of `create`/`update`/`delete` (a destination).
   * A missing optional export answers "not supported" (405).
   */
  export interface Synapse {
    /**
     * Describes the synapse. Called once when the file is loaded, with an
     * empty `ctx` (and again for each SYNAPSE_INFO call): keep it a
     * constant, with no requests.
     */
    synapse_info(this: void, req: SynapseInfoRequest, ctx: Partial<Ctx>): Awaitable<SynapseInfo>;
    /**
     * Checks the connection's credentials with a cheap request and returns
     * the connection (the platform keeps its authConfig and metaConfig
     * changes). Throw AuthError when they are refused.
     */
    test(this: void, connection: Connection, ctx: Ctx): Awaitable<Connection>;
    /** Returns one Schema per entity asked for, in the order asked (all when none). */
    describe(this: void, req: DescribeRequest, ctx: Ctx): Awaitable<Schema[]>;
    /**
     * Returns one page of the records of `req.entity` changed in the
     * watermark's window, in ascending `lastModified`, and the watermark of
     * the next page.
     */
    read?(this: void, req: ReadRequest, ctx: Ctx): Awaitable<ReadResponse>;
    /** Returns the records of the ids in `req.data` that exist; leave the others out. */
    get_by_id?(this: void, req: SyncRequest, ctx: Ctx): Awaitable<Record[]>;
    /** Creates the records of `req.data`: one Result per record, in order. */
    create?(this: void, req: SyncRequest, ctx: Ctx): Awaitable<Result[]>;
    /** Updates the records of `req.data`: one Result per record, in order. */
    update?(this: void, req: SyncRequest, ctx: Ctx): Awaitable<Result[]>;
    /** Deletes the records of `req.data`: one Result per record, in order. */
    delete?(this: void, req: SyncRequest, ctx: Ctx): Awaitable<Result[]>;
    /** Returns the records matching `req.query`. */
    search?(this: void, req: SearchRequest, ctx: Ctx): Awaitable<Record[]>;
    /** Returns which connection a webhook is for (sent back as a bare string). */
    extract_webhook_identifier?(this: void, req: WebhookRequest, ctx: Ctx): Awaitable<string>;
    /** Returns the records a webhook changed. */
    process_webhook?(this: void, req: WebhookRequest, ctx: Ctx): Awaitable<Record[]>;
    /** Exchanges an OAuth authorization code for tokens (or the form to post). */
    get_access_token?(this: void, req: OAuthRequest, ctx: Ctx): Awaitable<TokenResponse>;
    /** Refreshes the connection's OAuth tokens (or returns the form to post). */
    refresh_token?(this: void, connection: Connection, ctx: Ctx): Awaitable<TokenResponse>;
    /** Returns headers the platform adds to its requests to the end system. */
    get_headers?(this: void, connection: Connection, ctx: Ctx): Awaitable<{ [name: string]: string }>;
  }
}

// ---------------------------------------------------------------------------
// require('synapse/http')

/**
 * The only way a script reaches the network. Calls are synchronous (an
 * async export may `await` them too), end when the call's deadline does,
 * and follow the host's outbound policy (allow/deny lists; link-local and
 * cloud metadata addresses are denied).
 *
 * By default a final non-2xx answer throws: 401/403 `AuthError`, 404
 * `NotFoundError`, 429 `QuotaExceededError` (after the retries), any other
 * `HttpError`. 429, 502, 503, 504 and connection failures are retried with
 * backoff (3 retries by default), honouring `Retry-After` and
 * `x-ratelimit-reset`; a wait longer than the call has left throws
 * `QuotaExceededError` with `retryAfter` instead. POST and PATCH are
 * retried only on 429 and failures to connect, unless they carry an
 * `Idempotency-Key` header.
 *
 * Answers in gzip or deflate are decoded (the module asks for them unless
 * you send an `Accept-Encoding` of your own); any other `Content-Encoding`
 * (br, zstd) is an error naming it.
 *
 * @example
 * const http = require('synapse/http');
 * const items = http.get('https://api.example.com/v1/items', {query: {limit: 100}}).json();
 */
declare module "synapse/http" {
  import type { Auth } from "synapse/auth";

  /** A query, form or header value; `null` (or undefined) removes the key. Dates are sent as ISO strings. */
  export type Value = string | number | boolean | bigint | Date | null | undefined;

  /** Query parameters or form fields: an array repeats the key (`ids=1&ids=2`). */
  export type Params = { [name: string]: Value | Value[] };

  /** Request headers; `null` removes one a client set (`{Accept: null}`). */
  export type HeaderValues = { [name: string]: Value | Value[] };

  /** The HTTP method (any token; case-insensitive). */
  export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | (string & {});

  /** Milliseconds, or a duration string such as `"30s"` or `"500ms"`. */
  export type Duration = number | string;

  /**
   * A raw body: a string or bytes are sent as they are; an object or array
   * as JSON.
   */
  export type Body = string | ArrayBuffer | ArrayBufferView | object;

  /**
   * The shorthand body of `post`/`put`/`patch`: a string or bytes as they
   * are; an object, array, number or boolean as JSON.
   */
  export type BodyArg = Body | number | boolean | null | undefined;

  /**
   * Options of one request, besides its method and url. Names are checked: a
   * misspelt option, or a value of the wrong type, is a TypeError. Give at
   * most one of `json`, `form` and `body`.
   */
  export interface Options {
    /** Query parameters, added to (or replacing, key by key) the URL's and the client's. */
    query?: Params | null;
    /** Headers, replacing the client's of the same name; `null` removes one. */
    headers?: HeaderValues | null;
    /** A JSON body (any value, null included), with `Content-Type: application/json`. */
    json?: unknown;
    /** A url-encoded form body, with `Content-Type: application/x-www-form-urlencoded`. */
    form?: Params | null;
    /**
     * A raw body: a string, or bytes (an ArrayBuffer, a typed array such as
     * Uint8Array, or a DataView; `Content-Type: application/octet-stream`
     * unless you set one) as is; an object or array as JSON.
     */
    body?: Body | null;
    /** Per attempt (ms or `"5s"`); default none: the call's deadline still applies. */
    timeout?: Duration;
    /** Retries of 429/502/503/504 and connection failures, 0 to 20 (default 3; 0 disables). */
    retry?: number;
    /** Asked before each retry of a retryable status; false stops retrying (e.g. a 429 for a spent daily budget). */
    retryIf?: (response: Response) => boolean;
    /** Throw on a final non-2xx answer (default true). With false, check `resp.ok` yourself. */
    throwOnError?: boolean;
    /** Credentials from `require('synapse/auth')`; `null` drops a client's. */
    auth?: Auth | null;
    /** The response body cap for this request, 1 to 2^30 bytes (default the host's, 32 MiB). */
    maxBytes?: number;
  }

  /** The options of `http.request` / `client.request`. */
  export interface RequestOptions extends Options {
    /** The method (default GET). */
    method?: Method;
    /** An absolute http(s) URL; on a client, a path relative to its baseUrl. */
    url: string;
  }

  /** The options of `http.client`. */
  export interface ClientOptions {
    /**
     * The base URL relative paths join with exactly one slash:
     * `"https://x/api"` + `"/v2/persons"` is `"https://x/api/v2/persons"`.
     * A query string on it becomes part of the client's query.
     */
    baseUrl?: string;
    /** Credentials sent with every request. */
    auth?: Auth | null;
    /** Headers sent with every request. */
    headers?: HeaderValues | null;
    /** Query parameters sent with every request. */
    query?: Params | null;
    /** Per attempt (ms or `"5s"`). */
    timeout?: Duration;
    /** Retries (0 to 20). */
    retry?: number;
    /** Asked before each retry of a retryable status; false stops retrying. */
    retryIf?: (response: Response) => boolean;
    /** Throw on a final non-2xx answer (default true). */
    throwOnError?: boolean;
    /** The response body cap, 1 to 2^30 bytes. */
    maxBytes?: number;
    /**
     * Keep cookies (default false): a `Set-Cookie` answer is sent back on
     * the client's later requests and on the redirects it follows, for the
     * rest of the call. Every call starts with no cookies.
     */
    cookies?: boolean;
    /**
     * At most this many requests (retries included) through this client in
     * one call; the call's own budget (the host's, default 1,000) still
     * applies. Spent: a SynapseError naming the count and the last URL.
     */
    maxRequests?: number;
    /**
     * How many times one request (method, URL, body) may get the same
     * answer in one call before the same request is refused (default the
     * host's, 10). Raise it for polling that sees the same answer often.
     */
    maxRepeats?: number;
  }

  /**
   * A response. Its own properties are read-only; nothing of it is built
   * until read.
   */
  export interface Response {
    /** The HTTP status. */
    readonly status: number;
    /** True for a 2xx status. */
    readonly ok: boolean;
    /** The final URL, after redirects. */
    readonly url: string;
    /** The headers, by lower-case name; several values of one are joined with ", ". */
    readonly headers: { readonly [name: string]: string };
    /** The body as a string (decoded as UTF-8). Call it as `resp.text()`. */
    text(): string;
    /**
     * The body parsed as JSON, straight from the bytes (faster than
     * `JSON.parse(resp.text())`), a fresh value on each call. Integers
     * beyond ±2^53 come back as strings with their exact digits. Malformed
     * JSON throws an Error naming the byte offset. Call it as `resp.json()`.
     */
    json<T = any>(): T;
    /**
     * The body as bytes, for binary answers (files, images, protobuf): a
     * fresh Uint8Array on each call. Call it as `resp.bytes()`.
     */
    bytes(): Uint8Array;
    /** The body as a fresh ArrayBuffer. Call it as `resp.arrayBuffer()`. */
    arrayBuffer(): ArrayBuffer;
  }

  /** The request functions of the module and of a client. */
  export interface Requester {
    /** Makes a request described by `opts`. */
    request(opts: RequestOptions): Response;
    /** GET `url`. */
    get(url: string, opts?: Options | null): Response;
    /** DELETE `url` (`delete` is a reserved word). */
    del(url: string, opts?: Options | null): Response;
    /** POST `url`; `body` as in {@link BodyArg}. */
    post(url: string, body?: BodyArg, opts?: Options | null): Response;
    /** PUT `url`; `body` as in {@link BodyArg}. */
    put(url: string, body?: BodyArg, opts?: Options | null): Response;
    /** PATCH `url`; `body` as in {@link BodyArg}. */
    patch(url: string, body?: BodyArg, opts?: Options | null): Response;
  }

  /**
   * A client from `http.client(...)`: request functions relative to its
   * baseUrl, with its auth, headers, query and settings. An absolute URL is
   * used as is, still with the client's auth, headers and query. It may be
   * kept between calls (its auth uses each call's deadline and secrets),
   * but it carries one connection's credentials: see the guide on
   * module-level state.
   */
  export interface Client extends Requester {
    /** The base URL (without a trailing slash), when one was given. */
    readonly baseUrl?: string;
  }

  /** Makes a request described by `opts`. */
  export function request(opts: RequestOptions): Response;
  /** GET `url` (an absolute http(s) URL). */
  export function get(url: string, opts?: Options | null): Response;
  /** DELETE `url` (`delete` is a reserved word). */
  export function del(url: string, opts?: Options | null): Response;
  /** POST `url`; `body` as in {@link BodyArg}. */
  export function post(url: string, body?: BodyArg, opts?: Options | null): Response;
  /** PUT `url`; `body` as in {@link BodyArg}. */
  export function put(url: string, body?: BodyArg, opts?: Options | null): Response;
  /** PATCH `url`; `body` as in {@link BodyArg}. */
  export function patch(url: string, body?: BodyArg, opts?: Options | null): Response;
  /**
   * Makes a client: request functions with defaults.
   * @example
   * const api = http.client({baseUrl: 'https://x.example.com/api', auth: auth.fromConnection(ctx.connection)});
   * api.get('/v2/persons', {query: {cursor}}).json();
   */
  export function client(opts?: ClientOptions | null): Client;
}

// ---------------------------------------------------------------------------
// require('synapse/auth')

/**
 * Credentials for `synapse/http`, as opaque objects for the `auth` option
 * of a request or a client. The secrets stay in the host: an auth object
 * shows only its `scheme`. Every secret given here, and every token a
 * refresh produces, is redacted from logs and error messages. A missing or
 * mistyped argument is a TypeError.
 *
 * @example
 * const auth = require('synapse/auth');
 * http.client({baseUrl, auth: auth.fromConnection(ctx.connection, {header: 'x-api-token'})});
 */
declare module "synapse/auth" {
  import type { Connection } from "synapse/types";

  const authBrand: unique symbol;

  /** A scheme name. */
  export type Scheme = "bearer" | "basic" | "apiKey" | "oauth2";

  /** An auth object: pass it as `auth` to a request or a client. */
  export interface Auth {
    /** The scheme; the only thing a script can see of it. */
    readonly scheme: Scheme;
    /** @internal made only by this module */
    readonly [authBrand]: true;
  }

  /** How an OAuth2 client authenticates at the token URL: a Basic header (default) or form fields. */
  export type ClientAuth = "basic" | "body";

  /** The options of `auth.apiKey`: a header name or a query parameter name, and the key. */
  export type ApiKeyOptions =
    | { header: string; query?: undefined | null; value: string }
    | { query: string; header?: undefined | null; value: string };

  /** The options of `auth.oauth2`. */
  export interface OAuth2Options {
    /** The token endpoint; needed to refresh. */
    tokenUrl?: string | null;
    /** The OAuth client id. */
    clientId?: string | null;
    /** The OAuth client secret. */
    clientSecret?: string | null;
    /** The access token (this or refreshToken is needed). */
    accessToken?: string | null;
    /** The refresh token; with tokenUrl, the token is refreshed when due or on a 401. */
    refreshToken?: string | null;
    /** When the access token expires: epoch ms (or s), a Date or an RFC 3339 string. Without it, refreshes happen on a 401 only. */
    expiresAt?: number | Date | string | null;
    /** The scope asked for on refresh. */
    scope?: string | null;
    /** Client credentials in a Basic header (default) or in the form. */
    clientAuth?: ClientAuth | null;
  }

  /** The options of `auth.fromConnection`. */
  export interface FromConnectionOptions {
    /** Force a scheme instead of the one authConfig implies. */
    scheme?: Scheme | null;
    /** Send `authConfig.token` in this header (scheme apiKey). */
    header?: string | null;
    /** Send `authConfig.token` in this query parameter (scheme apiKey). */
    query?: string | null;
    /** The OAuth token URL (else `authConfig.tokenUrl`, else `metaConfig.tokenUrl`). */
    tokenUrl?: string | null;
    /** The scope asked for on refresh. */
    scope?: string | null;
    /** Client credentials in a Basic header (default) or in the form. */
    clientAuth?: ClientAuth | null;
  }

  /** `Authorization: Bearer <token>`. */
  export function bearer(token: string): Auth;
  /** `Authorization: Basic base64(user:password)`. */
  export function basic(user: string, password?: string | null): Auth;
  /** An API key in a header (`{header, value}`) or a query parameter (`{query, value}`). */
  export function apiKey(opts: ApiKeyOptions): Auth;
  /**
   * `Authorization: Bearer <accessToken>`, refreshed with the refresh_token
   * grant at `tokenUrl` before a request when it expires within 60 s, and
   * on a 401 (then the request is repeated once). Refreshes of one
   * connection are serialised across the host; rotated tokens are
   * remembered and handed back to the caller. A refused refresh throws
   * AuthError.
   */
  export function oauth2(opts: OAuth2Options): Auth;
  /**
   * The scheme a connection's authConfig implies (or `opts.scheme`):
   * - `accessToken`: oauth2 when refreshToken, clientId and a token URL are
   *   present, bearer otherwise
   * - `token`: an API key in `opts.header` or `opts.query`, else a bearer token
   * - `userName` and `password`: basic
   *
   * `authConfig.additionalHeaders` are sent with every request that does
   * not set the same header. Throws a TypeError when authConfig has none of
   * these.
   */
  export function fromConnection(connection: Connection, opts?: FromConnectionOptions | null): Auth;
}

// ---------------------------------------------------------------------------
// require('synapse/log')

/**
 * Log lines to the host's logger. Lines carry the synapse name, the request
 * type and the request id; secrets are redacted. A message or value is
 * capped at 64 KiB, a line at 100 fields. `console.log` writes at debug
 * level.
 *
 * @example
 * const log = require('synapse/log');
 * log.info('fetched page', {entity: 'persons', count: 500, cursor});
 */
declare module "synapse/log" {
  /**
   * Fields of a line: strings, numbers and booleans as they are, null as
   * null, dates as ISO strings, objects and arrays as JSON, errors as their
   * stack; undefined and functions are left out. A field named like one the
   * host writes (level, message, time, synapse, type, request_id) is
   * written as field_<name>.
   */
  export type Fields = { [key: string]: unknown };

  /** Logs at debug level (shown with --log-level debug). */
  export function debug(message: unknown, fields?: Fields | null): void;
  /** Logs at info level. */
  export function info(message: unknown, fields?: Fields | null): void;
  /** Logs at warn level. */
  export function warn(message: unknown, fields?: Fields | null): void;
  /** Logs at error level. */
  export function error(message: unknown, fields?: Fields | null): void;
}

// ---------------------------------------------------------------------------
// require('synapse/records')

/**
 * Helpers for the mapping a read does to each record, run by the host
 * instead of the interpreter. On objects from `resp.json()` they move
 * values without making JS values of them (what the script never reads is
 * written to the platform as the response's own bytes); on any other
 * object they do the same as the loop they describe.
 *
 * @example
 * const records = require('synapse/records');
 * // Made once, used for every record of a page:
 * const flattenCustom = records.flattener('custom_fields', {
 *   split: { value: '', currency: '_currency' },
 * });
 * flattenCustom(item);
 * // {id: 1, custom_fields: {a1: 'x', price: {value: 5, currency: 'EUR'}}}
 * // becomes {id: 1, a1: 'x', price: 5, price_currency: 'EUR'}
 */
declare module "synapse/records" {
  /** The options of {@link flatten} and {@link flattener}. */
  export interface FlattenOptions {
    /**
     * Members to split: a nested value that is an object (not an array)
     * holding every key named here (none undefined) is replaced by those
     * keys, each under the member's key plus its suffix; its other keys
     * are dropped. `{value: '', currency: '_currency'}` turns
     * `price: {value: 5, currency: 'EUR'}` into `price: 5,
     * price_currency: 'EUR'`. Any other value is moved as it is. It
     * names at least one key; null or absent: nothing is split.
     */
    split?: { [key: string]: string } | null;
  }

  /**
   * Moves the members of `record[key]` onto `record`, in their order
   * (overwriting keys `record` has), then deletes `record[key]`, and
   * returns `record`, in strict mode (a frozen record throws). When `record[key]` is not an object (absent, null, a
   * string) nothing changes. The same as:
   *
   * ```js
   * const m = record[key];
   * if (m !== null && typeof m === 'object') {
   *   for (const k of Object.keys(m)) record[k] = m[k]; // or split, see options
   *   delete record[key];
   * }
   * ```
   *
   * Throws a TypeError when `record` is not an object, `key` not a string,
   * or an option is not what {@link FlattenOptions} says.
   */
  export function flatten<T extends object>(record: T, key: string, options?: FlattenOptions | null): T;

  /**
   * Returns `record => flatten(record, key, options)`, with the options
   * read once: for every record of a page.
   */
  export function flattener(key: string, options?: FlattenOptions | null): <T extends object>(record: T) => T;
}

// ---------------------------------------------------------------------------
// require('synapse/errors') and the global error classes

/**
 * The errors the host maps to wire statuses. The same classes are globals.
 * Each is `instanceof Error` and `instanceof SynapseError`, with `name`,
 * `message` and `status`.
 *
 * | thrown | wire status_code |
 * |---|---|
 * | QuotaExceededError | 429 (detail "retry after N s") |
 * | NotSupportedError | 405 |
 * | NotFoundError | 404 |
 * | AuthError | 401, or 403 |
 * | HttpError | its status |
 * | SynapseError, ValidationError | its status (default 400) |
 * | anything else | 400 "Failed to execute request TYPE" |
 */
declare module "synapse/errors" {
  /** The options of `new SynapseError(message, opts)`. */
  export interface SynapseErrorOptions {
    /** The wire status_code (100..599; default 400). */
    status?: number | null;
    /** The wire detail (default null; else the start of `body`, if any). */
    detail?: string | null;
  }

  /** The options of the errors that carry an HTTP answer. */
  export interface HttpErrorOptions extends SynapseErrorOptions {
    /** The answer's headers. */
    headers?: { [name: string]: string } | null;
    /** The answer's body (its start becomes the wire detail when there is no `detail`). */
    body?: string | null;
  }

  /** The options of `new QuotaExceededError(message, opts)`. */
  export interface QuotaExceededErrorOptions extends HttpErrorOptions {
    /** Seconds the platform should wait before retrying. */
    retryAfter?: number | null;
  }

  /** The base class: an error answered with its own status (default 400). */
  export class SynapseError extends Error {
    constructor(message?: string, opts?: SynapseErrorOptions | null);
    /** The class name. */
    name: string;
    /** The wire status_code. */
    status: number;
    /** The wire detail, or null. */
    detail: string | null;
  }

  /**
   * The end system's rate limit or quota: answered 429, which the platform
   * retries later. The http module throws it on a final 429, or when a
   * retry would wait longer than the call has left.
   */
  export class QuotaExceededError extends SynapseError {
    constructor(message?: string, opts?: QuotaExceededErrorOptions | null);
    status: 429;
    /** Seconds to wait, written into the wire detail as "retry after N s"; null when unknown. */
    retryAfter: number | null;
    /** The answer's headers, when thrown by the http module. */
    headers?: { [name: string]: string };
    /** The answer's body, when thrown by the http module. */
    body?: string;
  }

  /** An operation this synapse does not support: answered 405. */
  export class NotSupportedError extends SynapseError {
    constructor(message?: string, opts?: SynapseErrorOptions | null);
    status: 405;
  }

  /**
   * Credentials refused: answered 401, or 403 when `opts.status` is 403 (the
   * http module throws it for a 401 or 403 answer).
   */
  export class AuthError extends SynapseError {
    constructor(message?: string, opts?: HttpErrorOptions | null);
    status: 401 | 403;
    /** The answer's headers, when thrown by the http module. */
    headers?: { [name: string]: string };
    /** The answer's body, when thrown by the http module. */
    body?: string;
  }

  /** Not found: answered 404 (the http module throws it for a 404 answer). */
  export class NotFoundError extends SynapseError {
    constructor(message?: string, opts?: HttpErrorOptions | null);
    status: 404;
    /** The answer's headers, when thrown by the http module. */
    headers?: { [name: string]: string };
    /** The answer's body, when thrown by the http module. */
    body?: string;
  }

  /**
   * Any other non-2xx answer of the end system, answered with its status
   * (default 500). The http module's message reads like
   * "GET https://host/path: 500 Internal Server Error"; body is capped at 64 KiB.
   */
  export class HttpError extends SynapseError {
    constructor(message?: string, opts?: HttpErrorOptions | null);
    /** The answer's headers (lower-case names). */
    headers: { [name: string]: string };
    /** The answer's body. */
    body: string;
  }

  /** Bad input (an unknown entity, a malformed record): answered with its status (default 400). */
  export class ValidationError extends SynapseError {
    constructor(message?: string, opts?: SynapseErrorOptions | null);
  }
}

/** The base error class (also in `require('synapse/errors')`): answered with its status (default 400). */
declare var SynapseError: typeof import("synapse/errors").SynapseError;
type SynapseError = import("synapse/errors").SynapseError;
/** Rate limit or quota: answered 429 with "retry after N s" (also in `require('synapse/errors')`). */
declare var QuotaExceededError: typeof import("synapse/errors").QuotaExceededError;
type QuotaExceededError = import("synapse/errors").QuotaExceededError;
/** Not supported: answered 405 (also in `require('synapse/errors')`). */
declare var NotSupportedError: typeof import("synapse/errors").NotSupportedError;
type NotSupportedError = import("synapse/errors").NotSupportedError;
/** Credentials refused: answered 401 or 403 (also in `require('synapse/errors')`). */
declare var AuthError: typeof import("synapse/errors").AuthError;
type AuthError = import("synapse/errors").AuthError;
/** Not found: answered 404 (also in `require('synapse/errors')`). */
declare var NotFoundError: typeof import("synapse/errors").NotFoundError;
type NotFoundError = import("synapse/errors").NotFoundError;
/** A non-2xx answer: answered with its status (also in `require('synapse/errors')`). */
declare var HttpError: typeof import("synapse/errors").HttpError;
type HttpError = import("synapse/errors").HttpError;
/** Bad input: answered with its status, default 400 (also in `require('synapse/errors')`). */
declare var ValidationError: typeof import("synapse/errors").ValidationError;
type ValidationError = import("synapse/errors").ValidationError;

// ---------------------------------------------------------------------------
// Other globals

/**
 * Writes to the host's log for the call, arguments joined with spaces
 * (objects as JSON, errors with their stack), secrets redacted.
 */
interface Console {
  /** Logs at debug level. */
  log(...args: unknown[]): void;
  /** Logs at debug level. */
  debug(...args: unknown[]): void;
  /** Logs at info level. */
  info(...args: unknown[]): void;
  /** Logs at warn level. */
  warn(...args: unknown[]): void;
  /** Logs at error level. */
  error(...args: unknown[]): void;
}

/** The host's console: log/debug at debug level, info, warn and error at theirs. */
declare var console: Console;

/**
 * Schedules `fn(...args)` after `ms` milliseconds and returns its id.
 * Timers run only while the host waits for the promise an `async` export
 * returned: a plain (synchronous) export's timers never fire, and timers
 * still pending when the call ends are dropped. A wait beyond the call's
 * deadline ends the call (504).
 * @example
 * const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
 */
declare function setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): number;

/** Cancels a timer that has not fired. */
declare function clearTimeout(id: number | null | undefined): void;

/** Returns the synapse/http module. */
declare function require(name: "synapse/http"): typeof import("synapse/http");
/** Returns the synapse/auth module. */
declare function require(name: "synapse/auth"): typeof import("synapse/auth");
/** Returns the synapse/log module. */
declare function require(name: "synapse/log"): typeof import("synapse/log");
/** Record mapping helpers: see the module. */
declare function require(name: "synapse/records"): typeof import("synapse/records");
/** Returns the synapse/errors module (the same classes as the globals). */
declare function require(name: "synapse/errors"): typeof import("synapse/errors");
/** Returns synapse/test (only in test files run by `synapse-js test`). */
declare function require(name: "synapse/test"): typeof import("synapse/test");
/**
 * In a test file: a file inside the connector's directory. A connector
 * comes back as a `Handle` (its exports called through the engine), JSON
 * parsed, any other module as its exports.
 */
declare function require(name: string): any;

/**
 * What test files (`*.test.js`, `*.test.ts`) require to test a connector,
 * run by `synapse-js test`. Connectors cannot require it.
 */
declare module "synapse/test" {
  import type { Connection } from "synapse/types";

  /** Registers a test. `opts` is a timeout in ms or `{timeout, cassette}` (a cassette file, relative to the test file). */
  export function test(name: string, fn: () => unknown, opts?: number | { timeout?: number; cassette?: string }): void;
  export namespace test {
    /** Registers a test that is reported as skipped and not run. */
    function skip(name: string, fn: () => unknown, opts?: number | { timeout?: number; cassette?: string }): void;
    /** Registers a test; when any test is `only`, the others are skipped. */
    function only(name: string, fn: () => unknown, opts?: number | { timeout?: number; cassette?: string }): void;
  }
  /** The same as `test`. */
  export const it: typeof test;
  /** Groups tests; names join as "group > test". */
  export function describe(name: string, fn: () => void): void;
  export namespace describe {
    function skip(name: string, fn: () => void): void;
    function only(name: string, fn: () => void): void;
  }
  /** Runs before each test of the enclosing describe (or file). */
  export function beforeEach(fn: () => unknown): void;
  /** Runs after each test of the enclosing describe (or file), even a failed one. */
  export function afterEach(fn: () => unknown): void;

  /** The assertions of `expect(value)`. */
  export interface Matchers<R> {
    /** Object.is equality. */
    toBe(expected: unknown): R;
    /** Deep equality (properties that are undefined are ignored). */
    toEqual(expected: unknown): R;
    /** The value has at least these properties, recursively. */
    toMatchObject(expected: object): R;
    /** An array holding the item, or a string holding the substring. */
    toContain(item: unknown): R;
    toHaveLength(n: number): R;
    toBeTruthy(): R;
    toBeFalsy(): R;
    toBeNull(): R;
    toBeUndefined(): R;
    toBeDefined(): R;
    toBeGreaterThan(n: number): R;
    toBeLessThan(n: number): R;
    toMatch(pattern: string | RegExp): R;
    /** The function throws: any error, an instance of a class, or a message containing a string or matching a RegExp. */
    toThrow(expected?: string | RegExp | (new (...args: any[]) => unknown)): R;
  }
  export interface Expect extends Matchers<void> {
    /** The opposite of every matcher. */
    not: Matchers<void>;
    /** The promise's value (await it). */
    resolves: Matchers<Promise<void>> & { not: Matchers<Promise<void>> };
    /** The promise's rejection (await it). */
    rejects: Matchers<Promise<void>> & { not: Matchers<Promise<void>> };
  }
  /** Starts an assertion; a failure reports the file:line of this call. */
  export function expect(value: unknown): Expect;
  /** What a failing matcher throws. */
  export class AssertionError extends Error {
    /** file:line of the failing expect. */
    location: string;
  }
  /** The connection helpers use unless given one: testdata/connection.json beside the test file, with the command line's overrides. */
  export const connection: Connection;

  /** Options of a handle's call. */
  export interface CallOptions {
    /** The connection to call with (default: `connection`). */
    connection?: Connection;
    /** The call's deadline in ms. */
    timeout?: number;
    /** Answer the exact wire body, as a string. */
    wire?: boolean;
  }
  /** A request in short form, as `synapse-js run`'s flags. A `request` key sends that request as is. */
  export interface ShortRequest {
    entity?: string | object;
    entities?: string[];
    since?: string | number;
    until?: string | number;
    limit?: number;
    cursor?: string;
    offset?: number;
    watermark?: object;
    id?: string;
    ids?: string[];
    data?: object | object[];
    request?: unknown;
    [key: string]: unknown;
  }
  /** A connector as `require('./connector.js')` gives it to a test: each export, called through the engine. */
  export interface Handle {
    readonly name: string;
    readonly methods: string[];
    /** synapse_info's checked result. */
    readonly info: any;
    /** Calls a method with a whole request body. */
    call(method: string, request?: unknown, opts?: CallOptions): any;
    [method: string]: any;
  }
}
