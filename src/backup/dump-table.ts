import { createHash } from 'node:crypto';
import type { DbSession } from '../db/index.ts';
import type { BackupDialect } from './dialect/backup-dialect.ts';
import { canonicalRow } from './archive/canonical-row.ts';
import { bindTenant } from './scope/scope-plan.ts';

export const BATCH_ROWS = 2000;
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface DumpResult {
  rows: number;
  bytes: number;
  sha256: string;
}

/** SELECT of one table's scoped rows in a stable order (primary key, else every column). */
export function scopedSelect(
  d: BackupDialect,
  table: string,
  columns: readonly string[],
  orderBy: readonly string[],
  predicate: string,
  tenantId: string,
): { sql: string; params: string[] } {
  const b = bindTenant(predicate, tenantId, d.param);
  const order = (orderBy.length ? orderBy : columns).map(d.quote).join(', ');
  return {
    sql: `SELECT ${columns.map(d.quote).join(', ')} FROM ${d.from(table)} WHERE ${b.sql} ORDER BY ${order}`,
    params: b.params,
  };
}

/**
 * Streams rows as canonical lines, hashing as it goes; `onChunk` receives NDJSON chunks of at most ~4 MB so the
 * caller can write them without holding the table in memory.
 */
export async function dumpRows(
  s: DbSession,
  query: { sql: string; params: readonly unknown[] },
  columns: readonly string[],
  onChunk?: (ndjson: Buffer) => Promise<void>,
  onRows?: (n: number) => void,
): Promise<DumpResult> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pending.length) return;
    const buf = Buffer.from(pending.join(''));
    pending = [];
    pendingBytes = 0;
    if (onChunk) await onChunk(buf);
  };
  for await (const batch of s.stream(query.sql, query.params, BATCH_ROWS)) {
    for (const r of batch) {
      const line = canonicalRow(columns.map((c) => r[c])) + '\n';
      hash.update(line);
      rows++;
      bytes += Buffer.byteLength(line);
      if (onChunk) {
        pending.push(line);
        pendingBytes += line.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
    }
    onRows?.(batch.length);
  }
  await flush();
  return { rows, bytes, sha256: hash.digest('hex') };
}
