import type { CanonicalValue } from '../archive/canonical-row.ts';
import { columnOf, rowIdentity, type TableInfo } from '../schema-info.ts';

/** Which values identify a row, and how each compares: the same order the server sorts them in (dump-table). */
export interface RowKeySpec {
  /** Positions of the identity columns in the row, or of every column when the table has no key. */
  idx: number[];
  numeric: boolean[];
  /** Dates and timestamps the server sorts as instants (a key's, not a whole row's): see compareTemporalText. */
  temporal: boolean[];
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
    // The dialects order a key's date and timestamp columns natively (an index serves it); a whole row by its text.
    temporal: cols.map((c) => identity !== null && isTemporalKey(columnOf(info, c).type)),
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

// date, timestamp and timestamptz (PostgreSQL's format_type, MariaDB's DATE, DATETIME, TIMESTAMP), not daterange.
const TEMPORAL_KEY = /^(date|datetime|timestamp)\b/;
const isTemporalKey = (type: string) => TEMPORAL_KEY.test(type) && !type.endsWith('[]');
const YEAR_FIRST = /^(\d{4,})(.*?)( BC)?$/;

/** A date or timestamp text's year as a signed number (1 BC is 0) and the rest, or null for anything else. */
function temporalRank(s: string): [number, string] | null {
  if (s === '-infinity') return [Number.NEGATIVE_INFINITY, ''];
  if (s === 'infinity') return [Number.POSITIVE_INFINITY, ''];
  const m = YEAR_FIRST.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  return [m[3] ? 1 - y : y, m[2]!];
}

/**
 * The server's order of two date or timestamp texts. Their text's order, except where PostgreSQL writes a year of
 * five digits or more ('10000-01-01' after '9999-12-31') or a BC date ('0044-03-15 BC' before '0001-01-01 BC',
 * both before '0001-01-01'): by the text, such keys took unchanged rows for deletes plus inserts, and a restore was
 * refused (TENANTOPS_E_SHARED_ROWS) when another tenant referenced one of them. Within a year, the rest of the text
 * (month, day, time, fraction, the session's fixed UTC offset) sorts as the instants do, BC years included.
 */
export function compareTemporalText(a: string, b: string): number {
  const x = temporalRank(a);
  const y = temporalRank(b);
  if (x && y && x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  const [p, q] = x && y ? [x[1], y[1]] : [a, b];
  return p < q ? -1 : p > q ? 1 : 0;
}

function bytesOf(v: string | { b: string }): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.b, 'base64');
}

function compareValue(a: CanonicalValue, b: CanonicalValue, numeric: boolean, temporal: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (temporal && typeof a === 'string' && typeof b === 'string') {
    const c = compareTemporalText(a, b);
    if (c !== 0 || a === b) return c;
  }
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
    const c = compareValue(a[spec.idx[i]!]!, b[spec.idx[i]!]!, spec.numeric[i]!, !!spec.temporal[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** The one function that computes a row's key: its identity values, as they travel in the archive. */
export function rowKey(values: readonly CanonicalValue[], spec: RowKeySpec): CanonicalValue[] {
  return spec.idx.map((i) => values[i]!);
}
