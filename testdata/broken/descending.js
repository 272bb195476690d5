// Returns records newest first: the platform's next window would skip what lies between.
// A deliberately broken connector: `synapse-js check` must fail on it
// with a reason that names the problem. Used by internal/cli's tests.
const DAY = 24 * 3600 * 1000;

module.exports = {
  synapse_info() {
    return { name: 'descending', metadata: { displayName: 'descending' }, supportedAuthTypes: [{ authType: 'None' }], capabilities: ['getById'] };
  },
  test(connection) {
    return connection;
  },
  describe(req) {
    const names = req.entities && req.entities.length ? req.entities : ['thing'];
    return names.map((n) => ({
      apiName: n,
      displayName: n,
      attributes: [
        { apiName: 'id', displayName: 'Id', isIdField: true },
        { apiName: 'updated', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true },
      ],
    }));
  },
  read(req) {
    const w = req.watermark;
    // Wrong: newest first.
    const data = [];
    for (let i = 0; i < 5; i++) {
      data.push({ id: String(i + 1), values: {}, lastModified: w.end - i * 1000 });
    }
    return { data, watermark: Object.assign({}, w, { offset: 0 }), offsetType: 'RECORD_COUNT' };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, values: { id: r.id } }));
  },
};
