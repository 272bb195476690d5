module.exports = {
  synapse_info() {
    return { name: 'broken' ;
  },
};
