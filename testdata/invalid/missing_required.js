// Neither test nor describe, and no read or write method.
module.exports = {
  synapse_info() {
    return { name: 'missing', metadata: { displayName: 'Missing' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
};
