// echo.js: a tiny connector used by the engine's tests. It keeps records in
// memory per runtime and answers every method of the contract.
const errors = require('synapse/errors');

const info = {
  name: 'echo',
  category: 'test',
  metadata: { displayName: 'Echo' },
  supportedAuthTypes: [{ authType: 'ApiKey', fields: [{ name: 'token', dataType: 'password', label: 'Token' }] }],
  capabilities: ['create', 'update', 'delete', 'getById', 'getByWatermark', 'search'],
};

module.exports = {
  synapse_info() {
    return info;
  },
  test(connection) {
    if (connection.authConfig.token === 'bad') {
      throw new errors.AuthError('the token was refused');
    }
    return connection;
  },
  describe(req) {
    const names = req.entities && req.entities.length ? req.entities : ['thing'];
    return names.map((n) => ({
      apiName: n,
      displayName: n,
      attributes: [
        { apiName: 'id', displayName: 'Id', dataType: 'string', isIdField: true },
        { apiName: 'updated', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true },
      ],
    }));
  },
  async read(req, ctx) {
    const w = req.watermark;
    const data = [];
    for (let i = 0; i < 3; i++) {
      data.push({ id: String(w.offset + i + 1), name: 'thing', values: { n: i }, lastModified: w.start + i });
    }
    return { data, watermark: Object.assign({}, w, { offset: 0 }), offsetType: 'RECORD_COUNT' };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, values: { id: r.id } }));
  },
  create(req) {
    return req.data.map((r, i) => ({ id: 'new-' + i }));
  },
  update(req) {
    return req.data.map((r) => (r.values.fail ? { id: r.id, errors: ['cannot update ' + r.id] } : { id: r.id }));
  },
  delete(req) {
    return req.data.map((r) => ({ id: r.id, success: true, syncariId: 'explicit' }));
  },
  extract_webhook_identifier(req) {
    return 'hook-' + JSON.parse(req.body).id;
  },
  get_headers(conn) {
    return { 'x-token': conn.authConfig.token || '' };
  },
};
