// hello.js
const http = require('synapse/http');
const auth = require('synapse/auth');

module.exports = {
  synapse_info: () => ({
    name: 'hello',
    metadata: { displayName: 'Hello' },
    supportedAuthTypes: [{ authType: 'ApiKey' }],
  }),
  test: (connection) => connection,
  describe: () => [{ apiName: 'item', displayName: 'Item', attributes: [
    { apiName: 'id', displayName: 'Id', isIdField: true },
    { apiName: 'updated_at', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true },
  ] }],
  async read(req, ctx) {
    const api = http.client({ baseUrl: ctx.connection.authConfig.endpoint, auth: auth.fromConnection(ctx.connection) });
    const w = req.watermark;
    const page = api.get('/items', { query: { updated_since: w.start, updated_until: w.end, cursor: w.cursor } }).json();
    return {
      data: page.data.map((it) => ({ id: it.id, values: it, lastModified: Date.parse(it.updated_at) })),
      watermark: { ...w, cursor: page.next_cursor },
      offsetType: 'CUSTOM',
    };
  },
};
