-- The connector store shared by several synapse-js hosts.

-- One row per serving name: the version that serves and the number the
-- next upload gets. Uploads lock this row, so versions are numbered one at
-- a time even when several hosts upload the same name at once.
CREATE TABLE synapse_js_connectors (
    name            text PRIMARY KEY,
    current_version integer NOT NULL,
    next_version    integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Every stored version of every connector.
CREATE TABLE synapse_js_versions (
    name     text NOT NULL REFERENCES synapse_js_connectors (name) ON DELETE CASCADE,
    version  integer NOT NULL CHECK (version > 0),
    source   bytea NOT NULL,
    sha256   text NOT NULL CHECK (length(sha256) = 64),
    size     bigint NOT NULL,
    lang     text NOT NULL CHECK (lang IN ('js', 'ts')),
    uploaded timestamptz NOT NULL,
    uploader text NOT NULL DEFAULT '',
    methods  text[] NOT NULL DEFAULT '{}',
    -- json, not jsonb: synapse_info is kept exactly as the connector wrote it.
    info     json,
    PRIMARY KEY (name, version)
);

-- Rotated OAuth tokens per serving name and connection name, sealed with
-- AES-256-GCM under SYNAPSE_JS_TOKEN_KEY: a 12-byte nonce, then the
-- ciphertext and tag of the JSON {retired, newest}.
CREATE TABLE synapse_js_tokens (
    serving_name text NOT NULL,
    connection   text NOT NULL,
    sealed       bytea NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (serving_name, connection)
);
