// Returns the same offset on every page: the platform would read forever.
// A deliberately broken connector: `synapse-js check` must fail on it
// with a reason that names the problem. Used by internal/cli's tests.
const DAY = 24 * 3600 * 1000;

module.exports = {
  synapse_info() {
    return { name: 'repeat-offset', metadata: { displayName: 'repeat_offset' }, supportedAuthTypes: [{ authType: 'None' }], capabilities: ['getById'] };
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
    // Wrong: the offset never moves past 3.
    const data = [];
    for (let i = 0; i < 3; i++) {
      const n = (w.offset || 0) + i;
      data.push({ id: String(n), values: {}, lastModified: w.end - DAY + n });
    }
    return { data, watermark: Object.assign({}, w, { offset: 3 }), offsetType: 'RECORD_COUNT' };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, values: { id: r.id } }));
  },
};
