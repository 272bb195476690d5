// full.js: the differential wire test's connector (host/wire_test.go). It
// returns what an author may return: models with most optional fields left
// out, unknown keys, and the error classes, so the host's answers can be
// held to the goldens in cases.json, written from the SDK's models.
const errors = require('synapse/errors');

function fail(kind) {
  switch (kind) {
    case 'quota': throw new errors.QuotaExceededError('daily budget spent', { retryAfter: 30 });
    case 'notsupported': throw new errors.NotSupportedError('no search on archives', { detail: 'archived entities are read only' });
    case 'notfound': throw new errors.NotFoundError('no such person');
    case 'auth': throw new errors.AuthError('token revoked');
    case 'forbidden': throw new errors.AuthError('not your account', { status: 403 });
    case 'http': throw new errors.HttpError('upstream broke', { status: 502 });
    case 'synapse': throw new errors.SynapseError('bad filter');
    case 'conflict': throw new errors.SynapseError('already exists', { status: 409, detail: 'id 7' });
    case 'plain': throw new TypeError('cannot read x of undefined');
    case 'shape': return { watermark: 'late' };
    case 'loop': for (;;) {}
  }
  return null;
}

module.exports = {
  synapse_info() {
    return {
      name: 'wire',
      metadata: { displayName: 'Wire' },
      supportedAuthTypes: [{ authType: 'Oauth', fields: [{ name: 'clientId', label: 'Client id' }], color: 'dropped' }],
      capabilities: ['search', 'getById'],
      unknownTopLevel: 'dropped',
    };
  },
  test(connection) {
    connection.metaConfig = Object.assign({}, connection.metaConfig, { webhookIdentifier: 'hook-1' });
    return connection;
  },
  describe(req) {
    return req.entities.map((name) => ({
      apiName: name,
      displayName: name.toUpperCase(),
      pluralName: name + 's',
      attributes: [
        { apiName: 'id', displayName: 'Id', isIdField: true, unknownKey: 1 },
        { apiName: 'updated', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true, nillable: false },
        { apiName: 'kind', displayName: 'Kind', dataType: 'picklist', picklist: [{ id: 'a' }, { id: 'b', label: 'B' }], length: 8 },
      ],
    }));
  },
  read(req) {
    const f = fail(req.entity.apiName);
    if (f) return f;
    const w = req.watermark;
    if (req.entity.apiName === 'empty') return { watermark: w, offsetType: 'NONE' };
    return {
      data: [
        { id: '1', name: 'person', values: { n: 1, nested: { a: [1, 'x', null] }, extra: true }, lastModified: 1700000000000 },
        { id: 2, values: {}, deleted: true, createdAt: new Date(1600000000000), unknown: 'dropped' },
      ],
      watermark: Object.assign({}, w, { offset: w.offset + 2, cursor: 'c2' }),
    };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, syncariEntityId: r.syncariEntityId, values: { found: r.id } }));
  },
  create(req) {
    return req.data.map((r, i) => ({ id: 'new-' + i }));
  },
  update(req) {
    return req.data.map((r) => (r.values.bad ? { id: r.id, errors: ['rejected ' + r.id] } : { id: r.id, success: true, syncariId: 'mine' }));
  },
  delete(req) {
    return req.data.map((r) => ({ success: false, errors: [], id: r.id }));
  },
  search(req) {
    fail(req.query);
    return [{ id: 'q1', values: { q: req.query, params: req.params } }];
  },
  extract_webhook_identifier(req) {
    return JSON.parse(req.body).company;
  },
  process_webhook(req) {
    const hook = JSON.parse(req.body);
    return [{ id: String(hook.id), name: 'person', values: hook, deleted: hook.event === 'deleted', lastModified: 5 }];
  },
  get_headers(connection) {
    return { Authorization: 'Bearer ' + connection.authConfig.accessToken, 'X-Region': connection.metaConfig.region };
  },
};
