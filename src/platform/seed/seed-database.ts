import type { Db } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { PLATFORM_TABLES } from '../schema/platform-tables.ts';
import { batchInsert } from '../../db/batch-insert.ts';
import { Prng, tenantSeed } from './prng.ts';
import { tenantRows, timestamp, type SeedRow } from './tenant-rows.ts';
import { tenantSizes } from './tenant-sizes.ts';

export interface SeedOptions {
  tenants: number;
  /** Average tenant-owned rows per tenant, summed over all tenant tables. */
  rows: number;
  skew: 'zipf' | 'uniform';
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  tenants: { id: number; apiKey: string }[];
  rows: number;
}

const FLUSH_AT = 5000;
const ID_TABLES = new Set(
  PLATFORM_TABLES.filter((t) => t.columns.some((c) => c.type.kind === 'id')).map((t) => t.name),
);
const COLUMNS = new Map(PLATFORM_TABLES.map((t) => [t.name, t.columns.map((c) => c.name)]));
// Parents first, so the rows also load with declared foreign keys.
const ORDER = PLATFORM_TABLES.map((t) => t.name);

/**
 * Writes deterministic, realistic data: the same options on the same engine give byte-identical rows in a fresh
 * database. Ids continue after existing rows, so seeding twice adds tenants instead of failing.
 */
export async function seedDatabase(db: Db, opts: SeedOptions): Promise<SeedResult> {
  if (!Number.isInteger(opts.tenants) || opts.tenants < 1)
    throw new TenantopsError('TENANTOPS_E_USAGE', '--tenants must be a positive integer');
  if (!Number.isInteger(opts.rows) || opts.rows < 1)
    throw new TenantopsError('TENANTOPS_E_USAGE', '--rows must be a positive integer');
  const q = db.dialect.quoteIdent;
  const next = new Map<string, number>();
  for (const t of ID_TABLES) {
    const idCol = t === 'watchdog' ? 'wid' : 'id';
    const r = await db.query<{ m: number | string | null }>(`SELECT MAX(${q(idCol)}) AS m FROM ${q(t)}`);
    next.set(t, Number(r[0]?.m ?? 0) + 1);
  }
  const nextId = (t: string): number => {
    const v = next.get(t);
    if (v === undefined) throw new Error(`no id counter for ${t}`);
    next.set(t, v + 1);
    return v;
  };

  const sizes = tenantSizes(opts.tenants, opts.tenants * opts.rows, opts.skew);
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  const buffers = new Map<string, unknown[][]>();
  const flush = async (): Promise<void> => {
    for (const table of ORDER) {
      const rows = buffers.get(table);
      if (!rows?.length) continue;
      buffers.set(table, []);
      await batchInsert(db, db.dialect, table, COLUMNS.get(table)!, rows);
    }
  };
  // Set when some table's buffer is full: then every buffer is flushed, in parent order.
  let bufferFull = false;
  const emit = (table: string, row: SeedRow): void => {
    const cols = COLUMNS.get(table)!;
    let buf = buffers.get(table);
    if (!buf) buffers.set(table, (buf = []));
    buf.push(cols.map((c) => row[c] ?? null));
    if (buf.length >= FLUSH_AT) bufferFull = true;
  };

  // Users are global rows that memberships point at: shared data outside every tenant's scope.
  const up = new Prng(opts.seed);
  const userIds: number[] = [];
  for (let i = 0; i < Math.max(5, opts.tenants * 2); i++) {
    const id = nextId('users');
    userIds.push(id);
    emit('users', {
      id,
      name: `user${id}_${up.hex(6)}`,
      mail: up.chance(0.9) ? `user${id}@example.test` : null,
      created: timestamp(up),
    });
  }
  await flush();

  const result: SeedResult = { tenants: [], rows: 0 };
  // Tenants are numbered on from those already there (0 in a fresh database, whose rows stay as they were): the
  // same seed and number drew the same uuids and API keys again, so a second `db seed` failed on uq_groups_uuid.
  const first = next.get('groups')! - 1;
  for (let i = 0; i < opts.tenants; i++) {
    const p = new Prng(tenantSeed(opts.seed, first + i));
    const groupId = nextId('groups');
    let emitted = 0;
    const counting = (table: string, row: SeedRow): void => {
      emitted++;
      emit(table, row);
    };
    const apiKey = tenantRows(p, { groupId, index: first + i, budget: sizes[i]!, userIds }, nextId, counting);
    // A buffer over FLUSH_AT means a large tenant: flush everything in parent order to keep memory bounded.
    if (bufferFull) {
      bufferFull = false;
      await flush();
    }
    result.tenants.push({ id: groupId, apiKey });
    result.rows += emitted;
    done += sizes[i]!;
    // Flushing only full buffers keeps every INSERT at ~1000 rows; progress reports what was generated, after each
    // tenant (the reporter decides how often to print: a few large tenants left a log silent until the end).
    opts.onProgress?.(Math.min(done, total), total);
  }
  await flush();
  for (const t of ID_TABLES) {
    const s = db.dialect.syncSequenceSql(t, t === 'watchdog' ? 'wid' : 'id');
    if (s) await db.query(s.sql, s.params);
  }
  return result;
}
