// minimal.js: a source with no optional exports, for the differential wire
// test's answers to what a connector lacks (host/wire_test.go).
module.exports = {
  synapse_info() { return { name: 'minimal', metadata: { displayName: 'Minimal' }, supportedAuthTypes: [{ authType: 'None' }] }; },
  test(c) { return c; },
  describe() { return []; },
  read(req) { return { data: [], watermark: req.watermark }; },
};
