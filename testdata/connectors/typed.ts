// A TypeScript connector: types are stripped at load; stack traces point
// at this file's own lines.
interface Watermark { start: number; end: number; offset?: number }
interface ReadRequest { watermark: Watermark }

export function synapse_info() {
  return { name: 'typed', metadata: { displayName: 'Typed' }, supportedAuthTypes: [{ authType: 'None' }] };
}
export function test(c: unknown) {
  return c;
}
export function describe(): unknown[] {
  return [];
}
export function read(req: ReadRequest) {
  const w: Watermark = req.watermark;
  if (w.offset === 99) {
    throw new Error('typed boom');
  }
  return { data: [], watermark: w };
}
