/**
 * One row as one line of text, identical for the value read at backup time and re-read after a restore:
 * NULL stays null (distinct from ''), binary becomes {"b": base64}, everything else the server's own text.
 */
export function canonicalRow(values: readonly unknown[]): string {
  return JSON.stringify(values.map(canonicalValue));
}

export function canonicalValue(v: unknown): string | null | { b: string } {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { b: Buffer.from(v).toString('base64') };
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The values to bind when inserting a canonical row back. */
export function decodeRow(line: string): unknown[] {
  const vals = JSON.parse(line) as (string | null | { b: string })[];
  return vals.map((v) => (v !== null && typeof v === 'object' ? Buffer.from(v.b, 'base64') : v));
}
