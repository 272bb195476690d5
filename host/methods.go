package host

import (
	"encoding/json"
	"sort"
	"strings"
)

// This file is the one table of request types: everything the host, the
// server and the CLI know about a method lives in its row. Adding a request
// type is a change to this file (and, if its result is a new kind, to
// encodeResult).

// RequestForm says what an export receives as req.
type RequestForm int

const (
	// RequestBody is the envelope's body ({} when the platform sent none).
	RequestBody RequestForm = iota
	// RequestConnection is the connection itself (TEST, REFRESH_TOKEN,
	// GET_HEADERS): the platform sends no body for these.
	RequestConnection
	// RequestEmpty is {} whatever was sent (SYNAPSE_INFO).
	RequestEmpty
)

// WireForm says how a result is written on the wire.
type WireForm int

const (
	// WireObject is a JSON object.
	WireObject WireForm = iota
	// WireStringList is a JSON array whose elements are JSON-encoded
	// strings, because the platform reads List<String>.
	WireStringList
	// WireBareString is the string itself, not quoted
	// (EXTRACT_WEBHOOK_IDENTIFIER).
	WireBareString
)

// Requirement says whether a connector must export a method.
type Requirement int

const (
	// Optional exports answer 405 "not supported" when absent.
	Optional Requirement = iota
	// Required exports must exist in every connector.
	Required
	// SourceOrDestination: a connector needs read (a source) or at least
	// one of create/update/delete (a destination).
	SourceOrDestination
)

// resultKind selects how encodeResult checks and writes a result.
type resultKind int

const (
	resultModel   resultKind = iota // one model object (shape from the models)
	resultList                      // a list of a model
	resultResults                   // a list of Results, one per input record
	resultString                    // a string (a webhook identifier)
)

// Method is one request type of the contract.
type Method struct {
	// Export is the connector's export name ("get_by_id").
	Export string
	// Type is the wire request type ("GET_BY_ID").
	Type string
	// Request is what the export receives as req.
	Request RequestForm
	// Body names what the platform always puts in the body for this type;
	// the host checks these before any script runs, and the CLI builds
	// them from flags.
	Body []string
	// Requirement says whether a connector must export it.
	Requirement Requirement
	// Wire is the result's form on the wire.
	Wire WireForm
	// Model is the contract model the result must match ("ReadResponse",
	// "[Schema]", "string").
	Model string
	// Absent is what the platform gets when the connector lacks the export.
	Absent string

	result resultKind
	shape  func(*models) *shape
	// absent, when set, answers in place of a missing export (the SDK's
	// default implementation), from the call's connection (with the newest
	// tokens the host knows) and body; nil answers 405.
	absent func(conn, body json.RawMessage) ([]byte, error)
}

// What the platform gets when a connector lacks an export.
const (
	absentRequired     = "nothing: the connector does not load without it"
	absentSource       = "nothing unless the connector is a destination (create, update or delete); 405 not supported"
	absentDestination  = "405 not supported"
	absentNotSupported = "405 not supported"
	absentAccessToken  = `the SDK's default grant, which the platform posts to the token URL: {"grant_type": "authorization_code", "code", "client_id", "client_secret", "redirect_uri"} (code and redirect_uri from the body, the client from body.authConfig)`
	absentRefreshToken = `the SDK's default grant, which the platform posts to the token URL: {"grant_type": "refresh_token", "refresh_token", "client_id", "client_secret"} from connection.authConfig`
)

// methods in the order error messages list them.
var methods = []Method{
	{Export: "synapse_info", Type: "SYNAPSE_INFO", Request: RequestEmpty, Requirement: Required,
		Absent: absentRequired, Model: "SynapseInfo", result: resultModel, shape: func(m *models) *shape { return m.synapseInfo }},
	{Export: "test", Type: "TEST", Request: RequestConnection, Requirement: Required,
		Absent: absentRequired, Model: "Connection", result: resultModel, shape: func(m *models) *shape { return m.connection }},
	{Export: "refresh_token", Type: "REFRESH_TOKEN", Request: RequestConnection,
		Absent: absentRefreshToken, absent: defaultRefreshToken, Model: "object", result: resultModel, shape: func(m *models) *shape { return m.object }},
	{Export: "get_access_token", Type: "GET_ACCESS_TOKEN",
		Absent: absentAccessToken, absent: defaultAccessToken, Model: "object", result: resultModel, shape: func(m *models) *shape { return m.object }},
	{Export: "describe", Type: "DESCRIBE", Requirement: Required, Wire: WireStringList, Body: []string{"entities"},
		Absent: absentRequired, Model: "[Schema]", result: resultList, shape: func(m *models) *shape { return m.schemaList }},
	{Export: "read", Type: "READ", Requirement: SourceOrDestination, Body: []string{"entity", "watermark"},
		Absent: absentSource, Model: "ReadResponse", result: resultModel, shape: func(m *models) *shape { return m.readResponse }},
	{Export: "get_by_id", Type: "GET_BY_ID", Wire: WireStringList, Body: []string{"entity", "data"},
		Absent: absentNotSupported, Model: "[Record]", result: resultList, shape: func(m *models) *shape { return m.recordList }},
	{Export: "create", Type: "CREATE", Requirement: SourceOrDestination, Wire: WireStringList, Body: []string{"entity", "data"},
		Absent: absentDestination, Model: "[Result]", result: resultResults, shape: func(m *models) *shape { return m.resultList }},
	{Export: "update", Type: "UPDATE", Requirement: SourceOrDestination, Wire: WireStringList, Body: []string{"entity", "data"},
		Absent: absentDestination, Model: "[Result]", result: resultResults, shape: func(m *models) *shape { return m.resultList }},
	{Export: "delete", Type: "DELETE", Requirement: SourceOrDestination, Wire: WireStringList, Body: []string{"entity", "data"},
		Absent: absentDestination, Model: "[Result]", result: resultResults, shape: func(m *models) *shape { return m.resultList }},
	{Export: "extract_webhook_identifier", Type: "EXTRACT_WEBHOOK_IDENTIFIER", Wire: WireBareString,
		Absent: absentNotSupported, Model: "string", result: resultString},
	{Export: "process_webhook", Type: "PROCESS_WEBHOOK", Wire: WireStringList,
		Absent: absentNotSupported, Model: "[Record]", result: resultList, shape: func(m *models) *shape { return m.recordList }},
	{Export: "get_headers", Type: "GET_HEADERS", Request: RequestConnection,
		Absent: absentNotSupported, Model: "{string: string}", result: resultModel, shape: func(m *models) *shape { return m.stringMap }},
	{Export: "search", Type: "SEARCH", Wire: WireStringList,
		Absent: absentNotSupported, Model: "[Record]", result: resultList, shape: func(m *models) *shape { return m.recordList }},
}

// Methods returns the contract's request types, in the wire's order. The
// slice is a copy; its rows are shared read-only.
func Methods() []Method { return append([]Method(nil), methods...) }

// MethodNames lists every export name of the contract, sorted.
func MethodNames() []string {
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = m.Export
	}
	sort.Strings(out)
	return out
}

// TypeNames lists every wire request type, in the wire's order.
func TypeNames() []string {
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = m.Type
	}
	return out
}

// ResolveMethod finds a request type by export name ("get_by_id") or wire
// type, in any case ("GET_BY_ID", "get-by-id" is not accepted).
func ResolveMethod(name string) (*Method, bool) {
	for i := range methods {
		if methods[i].Export == name || methods[i].Type == name {
			return &methods[i], true
		}
	}
	up := strings.ToUpper(name)
	for i := range methods {
		if methods[i].Type == up {
			return &methods[i], true
		}
	}
	return nil, false
}

// methodByType finds a row by its exact wire type.
func methodByType(typ string) (*Method, bool) {
	for i := range methods {
		if methods[i].Type == typ {
			return &methods[i], true
		}
	}
	return nil, false
}

// methodByExport finds a row by its exact export name.
func methodByExport(name string) (*Method, bool) {
	for i := range methods {
		if methods[i].Export == name {
			return &methods[i], true
		}
	}
	return nil, false
}

// JSONContentType is the Content-Type of every JSON answer: the body is
// UTF-8, and saying so keeps clients from guessing another charset.
const JSONContentType = "application/json; charset=utf-8"

// ContentType is the Content-Type of a successful wire answer.
func (m *Method) ContentType() string {
	if m.Wire == WireBareString {
		return "text/plain; charset=utf-8"
	}
	return JSONContentType
}

// returnsConnection reports whether the result is a Connection, which
// the platform stores.
func (m *Method) returnsConnection() bool { return m.Model == "Connection" }

// checkBody checks what the platform always sends for a type, so a
// malformed request is a clear 400 before any script runs. It returns the
// problem with its path below body, or "".
func (m *Method) checkBody(body json.RawMessage) string {
	if m.Type != "READ" {
		return ""
	}
	if msg, ok := checkReadBodyFast(body); ok {
		return msg
	}
	return checkReadBodySlow(body)
}

// checkReadBodySlow is checkBody for READ with encoding/json, which words
// its errors.
func checkReadBodySlow(body json.RawMessage) string {
	var b struct {
		Entity    json.RawMessage `json:"entity"`
		Watermark *struct {
			Start *json.Number `json:"start"`
			End   *json.Number `json:"end"`
		} `json:"watermark"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return "watermark: " + err.Error()
	}
	if b.Watermark == nil {
		return "watermark: required for READ"
	}
	if b.Watermark.Start == nil || b.Watermark.End == nil {
		return "watermark: start and end (epoch ms) are required"
	}
	if !isObject(b.Entity) {
		return "entity: want a Schema object, got " + jsonKind(b.Entity)
	}
	return ""
}
