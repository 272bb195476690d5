module.exports = {
  synapse_info() {
    const cfg = undefined;
    return cfg.name;
  },
  test: (c) => c,
  describe: () => [],
  read: () => ({ data: [], watermark: { start: 0, end: 0 } }),
};
