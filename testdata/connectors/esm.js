// An ES module connector: esbuild turns it into CommonJS at load.
const info = { name: 'esm', metadata: { displayName: 'ESM' }, supportedAuthTypes: [{ authType: 'None' }] };

export function synapse_info() {
  return info;
}
export const test = (c) => c;
export async function describe() {
  return [];
}
export async function read(req) {
  if (req.watermark.offset === 99) {
    throw new Error('esm boom');
  }
  return { data: [], watermark: req.watermark };
}
