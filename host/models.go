package host

import "github.com/synapsejs/synapse-js/internal/jsjson"

// The models of the contract (section 4), as shapes the result encoder checks
// while it writes JSON. Field names, their order and their defaults are the
// Python SDK's: the encoder writes every field of a model, in this order,
// with the default below for a field the author left out (or set to null),
// so the platform reads what a pydantic model would have sent. Unknown keys
// are dropped, as pydantic does, except where the model allows extra keys
// (Connection, written after its fields) or is a free map (values,
// metaConfig).

type shapeKind int

const (
	kAny       shapeKind = iota // any JSON value
	kString                     // a string; numbers are turned into strings, as pydantic does
	kInt                        // an integer; a Date becomes epoch ms
	kNumber                     // any number
	kBool                       // a boolean
	kObject                     // any object
	kStruct                     // an object with known fields
	kArray                      // an array of elem
	kEnum                       // one of enum
	kStringMap                  // an object whose values are strings
)

type shape struct {
	kind   shapeKind
	name   string // model name for messages
	fields []field
	index  map[string]int
	elem   *shape
	enum   []string
	extra  bool // keep unknown keys
}

type field struct {
	name     string
	shape    *shape
	required bool
	// key is `"name":`, written before the value.
	key []byte
	// def is the JSON written when the author leaves the field out or sets
	// it to null: the SDK's default, null for an optional field.
	def []byte
	// fill, when set, derives the value the author left out from the rest
	// of the result and the request (the host's fills of a Result).
	fill fillKind
}

// fillKind names a value the host derives for a field left out.
type fillKind int

const (
	fillNone fillKind = iota
	// fillSuccess: true when the object's errors are empty or missing.
	fillSuccess
	// fillInputID: the input record's syncariEntityId, read before the
	// script ran (a Result's syncariId).
	fillInputID
)

func str() *shape             { return &shape{kind: kString} }
func integer() *shape         { return &shape{kind: kInt} }
func number() *shape          { return &shape{kind: kNumber} }
func boolean() *shape         { return &shape{kind: kBool} }
func anyValue() *shape        { return &shape{kind: kAny} }
func object() *shape          { return &shape{kind: kObject} }
func stringMap() *shape       { return &shape{kind: kStringMap} }
func arrayOf(e *shape) *shape { return &shape{kind: kArray, elem: e} }
func enum(name string, values ...string) *shape {
	return &shape{kind: kEnum, name: name, enum: values}
}

// req is a required field: leaving it out is an error.
func req(name string, s *shape) field { return field{name: name, shape: s, required: true} }

// opt is an optional field, null by default.
func opt(name string, s *shape) field { return field{name: name, shape: s, def: []byte("null")} }

// def is a field with the SDK's default, raw JSON.
func def(name string, s *shape, raw string) field {
	return field{name: name, shape: s, def: []byte(raw)}
}

// filled is a field the host derives when it is left out (raw when the
// derivation has nothing to go on).
func filled(name string, s *shape, fill fillKind, raw string) field {
	return field{name: name, shape: s, def: []byte(raw), fill: fill}
}

func model(name string, extra bool, fields ...field) *shape {
	s := &shape{kind: kStruct, name: name, fields: fields, extra: extra, index: make(map[string]int, len(fields))}
	for i, f := range fields {
		s.index[f.name] = i
		s.fields[i].key = append(jsonString(f.name), ':')
	}
	return s
}

// models holds the shapes; built once per Engine (no package state).
type models struct {
	synapseInfo, connection, schemaList, readResponse, recordList, resultList *shape
	object, stringMap, str                                                    *shape
}

func newModels() *models {
	dataType := enum("DataType", "boolean", "decimal", "double", "reference", "picklist", "string", "datetime", "timestamp", "integer", "date", "object", "child", "password", "complex")
	authType := enum("AuthType", "UserPasswordToken", "UserPassword", "ApiKey", "Oauth", "SimpleOAuth", "None")
	capability := enum("Capabilities", "create", "update", "delete", "search", "getById", "getByWatermark", "noWatermark", "compositeId", "schemaEditInSyncari", "userEditableId", "userEditableWm", "schemaCreateField")
	status := enum("Status", "ACTIVE", "INACTIVE", "DELETED", "PENDING")
	offsetType := enum("OffsetType", "NONE", "PAGE_NUMBER", "RECORD_COUNT", "TIMESTAMP", "CUSTOM")

	authField := model("AuthField", false,
		req("name", str()), def("dataType", dataType, `"string"`), opt("label", str()),
		def("required", boolean(), "true"), opt("defaultValue", anyValue()), opt("description", str()))
	authMetadata := model("AuthMetadata", false,
		req("authType", authType), opt("fields", arrayOf(authField)), opt("label", str()))
	uiMetadata := model("UIMetadata", false,
		req("displayName", str()), opt("iconPath", str()), opt("backgroundColor", str()), opt("helpUrl", str()))
	synapseInfo := model("SynapseInfo", false,
		req("name", str()), opt("category", str()), req("metadata", uiMetadata),
		req("supportedAuthTypes", arrayOf(authMetadata)), opt("configuredFields", arrayOf(authField)),
		opt("disabledMessage", str()), opt("oauthInfo", stringMap()), opt("apiMaxCrudSize", integer()),
		opt("capabilities", arrayOf(capability)))

	// AuthConfig keeps no unknown keys (the SDK's model has none); the host's
	// own expiresAt is written in the plain API's connection, not here.
	authConfig := model("AuthConfig", false,
		opt("endpoint", str()), opt("userName", str()), opt("password", str()), opt("clientId", str()),
		opt("clientSecret", str()), opt("redirectUri", str()), opt("token", str()), opt("accessToken", str()),
		opt("refreshToken", str()), opt("expiresIn", str()), opt("lastRefreshed", anyValue()),
		opt("additionalHeaders", stringMap()))
	connection := model("Connection", true,
		req("name", str()), req("authConfig", authConfig), opt("idFieldName", str()),
		opt("watermarkFieldName", str()), opt("createdAtFieldName", str()), opt("updatedAtFieldName", str()),
		opt("oAuthRedirectUrl", str()), opt("metaConfig", object()))

	picklist := model("Picklist", false, req("id", str()), opt("label", str()))
	attribute := model("Attribute", false,
		opt("id", str()), req("apiName", str()), req("displayName", str()), def("dataType", dataType, `"string"`),
		def("custom", boolean(), "false"), opt("defaultValue", anyValue()), def("nillable", boolean(), "true"),
		def("initializable", boolean(), "true"), def("updateable", boolean(), "true"), def("createOnly", boolean(), "false"),
		def("calculated", boolean(), "false"), def("unique", boolean(), "false"), opt("length", integer()),
		opt("precision", integer()), opt("scale", integer()), def("status", status, `"ACTIVE"`),
		opt("referenceTo", str()), opt("referenceTargetField", str()), opt("referenceToPluralName", str()),
		def("isSystem", boolean(), "false"), def("isIdField", boolean(), "false"), opt("compositeKey", anyValue()),
		def("isWatermarkField", boolean(), "false"), def("isCreatedAtField", boolean(), "false"),
		def("isUpdatedAtField", boolean(), "false"), def("isMultiValueField", boolean(), "false"),
		def("isSyncariDefined", boolean(), "false"), opt("parentAttributeId", str()),
		opt("externalId", str()), opt("entityId", str()), opt("picklistValues", arrayOf(str())),
		opt("picklist", arrayOf(picklist)))
	schema := model("Schema", false,
		opt("id", str()), req("apiName", str()), req("displayName", str()), opt("pluralName", str()),
		opt("description", str()), def("custom", boolean(), "false"), def("readOnly", boolean(), "false"),
		opt("version", integer()), def("child", boolean(), "false"), req("attributes", arrayOf(attribute)))

	record := model("Record", false,
		opt("name", str()), opt("id", str()), opt("syncariEntityId", str()), def("deleted", boolean(), "false"),
		req("values", object()), opt("lastModified", integer()), opt("createdAt", integer()))
	// The host's fills (contract section 3): errors [] (never null), success
	// true unless there are errors, syncariId from the input record.
	result := model("Result", false,
		filled("success", boolean(), fillSuccess, "true"), def("errors", arrayOf(str()), "[]"),
		opt("id", str()), filled("syncariId", str(), fillInputID, "null"))
	watermark := model("Watermark", false,
		req("start", integer()), req("end", integer()), opt("offset", integer()), opt("limit", integer()),
		opt("cursor", str()), def("isResync", boolean(), "false"), def("isTest", boolean(), "false"),
		def("initial", boolean(), "false"))
	readResponse := model("ReadResponse", false,
		opt("data", arrayOf(record)), req("watermark", watermark), def("offsetType", offsetType, `"RECORD_COUNT"`))

	return &models{
		synapseInfo:  synapseInfo,
		connection:   connection,
		schemaList:   arrayOf(schema),
		readResponse: readResponse,
		recordList:   arrayOf(record),
		resultList:   arrayOf(result),
		object:       object(),
		stringMap:    stringMap(),
		str:          str(),
	}
}

// jsonString is s as a JSON string.
func jsonString(s string) []byte { return jsjson.AppendString(nil, s) }
