module.exports = {
  synapseInfo() {
    return { name: 'typos', metadata: { displayName: 'Typos' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  synapse_info() {
    return { name: 'typos', metadata: { displayName: 'Typos' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  test: (c) => c,
  describe: () => [],
  read: () => ({ data: [], watermark: { start: 0, end: 0 } }),
  get_byid: () => [],
  helperThing: () => 1,
};
