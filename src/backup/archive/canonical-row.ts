/** A value as it travels: the server's text, bytes as {b: base64}, or null. */
export type CanonicalValue = string | null | { b: string };

/**
 * One row as one line of text, identical for the value read at backup time and re-read after a restore:
 * NULL stays null (distinct from ''), binary becomes {"b": base64}, everything else the server's own text.
 */
export function canonicalRow(values: readonly unknown[]): string {
  // Text and NULL, most rows, are already their canonical values: no copy of the row.
  for (const v of values) if (v !== null && typeof v !== 'string') return JSON.stringify(values.map(canonicalValue));
  return JSON.stringify(values);
}

export function canonicalValue(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { b: Buffer.from(v).toString('base64') };
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function parseRow(line: string): CanonicalValue[] {
  return JSON.parse(line) as CanonicalValue[];
}

/** The value to bind for a canonical value. */
export function bindValue(v: CanonicalValue): string | Buffer | null {
  return v !== null && typeof v === 'object' ? Buffer.from(v.b, 'base64') : v;
}

/** The bytes a bound value (bindValue's) carries in a statement: a string's UTF-8, a buffer's length, else 0. */
export function boundBytes(v: unknown): number {
  return Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : 0;
}

/** The values to bind when inserting a canonical row back. */
export function decodeRow(line: string): unknown[] {
  return parseRow(line).map(bindValue);
}
