module.exports = {
  synapse_info() {
    return { name: 'notfn', metadata: { displayName: 'Not fn' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  test: (c) => c,
  describe: () => [],
  read: 42,
  create: () => [],
};
