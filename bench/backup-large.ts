// npm run bench:backup -- --large: one tenant of at least 1M rows (20 tenants, zipf), on MariaDB or PostgreSQL,
// and four cases, each beside the reference in the same run (DELETE + re-import of mariadb-dump / psql \copy):
// 1. restore over an unchanged tenant; 2. restore after ~1 % of its rows changed (updates, deletes, inserts);
// 3. restore after the tenant was deleted entirely; 4. backup. Prints seconds, rows/s, peak RSS and ratios.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { connectDb, type Db } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { deleteTenant } from '../src/platform/tenants/delete-tenant.ts';
import { createTempDatabase } from '../test/helpers/test-databases.ts';
import { referenceBackup, referenceName, referenceRestore } from './reference-dump.ts';
import { report } from './report.ts';
import { timed } from './timed.ts';

const TENANTS = Number(process.env.BENCH_LARGE_TENANTS ?? 20);
const ROWS = Number(process.env.BENCH_LARGE_ROWS ?? 160000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const BIN = new URL('../bin/tenantops', import.meta.url).pathname;

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params))[0]!.n);
}

/** About 1 % of the tenant's rows, spread over its largest tables: a third updated, a third deleted, a third new. */
async function damage(db: Db, tenant: string): Promise<number> {
  const q = db.dialect.quoteIdent;
  let n = 0;
  for (const [t, col] of [
    ['analytics_event', 'name'],
    ['crm_activity', 'subject'],
    ['crm_contact', 'full_name'],
  ] as const) {
    n += (
      await db.execute(
        `UPDATE ${q(t)} SET ${q(col)} = 'damaged' WHERE ${q('tenant_id')} = ${db.dialect.param(1)} AND MOD(${q('id')}, 300) = 0`,
        [tenant],
      )
    ).affectedRows;
    n += (
      await db.execute(
        `DELETE FROM ${q(t)} WHERE ${q('tenant_id')} = ${db.dialect.param(1)} AND MOD(${q('id')}, 300) = 1`,
        [tenant],
      )
    ).affectedRows;
  }
  // New rows: copies of some of the tenant's analytics events under fresh ids.
  const max = await count(db, `SELECT MAX(${q('id')}) AS n FROM ${q('analytics_event')}`);
  const fields = ['tenant_id', 'name', 'properties', 'session_id', 'occurred_at'];
  n += (
    await db.execute(
      `INSERT INTO ${q('analytics_event')} (${q('id')}, ${fields.map(q).join(', ')}) SELECT ${q('id')} + ${max}, ${fields.map(q).join(', ')} FROM ${q('analytics_event')} WHERE ${q('tenant_id')} = ${db.dialect.param(1)} AND MOD(${q('id')}, 300) = 2`,
      [tenant],
    )
  ).affectedRows;
  return n;
}

export async function benchLarge(engine: 'mysql' | 'postgres', dir: string): Promise<void> {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url);
  try {
    await migrate(db);
    const t0 = performance.now();
    await seedDatabase(db, { tenants: TENANTS, rows: ROWS, skew: 'zipf', seed: 1 });
    const tenant = '1';
    const dbName = new URL(tmp.url).pathname.slice(1);
    const out = join(dir, `${engine}-large.tnt`);
    const dump = join(dir, `${engine}-large.sql`);
    const backup = timed(process.execPath, [
      BIN,
      'backup',
      '--db',
      tmp.url,
      '--tenant',
      tenant,
      '--out',
      out,
      '--json',
    ]);
    const rows = (JSON.parse(backup.stdout) as { rows: number }).rows;
    // MB/s is of the archive's bytes, as in the small bench (bench/backup.ts).
    const bytes = statSync(out).size;
    console.log(
      `\n${engine} (large): ${TENANTS} tenants x ${ROWS} rows (zipf), seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s; tenant ${tenant} has ${rows} rows with its field tables`,
    );
    const ref = referenceBackup(engine, dbName, tenant, dump);
    report(
      '4. backup',
      rows,
      bytes,
      [backup.secs],
      [ref.secs],
      [backup.rssKb],
      [ref.rssKb],
      referenceName(engine, 'backup'),
    );
    const restore = () =>
      timed(process.execPath, [
        BIN,
        'restore',
        '--db',
        tmp.url,
        '--in',
        out,
        '--yes',
        '--json',
        '--safety-dir',
        join(dir, 'safety'),
      ]);
    const cases: [string, () => Promise<string>][] = [
      ['1. unchanged', async () => 'no change'],
      ['2. ~1 % changed', async () => `${await damage(db, tenant)} rows changed`],
      ['3. tenant deleted', async () => `${await deleteTenant(db, Number(tenant))} rows deleted`],
    ];
    for (const [label, prepare] of cases) {
      const ours: number[] = [];
      const oursRss: number[] = [];
      const refs: number[] = [];
      const refRss: number[] = [];
      let what = '';
      let written = 0;
      for (let i = 0; i < RUNS; i++) {
        what = await prepare();
        const r = restore();
        ours.push(r.secs);
        oursRss.push(r.rssKb);
        written = (JSON.parse(r.stdout) as { written: number }).written;
        // The reference puts the same damage right by deleting the tenant's rows and importing its dump.
        await prepare();
        const x = await referenceRestore(engine, db, dbName, tenant, dump);
        refs.push(x.secs);
        refRss.push(x.rssKb);
        restore();
      }
      report(`${label}`, rows, bytes, ours, refs, oursRss, refRss, referenceName(engine, 'restore'));
      console.log(`   (${what}; tenantops wrote ${written} rows)`);
    }
  } finally {
    await db.close();
    await tmp.drop();
  }
}
