import type { Row } from '../db/index.ts';
import { PLATFORM_TABLES } from './schema/platform-tables.ts';

type Kind = 'decimal' | 'json' | 'bool';
const CONVERT = new Map<string, Map<string, Kind>>(
  PLATFORM_TABLES.map((t) => [
    t.name,
    new Map(
      t.columns
        .filter((c) => c.type.kind === 'decimal' || c.type.kind === 'json' || c.type.kind === 'bool')
        .map((c) => [c.name, c.type.kind as Kind]),
    ),
  ]),
);

/**
 * A row as the API returns it, the same on every engine: DECIMAL as a JSON number (both drivers hand back text),
 * JSON columns parsed (MariaDB stores JSON as text), booleans as booleans. tenant_id stays in, so a client (and the
 * load test's isolation check) can see whose row it got.
 */
export function presentRow(table: string, row: Row): Row {
  const conv = CONVERT.get(table);
  if (!conv) return row;
  const out: Row = { ...row };
  for (const [col, kind] of conv) {
    const v = out[col];
    if (v === null || v === undefined) continue;
    if (kind === 'decimal') out[col] = Number(v);
    else if (kind === 'bool') out[col] = v === true || v === 1 || v === '1' || v === 't';
    else if (typeof v === 'string') {
      try {
        out[col] = JSON.parse(v);
      } catch {
        out[col] = v;
      }
    }
  }
  return out;
}
