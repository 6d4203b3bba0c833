import type { CanonicalValue } from '../archive/canonical-row.ts';
import { columnOf, rowIdentity, type TableInfo } from '../schema-info.ts';

/** Which values identify a row, and how each compares: the same order the server sorts them in (dump-table). */
export interface RowKeySpec {
  /** Positions of the identity columns in the row, or of every column when the table has no key. */
  idx: number[];
  numeric: boolean[];
  /** True when the whole row is the identity: equal rows are duplicates, matched one to one. */
  wholeRow: boolean;
  /** The identity's column names. */
  columns: string[];
}

export function keySpec(info: TableInfo, columns: readonly string[]): RowKeySpec {
  const identity = rowIdentity(info);
  const cols = identity ?? [...columns];
  return {
    idx: cols.map((c) => columns.indexOf(c)),
    // Whole rows sort numbers natively and everything else by its text; see orderExpr.
    numeric: cols.map((c) => !!columnOf(info, c).numeric),
    wholeRow: identity === null,
    columns: cols,
  };
}

const INT = /^-?\d+$/;
const DEC = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Exact comparison of two decimal texts; falls back to floating point for exponents, NaN and infinities. */
export function compareNumericText(a: string, b: string): number {
  if (INT.test(a) && INT.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const ma = DEC.exec(a);
  const mb = DEC.exec(b);
  if (ma && mb) {
    const sa = ma[1] === '-' && /[1-9]/.test(ma[2]! + (ma[3] ?? '')) ? -1 : 1;
    const sb = mb[1] === '-' && /[1-9]/.test(mb[2]! + (mb[3] ?? '')) ? -1 : 1;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ia = ma[2]!.replace(/^0+(?=\d)/, '');
    const ib = mb[2]!.replace(/^0+(?=\d)/, '');
    let c = ia.length - ib.length || (ia < ib ? -1 : ia > ib ? 1 : 0);
    if (c === 0) {
      const fa = (ma[3] ?? '').replace(/0+$/, '');
      const fb = (mb[3] ?? '').replace(/0+$/, '');
      c = fa < fb ? -1 : fa > fb ? 1 : 0;
    }
    return sa * Math.sign(c);
  }
  // PostgreSQL sorts NaN above every number.
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function bytesOf(v: string | { b: string }): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.b, 'base64');
}

function compareValue(a: CanonicalValue, b: CanonicalValue, numeric: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (numeric && typeof a === 'string' && typeof b === 'string') {
    const c = compareNumericText(a, b);
    // Numerically equal texts that differ ('1.0', '1') are different values: order them, never call them equal.
    if (c !== 0 || a === b) return c;
  }
  if (typeof a === 'string' && typeof b === 'string' && !/[\ud800-\uffff]/.test(a + b))
    return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(bytesOf(a), bytesOf(b));
}

/** Orders two rows by their identity; 0 means the same row (same key), never merely equal under a collation. */
export function compareRows(a: readonly CanonicalValue[], b: readonly CanonicalValue[], spec: RowKeySpec): number {
  for (let i = 0; i < spec.idx.length; i++) {
    const c = compareValue(a[spec.idx[i]!]!, b[spec.idx[i]!]!, spec.numeric[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** The one function that computes a row's key: its identity values, as they travel in the archive. */
export function rowKey(values: readonly CanonicalValue[], spec: RowKeySpec): CanonicalValue[] {
  return spec.idx.map((i) => values[i]!);
}
