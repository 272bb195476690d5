// Package pipedrive is a faithful local fake of Pipedrive's REST API (as of
// 2026), so the reference connector scripts/pipedrive.js can be developed,
// tested, demoed and benchmarked without a Pipedrive account. It serves
// realistic, seed-deterministic data over plain HTTP on loopback.
//
//	s := pipedrive.New(pipedrive.Options{Records: 50000})
//	srv := httptest.NewServer(s.Handler())
//	// or: base, stop, err := pipedrive.Serve(ctx, "127.0.0.1:0", opts)
//
// # Data
//
// Everything derives from Options.Seed and the creation time (Now() at New):
// the same seed, record count and creation time give byte-identical bodies.
// Options.Records (default 200) is the number of live persons; there are
// Records/4 organizations, Records/2 deals, Records activities, Records/10
// products (each at least 1) and 5 + Records/1000 users. About 4% more
// records of each v2 entity exist soft-deleted. Ids follow add_time order;
// add_time <= update_time; both lie in the 365 days before creation, skewed
// towards the recent past (roughly a quarter of the records were updated in
// the last 30 days), and many records share a second (bulk edits), so ties
// on update_time are exercised. Names, e-mails, phones, addresses, deal
// values and currencies, and custom field values are realistic and
// UTF-8-rich.
//
// # Authentication
//
// Every /api and /v1 route takes, in this order of precedence, the
// x-api-token header, Authorization: Bearer <access token issued by
// /oauth/token>, or ?api_token=. A missing or wrong token gets 401
// {"success":false,"error":"unauthorized access","errorCode":401,"error_info":...};
// an unknown or expired access token gets 401 "Invalid token: access token
// is invalid". Scopes are not enforced. Both the API token and OAuth tokens
// act as user 1.
//
// # v2 endpoints (under /api/v2 only)
//
//	GET    /api/v2/{persons,organizations,deals,activities,products}
//	GET    /api/v2/{...}/{id}
//	POST   /api/v2/{...}             200 (products 201)
//	PATCH  /api/v2/{...}/{id}        partial update
//	DELETE /api/v2/{...}/{id}        soft delete: {"success":true,"data":{"id":N}}
//	GET    /api/v2/{persons,organizations,deals,products}/search
//	GET    /api/v2/{person,organization,deal,activity,product}Fields[/{field_code}]
//	GET    /api/v2/deals/archived    archived deals (which /api/v2/deals leaves out)
//	GET, POST /api/v2/{pipelines,stages}; GET, PATCH, DELETE .../{id}
//	GET    /api/v2/deals/products?deal_ids=1,2   the products attached to deals
//	GET, POST /api/v2/deals/{id}/products; PATCH, DELETE .../products/{attachment id}
//
// Lists answer {"success":true,"data":[...],"additional_data":{"next_cursor":...}}.
// next_cursor is null on the last page; otherwise it is unpadded base64url
// JSON of the page's last position, e.g.
// {"field":"update_time","fieldValue":"2025-06-01T10:20:00Z","sortDirection":"asc","id":7};
// the next page starts strictly after it, and the cursor's sort wins over
// sort_by. limit defaults to 100 and may be 1..500 (more is a 400).
// sort_by is id (default), update_time or add_time (activities also
// due_date; products id, name, add_time, update_time); sort_direction asc
// (default) or desc; ties are broken by id in the same direction.
// updated_since (>=) and updated_until (<) take RFC 3339 (anything else is a
// 400) on all five entities (products too: Pipedrive supports it there,
// though older copies of its OpenAPI file leave it out). Also ids (<= 100),
// owner_id, persons' org_id, deals' person_id/org_id/pipeline_id/stage_id/
// status and activities' deal_id/person_id/org_id/done. Deals' status=deleted
// lists the deals deleted in the last 30 days (is_deleted:true,
// status "deleted"); archived deals are only in /api/v2/deals/archived.
// include_fields takes the values Pipedrive's definition lists for each
// entity (anything else is a 400) and adds those fields to each record:
// deal, activity and people counts are counted from the data, attendees
// come from an activity's participants, the rest answer 0 or null. The
// custom_fields selector is accepted and ignored.
//
// Records have the v2 shapes (RFC 3339 times at 1-second precision, custom
// fields in custom_fields keyed by 40-hex hashes, monetary values as
// {"value":2300,"currency":"EUR"}, sets as arrays of option ids). Soft-deleted
// records are left out of lists, and GET, PATCH and DELETE of one answer
// 404 "<Entity> not found" in the generic error envelope
// {"success":false,"error":...,"error_info":...,"data":null,"additional_data":null}.
//
// Writes validate the required field (person/organization/product name,
// deal title, activity subject), types (v2 is strict: no "1" for 1 or 1 for
// true), option ids, owner ids and custom field values (by field type; a set
// cannot be cleared with [], use null), answering 400 in the generic envelope.
// Unknown and read-only body keys (id, add_time, update_time, is_deleted)
// are ignored. A write sets update_time to the sandbox clock, but never
// below the entity's newest update_time, so an incremental read from the
// last bookmark always sees it; creates get ids above the maximum. Setting
// a person's name splits it into first_name/last_name and vice versa; deal
// status and stage changes and activity done set their timestamps.
//
// Search needs term (>= 2 characters, 1 with exact_match=true) and takes
// fields, exact_match, limit and cursor; it answers
// {"success":true,"data":{"items":[{"result_score":..,"item":{..}}]},"additional_data":{"next_cursor":..}}.
//
// # v1 endpoints (under /v1 and /api/v1)
//
//	GET /v1/users                  all users, no paging parameters
//	GET /v1/users/{id}, /v1/users/me (the token's user, with company fields)
//	POST /v1/users                 200 (as Pipedrive's definition says); email required
//	PUT /v1/users/{id}             changes only active_flag (others ignored)
//	GET /v1/{person,...}Fields[/{id}]   start/limit paged
//	GET /v1/{persons,...}[/{id}]        deprecated v1 lists, read-only, start/limit paged
//
// Users have no DELETE (405). v1 times are "YYYY-MM-DD HH:MM:SS". The v1 and
// v2 *Fields endpoints are rendered from one registry per entity: built-in
// fields with readable keys and custom fields whose keys are
// sha1("pipedrive-sandbox:<entity>:<name>"), the same for every seed.
//
// # OAuth
//
//	POST /oauth/token      Basic client auth (or client_id/client_secret in
//	                       the form), form body only; grant_type
//	                       authorization_code (any code but "bad-code") or
//	                       refresh_token (single use: it rotates, a reused one
//	                       gets 400 "Invalid grant: refresh_token is invalid")
//	GET  /oauth/authorize  approves at once: 302 to redirect_uri?code=..&state=..
//
// Tokens answer {"access_token","token_type":"Bearer","expires_in":3599,
// "refresh_token","scope":"base","api_domain":"http://<sandbox host>"}.
// Access tokens expire after 3599 s of the sandbox clock, or at once with
// ExpireAccessTokens (or POST /_sandbox/expire-tokens). IssueOAuthTokens
// mints a pair without HTTP.
//
// # Headers and rate limits
//
// API responses carry content-type application/json, x-correlation-id,
// x-ratelimit-limit (120 per 2 s for API tokens, 480 for OAuth),
// x-ratelimit-remaining (counted per token, never below 1), x-ratelimit-reset,
// x-daily-ratelimit-token-limit and x-daily-ratelimit-token-remaining. The
// daily budget (30,000 x 5 x max(users, 10)) is spent by each call's v2 token
// cost (list 10, get 1, create 5, update 5, delete 3, search 20; v1 calls
// about twice that) and renews at UTC midnight; it never runs out by itself.
//
// # Faults
//
// SetFault, or POST /_sandbox/fault with
// {"mode":"burst429","count":1,"retryAfter":2,"delayMs":0,"paths":""},
// makes the next Count requests (0: until cleared) whose path starts with
// Paths fail:
//
//	none          off
//	burst429      429 {"success":false,"error":"Request over limit","errorCode":429},
//	              Retry-After and x-ratelimit-reset = retryAfter (default 2),
//	              x-ratelimit-remaining 0
//	daily_budget  429 with x-daily-ratelimit-token-remaining 0
//	500, 503      the generic error envelope
//	slow          waits delayMs (stops early if the client goes away), then
//	              serves normally
//	html403       Cloudflare's "Sorry, you have been blocked" HTML page,
//	              content-type text/html, no Pipedrive headers
//
// Faults apply before authentication and to /oauth too, never to /_sandbox.
//
// # Admin endpoints (no auth)
//
//	GET|POST /_sandbox/fault       show / set the fault
//	GET      /_sandbox/stats       {"total","by_prefix","by_status","faults_injected"}
//	POST     /_sandbox/expire-tokens
//
// # Speed
//
// Each entity keeps its live records sorted by every allowed sort key, and a
// page is found by binary search, so deep pages cost no more than the first.
// Records are immutable; a write replaces one, and each record's v2 JSON is
// rendered once and cached, so a list page is a concatenation of
// pre-rendered bytes. BenchmarkListPersons500 measures the ceiling.
//
// # The smaller entities (objects.go)
//
//	GET, POST /v1/notes; GET, PUT, DELETE /v1/notes/{id}    start/limit, sort, updated_since,
//	                                                        deal_id, person_id, org_id, user_id, lead_id
//	GET, POST /v1/leads; GET, PATCH, DELETE /v1/leads/{uuid}   start/limit, sort, updated_since,
//	                                                        owner_id, person_id, organization_id
//	GET /v1/leads/archived                                   the archived leads (/v1/leads leaves them out)
//	GET /v1/activityTypes, GET /v1/currencies[?term=]        everything at once
//	GET /v1/files, GET /v1/files/{id}                        start/limit, sort (no time filter)
//	GET, POST /v1/filters[?type=]; GET, PUT, DELETE /v1/filters/{id}   everything at once
//	GET /v1/noteFields, GET /v1/leadFields                  start/limit; leadFields ends with the
//	                                                        deals' custom fields, which leads carry
//
// Records have exactly the keys of Pipedrive's definitions for them (v1
// times "YYYY-MM-DD HH:MM:SS", leads' "2006-01-02T15:04:05.000Z"). v1 sort
// is "field ASC|DESC" (the first field counts; ties go by id). Leads answer
// {start, limit, more_items_in_collection} right in additional_data. Writes
// validate types, the required fields and references (a note needs a deal,
// person, organization or lead; a stage an existing pipeline; a deal
// product an existing product, item_price and quantity, and gets its sum);
// deletes of notes answer data:true, the others {"id": ...}. Pipelines,
// stages, activity types and filters are fixed sets; notes number
// Records/2, leads Records/4 (about 10% archived), files Records/5, and
// about 40% of deals carry one to three products. Each of these draws from
// its own random stream.
//
// Every served endpoint's answer is checked against Pipedrive's OpenAPI
// definitions (testdata/pipedrive-openapi) by TestSandboxMatchesOpenAPI.
//
// Not served: /v1/recents, webhooks, field writes, v1 entity writes (the
// deprecated /v1/persons and friends are read-only), file uploads and
// downloads, activity type writes, OAuth revoke. Deals are checked against
// the stages served (created ones included), activities against the active
// activity types.
package pipedrive
