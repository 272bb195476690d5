package host

// The models of the contract (section 4), as shapes the result encoder checks
// while it writes JSON. Field names are the Python SDK's. Unknown keys are
// dropped, as pydantic does, except where the model allows extra keys
// (Connection, AuthConfig) or is a free map (values, metaConfig).

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
}

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

func req(name string, s *shape) field { return field{name: name, shape: s, required: true} }
func opt(name string, s *shape) field { return field{name: name, shape: s} }

func model(name string, extra bool, fields ...field) *shape {
	s := &shape{kind: kStruct, name: name, fields: fields, extra: extra, index: make(map[string]int, len(fields))}
	for i, f := range fields {
		s.index[f.name] = i
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
		req("name", str()), opt("dataType", dataType), opt("label", str()), opt("required", boolean()),
		opt("defaultValue", anyValue()), opt("description", str()))
	authMetadata := model("AuthMetadata", false,
		req("authType", authType), opt("fields", arrayOf(authField)), opt("label", str()))
	uiMetadata := model("UIMetadata", false,
		req("displayName", str()), opt("iconPath", str()), opt("backgroundColor", str()), opt("helpUrl", str()))
	synapseInfo := model("SynapseInfo", false,
		req("name", str()), opt("category", str()), req("metadata", uiMetadata),
		req("supportedAuthTypes", arrayOf(authMetadata)), opt("configuredFields", arrayOf(authField)),
		opt("disabledMessage", str()), opt("oauthInfo", stringMap()), opt("apiMaxCrudSize", integer()),
		opt("capabilities", arrayOf(capability)))

	authConfig := model("AuthConfig", true,
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
		opt("id", str()), req("apiName", str()), req("displayName", str()), opt("dataType", dataType),
		opt("custom", boolean()), opt("defaultValue", anyValue()), opt("nillable", boolean()),
		opt("initializable", boolean()), opt("updateable", boolean()), opt("createOnly", boolean()),
		opt("calculated", boolean()), opt("unique", boolean()), opt("length", integer()),
		opt("precision", integer()), opt("scale", integer()), opt("status", status),
		opt("referenceTo", str()), opt("referenceTargetField", str()), opt("referenceToPluralName", str()),
		opt("isSystem", boolean()), opt("isIdField", boolean()), opt("compositeKey", anyValue()),
		opt("isWatermarkField", boolean()), opt("isCreatedAtField", boolean()), opt("isUpdatedAtField", boolean()),
		opt("isMultiValueField", boolean()), opt("isSyncariDefined", boolean()), opt("parentAttributeId", str()),
		opt("externalId", str()), opt("entityId", str()), opt("picklistValues", arrayOf(str())),
		opt("picklist", arrayOf(picklist)))
	schema := model("Schema", false,
		opt("id", str()), req("apiName", str()), req("displayName", str()), opt("pluralName", str()),
		opt("description", str()), opt("custom", boolean()), opt("readOnly", boolean()), opt("version", integer()),
		opt("child", boolean()), req("attributes", arrayOf(attribute)))

	record := model("Record", false,
		opt("name", str()), opt("id", str()), opt("syncariEntityId", str()), opt("deleted", boolean()),
		req("values", object()), opt("lastModified", integer()), opt("createdAt", integer()))
	result := model("Result", false,
		opt("success", boolean()), opt("errors", arrayOf(str())), opt("id", str()), opt("syncariId", str()))
	watermark := model("Watermark", false,
		req("start", integer()), req("end", integer()), opt("offset", integer()), opt("limit", integer()),
		opt("cursor", str()), opt("isResync", boolean()), opt("isTest", boolean()), opt("initial", boolean()))
	readResponse := model("ReadResponse", false,
		opt("data", arrayOf(record)), req("watermark", watermark), opt("offsetType", offsetType))

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
