module.exports = {
  synapse_info() {
    return {
      name: 'badinfo',
      metadata: {},
      supportedAuthTypes: [{ authType: 'ApiToken' }],
    };
  },
  test: (c) => c,
  describe: () => [],
  read: () => ({ data: [], watermark: { start: 0, end: 0 } }),
};
