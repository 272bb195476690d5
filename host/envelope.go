package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// Envelope is the platform's request: {type, connection, body, host,
// syncariId, requestId}.
type Envelope struct {
	// Type is the wire's "type", the request type (READ, DESCRIBE, ...):
	// it picks the export to call.
	Type string `json:"type"`
	// Connection is the wire's "connection", kept raw: the script gets all
	// of it as ctx.connection.
	Connection json.RawMessage `json:"connection"`
	// Body is the wire's "body", the request, kept raw until the call parses
	// it (absent or null: {}).
	Body json.RawMessage `json:"body"`
	// Host is the wire's optional "host" (nil when absent or null), passed on
	// as ctx.host.
	Host *string `json:"host"`
	// SyncariID is the wire's optional "syncariId", passed on as
	// ctx.syncariId.
	SyncariID *string `json:"syncariId"`
	// RequestID is the wire's optional "requestId", passed on as
	// ctx.requestId.
	RequestID *string `json:"requestId"`
}

func isAbsent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// describeJSONError says where a JSON document is malformed.
func describeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte offset %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: want %s, got a JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// ParseEnvelope decodes the platform's envelope; a document that is not one
// answers the wire's malformed-envelope error, saying where.
func ParseEnvelope(b []byte) (*Envelope, *CallError) {
	if env, ok := scanEnvelope(b); ok {
		return env, nil
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, malformed(describeJSONError(err))
	}
	return &env, nil
}

// scanEnvelope is ParseEnvelope's fast path, with jsjson's scanner (a sixth
// of a trivial call went to encoding/json here). It gives up (ok false) on
// anything that is not a plain envelope, whose decoding or error message
// encoding/json then gives: malformed JSON, a field of the wrong type, a
// key that matches a field only case-insensitively.
func scanEnvelope(b []byte) (env *Envelope, ok bool) {
	env = &Envelope{}
	ok = true
	optString := func(val []byte) *string {
		if string(val) == "null" {
			return nil
		}
		s, isStr := jsjson.StringValue(val)
		if !isStr {
			ok = false
		}
		return &s
	}
	isObj, err := jsjson.ObjectMembers(b, func(key, val []byte) {
		switch string(key) {
		case "type":
			if string(val) == "null" {
				return // encoding/json leaves the field as it was
			}
			s, isStr := jsjson.StringValue(val)
			if !isStr {
				ok = false
			}
			env.Type = s
		case "connection":
			env.Connection = json.RawMessage(bytes.Clone(val))
		case "body":
			env.Body = json.RawMessage(bytes.Clone(val))
		case "host":
			env.Host = optString(val)
		case "syncariId":
			env.SyncariID = optString(val)
		case "requestId":
			env.RequestID = optString(val)
		default:
			for _, f := range [...]string{"type", "connection", "body", "host", "syncariId", "requestId"} {
				if strings.EqualFold(string(key), f) {
					ok = false
				}
			}
		}
	})
	if err != nil || !isObj || !ok {
		return nil, false
	}
	return env, true
}

// check validates the envelope against its request type's row and
// returns the row.
func (env *Envelope) check() (*Method, *CallError) {
	if env.Type == "" {
		return nil, malformed("type is required (one of " + strings.Join(TypeNames(), ", ") + ")")
	}
	m, ok := methodByType(env.Type)
	if !ok {
		return nil, malformed(fmt.Sprintf("type %q is not a request type (want one of %s)", env.Type, strings.Join(TypeNames(), ", ")))
	}
	if !isObject(env.Connection) && !(m.Request == RequestEmpty && isAbsent(env.Connection)) {
		return nil, malformed("connection: want an object, got " + jsonKind(env.Connection))
	}
	if !isAbsent(env.Body) && !isObject(env.Body) {
		return nil, malformed("body: want an object, got " + jsonKind(env.Body))
	}
	return m, nil
}

// malformed is the wire's answer to an envelope the host cannot run.
func malformed(detail string) *CallError {
	return &CallError{Status: 400, Message: "malformed envelope", Detail: &detail}
}

// notSupported is the answer for an export the connector lacks.
func notSupported(m *Method, file string) *CallError {
	return &CallError{Status: 405, Message: fmt.Sprintf("Operation %s is not supported", m.Type),
		Detail: ptr(fmt.Sprintf("%s does not export %s", file, m.Export))}
}
