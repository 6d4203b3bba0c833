import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig, type BackupConfig } from '../../src/backup/index.ts';
import type { RestoreResult } from '../../src/backup/restore-tenant.ts';
import { createTempDatabase, skipReason, type TestEngine } from '../helpers/test-databases.ts';
import { sql } from './backup-fixtures.ts';

/**
 * A test on a fresh database of its own, opened as backup and restore open it (text values), with a scratch
 * directory; both are removed whatever happens. Skipped, with the reason, only where skipReason allows.
 */
export function withDatabase(
  engine: TestEngine,
  title: string,
  fn: (db: Db, dir: string, url: string) => Promise<void>,
): void {
  test(title, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const tmp = await createTempDatabase(engine);
    const db = await connectDb(tmp.url, { values: 'text' });
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-db-'));
    try {
      await fn(db, dir, tmp.url);
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * What the server stores, compared by the server: MariaDB's CHECKSUM TABLE reads the stored record (a FLOAT's
 * every bit, a JSON document's every byte); PostgreSQL hashes each row's text, which a UTC session with
 * extra_float_digits 3 makes exact. Independent of the code under test, which reads through its own expressions.
 */
export async function exactDigest(db: Db, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    if (db.dialect.name === 'mysql') {
      // A system-versioned table's checksum covers its history too, which every write adds to: its current rows,
      // without the row start/end the server stamps, are copied to a plain table of the same column types.
      const cols = await db.query<{ c: string }>(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS c JOIN information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME)
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND t.TABLE_TYPE = 'SYSTEM VERSIONED'
            AND COALESCE(c.GENERATION_EXPRESSION, '') NOT IN ('ROW START', 'ROW END') ORDER BY ORDINAL_POSITION`,
        [t],
      );
      if (cols.length) {
        await db.execute('DROP TABLE IF EXISTS `tenantops_current`');
        await db.execute(
          `CREATE TABLE \`tenantops_current\` AS SELECT ${cols.map((r) => db.dialect.quoteIdent(r.c)).join(', ')} FROM ${db.dialect.quoteIdent(t)}`,
        );
        const r = await db.query('CHECKSUM TABLE `tenantops_current` EXTENDED');
        const n = await db.query('SELECT COUNT(*) AS n FROM `tenantops_current`');
        await db.execute('DROP TABLE `tenantops_current`');
        out[t] = `${String(n[0]!.n)}:${String(r[0]!.Checksum)}`;
        continue;
      }
      const r = await db.query(`CHECKSUM TABLE ${db.dialect.quoteIdent(t)} EXTENDED`);
      const n = await db.query(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent(t)}`);
      out[t] = `${String(n[0]!.n)}:${String(r[0]!.Checksum)}`;
    } else {
      const r = await db.query(
        `SELECT COUNT(*) AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE "C")) AS h FROM ONLY ${db.dialect.quoteIdent(t)} x`,
      );
      out[t] = `${String(r[0]!.n)}:${String(r[0]!.h)}`;
    }
  }
  return out;
}

/**
 * Tenants 1 and 2 in `orgs`, and per table an indexed `org_id` and a value `v`: rows 1 and 2 of tenant 1, row 3 of
 * tenant 2. The schema the concurrency cases share.
 */
export function twoTenantTables(tables: readonly string[]): string[] {
  return [
    'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
    'INSERT INTO orgs VALUES (1), (2)',
    ...tables.flatMap((x) => [
      `CREATE TABLE ${x} (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))`,
      `CREATE INDEX ${x}_org ON ${x} (org_id)`,
      `INSERT INTO ${x} VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')`,
    ]),
  ];
}

/**
 * An application's write on a session of its own that waits at most a second for a row lock (MariaDB): whether it
 * went through, or gave up because the restore held what it writes.
 */
export async function writesWithinASecond(app: Db, statement: string): Promise<boolean> {
  return app
    .session(async (s) => {
      await s.execute('SET SESSION innodb_lock_wait_timeout = 1');
      await s.execute(statement);
    })
    .then(
      () => true,
      () => false,
    );
}

export async function run(db: Db, statements: readonly string[]): Promise<void> {
  for (const s of statements) await db.execute(sql(db, s));
}

export interface RoundTrip {
  /** Tables compared, whole, before and after. */
  tables: string[];
  config: object | BackupConfig;
  tenant?: string;
  /** Changes to other tenants' rows, made after the backup: the restore must keep every one. */
  changeOthers: string[];
  /** Damage to the tenant, after the backup: the restore must undo all of it. */
  damage: string[];
  /** Passed to every restore: 1 sends every insert through the bulk load, Infinity through INSERT. */
  bulkMinRows?: number;
}

/**
 * The round trip every restore-exact class runs: back up T; change U; damage T; restore T. Then T equals the
 * backup and U keeps its changes, compared whole by the server (both at once: the tables must equal their state
 * right after U's changes). Restoring the safety backup gives back the damaged state exactly, and restoring the
 * archive again gives back the repaired one.
 */
export async function roundTrip(db: Db, dir: string, c: RoundTrip): Promise<RestoreResult> {
  const tenant = c.tenant ?? '1';
  const config = 'tenant' in c.config && 'preset' in c.config ? (c.config as BackupConfig) : validateConfig(c.config);
  const out = join(dir, `rt-${Date.now()}-${Math.random().toString(36).slice(2)}.tnt`);
  const safetyDir = join(dir, 'safety');
  await backupTenant(db, { tenantId: tenant, config, out });
  await run(db, c.changeOthers);
  const expected = await exactDigest(db, c.tables);
  await run(db, c.damage);
  const damaged = await exactDigest(db, c.tables);
  const r = await restoreTenant(db, { archive: out, safetyDir, bulkMinRows: c.bulkMinRows });
  assert.deepEqual(await exactDigest(db, c.tables), expected, 'T equals the backup, U keeps its changes');
  await restoreTenant(db, { archive: r.safetyBackup!, safetyDir, bulkMinRows: c.bulkMinRows });
  assert.deepEqual(await exactDigest(db, c.tables), damaged, 'the safety backup puts back exactly what was there');
  const again = await restoreTenant(db, { archive: out, safetyDir, bulkMinRows: c.bulkMinRows });
  assert.deepEqual(await exactDigest(db, c.tables), expected, 'restoring the archive again repairs it again');
  const inserted = again.tables.filter((t) => t.insert > 0).map((t) => t.table);
  if (c.bulkMinRows === 1)
    for (const t of inserted)
      assert.ok(
        again.notes.includes(`bulk-loaded: ${t} (${again.tables.find((x) => x.table === t)!.insert} rows)`),
        `${t} went through the bulk load: ${again.notes.join('; ')}`,
      );
  if (c.bulkMinRows === Number.POSITIVE_INFINITY)
    assert.ok(!again.notes.some((n) => n.startsWith('bulk-loaded:')), 'no table went through the bulk load');
  return again;
}

/** A table's planned [insert, update, delete] in a restore's result. */
export function changeCounts(
  r: { tables: { table: string; insert: number; update: number; delete: number }[] },
  t: string,
): number[] {
  const x = r.tables.find((y) => y.table === t)!;
  return [x.insert, x.update, x.delete];
}
