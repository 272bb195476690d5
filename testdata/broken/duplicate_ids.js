// Pages by offset but returns the last record of each page again on the next one.
// A deliberately broken connector: `synapse-js check` must fail on it
// with a reason that names the problem. Used by internal/cli's tests.
const DAY = 24 * 3600 * 1000;

module.exports = {
  synapse_info() {
    return { name: 'duplicate-ids', metadata: { displayName: 'duplicate_ids' }, supportedAuthTypes: [{ authType: 'None' }], capabilities: ['getById'] };
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
    // Wrong: pages overlap by one record.
    const off = w.offset || 0;
    const data = [];
    for (let i = 0; i < 3; i++) {
      const n = off + i;
      data.push({ id: String(n), values: {}, lastModified: w.end - DAY + n });
    }
    return { data, watermark: Object.assign({}, w, { offset: off >= 4 ? 0 : off + 2 }), offsetType: 'RECORD_COUNT' };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, values: { id: r.id } }));
  },
};
