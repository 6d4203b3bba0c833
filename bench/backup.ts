// npm run bench:backup — tenantops backup/restore of one large tenant vs the reference tools, in the same run.
// MariaDB: mariadb-dump --single-transaction --where over the tenant_id tables (it cannot follow field tables),
// re-imported with `mariadb`. PostgreSQL: psql \copy of the same queries, re-imported with \copy FROM.
// Prints medians of RUNS runs, rows/s, MB/s, peak RSS and ratios; plus the 10-vs-1000-tenants scale check.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { createTempDatabase } from '../test/helpers/test-databases.ts';
import { median, timed } from './timed.ts';
import { report } from './report.ts';
import { referenceBackup, referenceName, referenceRestore, TENANT_TABLES } from './reference-dump.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const ROWS = Number(process.env.BENCH_ROWS ?? 4000);
const BIN = new URL('../bin/tenantops', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tenantops-bench-'));

async function tenantRows(db: Db, tenant: string): Promise<number> {
  let n = 0;
  for (const t of TENANT_TABLES)
    n += Number(
      (
        await db.query(
          `SELECT COUNT(*) AS n FROM ${db.dialect.quoteIdent(t)} WHERE ${db.dialect.quoteIdent('tenant_id')} = ${db.dialect.param(1)}`,
          [tenant],
        )
      )[0]!.n,
    );
  return n;
}

async function benchEngine(engine: 'mysql' | 'postgres') {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url);
  try {
    await migrate(db);
    await seedDatabase(db, { tenants: TENANTS, rows: ROWS, skew: 'zipf', seed: 1 });
    const tenant = '1';
    const rows = await tenantRows(db, tenant);
    const u = new URL(tmp.url);
    const dbName = u.pathname.slice(1);
    console.log(
      `\n${engine}: ${TENANTS} tenants x ${ROWS} rows (zipf); tenant ${tenant} has ${rows} rows in tenant_id tables`,
    );
    const ours: number[] = [],
      oursRss: number[] = [],
      ref: number[] = [],
      refRss: number[] = [];
    const oursR: number[] = [],
      oursRRss: number[] = [],
      refR: number[] = [],
      refRRss: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const out = join(dir, `${engine}-${i}.tnt`);
      const b = timed(process.execPath, [BIN, 'backup', '--db', tmp.url, '--tenant', tenant, '--out', out, '--json']);
      ours.push(b.secs);
      oursRss.push(b.rssKb);
      bytes =
        JSON.parse(b.stdout).tables.reduce((a: number, t: { rows: number }) => a + t.rows, 0) > 0
          ? statSync(out).size
          : 0;
      const dump = join(dir, `${engine}-${i}.sql`);
      const d = referenceBackup(engine, dbName, tenant, dump);
      ref.push(d.secs);
      refRss.push(d.rssKb);
      // Restore: ours replaces the tenant (safety backup, delete, insert, verify, commit); the reference re-imports
      // after the same delete.
      const r = timed(process.execPath, [
        BIN,
        'restore',
        '--db',
        tmp.url,
        '--in',
        out,
        '--yes',
        '--safety-dir',
        join(dir, 'safety'),
      ]);
      oursR.push(r.secs);
      oursRRss.push(r.rssKb);
      const ri = await referenceRestore(engine, db, dbName, tenant, dump);
      refR.push(ri.secs);
      refRRss.push(ri.rssKb);
    }
    report('backup', rows, bytes, ours, ref, oursRss, refRss, referenceName(engine, 'backup'));
    report('restore', rows, bytes, oursR, refR, oursRRss, refRRss, referenceName(engine, 'restore'));
    console.log(`archive size ${(bytes / 1e6).toFixed(2)} MB (gzip, all ${rows}+ rows incl. field tables)`);
  } finally {
    await db.close();
    await tmp.drop();
  }
}

/** Backup time of the same-size tenant with few and with many tenants in the database: the scope must not scan. */
async function benchScale() {
  const times: Record<number, number> = {};
  for (const tenants of [10, 1000]) {
    const tmp = await createTempDatabase('mysql');
    const db = await connectDb(tmp.url);
    try {
      await migrate(db);
      await seedDatabase(db, { tenants, rows: 300, skew: 'uniform', seed: 5 });
      const runs: number[] = [];
      for (let i = 0; i < RUNS + 2; i++) {
        runs.push(
          timed(process.execPath, [
            BIN,
            'backup',
            '--db',
            tmp.url,
            '--tenant',
            '5',
            '--out',
            join(dir, `scale-${tenants}-${i}.tnt`),
          ]).secs,
        );
      }
      times[tenants] = median(runs);
      console.log(
        `scale: ${tenants} tenants, tenant 5 (${await tenantRows(db, '5')} rows): median backup ${times[tenants]!.toFixed(2)} s`,
      );
    } finally {
      await db.close();
      await tmp.drop();
    }
  }
  console.log(`scale ratio 1000/10 tenants: ${(times[1000]! / times[10]!).toFixed(2)} (aim <= 1.2)`);
}

try {
  if (process.argv.includes('--large')) {
    const { benchLarge } = await import('./backup-large.ts');
    for (const e of (process.env.BENCH_ENGINES ?? 'mysql,postgres').split(',') as ('mysql' | 'postgres')[])
      await benchLarge(e, dir);
  } else {
    for (const e of (process.env.BENCH_ENGINES ?? 'mysql,postgres').split(',') as ('mysql' | 'postgres')[])
      await benchEngine(e);
    await benchScale();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
