// npm run bench:fleet — `backup --all-tenants` (one verified archive per tenant) against one full dump of the whole
// database, in the same run: `mariadb-dump --single-transaction` on MariaDB, `pg_dump` on PostgreSQL, both piped
// through `gzip -6` (our archives are gzip level 3 since format 3: a little larger, much less CPU). Seeds TENANTS
// tenants (zipf) per engine, times --parallel 1 and --parallel 2 with GNU time, and prints seconds, rows/s, sizes,
// the load average and the ratio to the dump (the aim: at most 1.25x). BENCH_FLEET_TENANTS,
// BENCH_FLEET_ROWS, BENCH_RUNS (median of interleaved runs), BENCH_ENGINES.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { createTempDatabase } from '../test/helpers/test-databases.ts';
import { median, timed } from './timed.ts';

const TENANTS = Number(process.env.BENCH_FLEET_TENANTS ?? 200);
const ROWS = Number(process.env.BENCH_FLEET_ROWS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const BIN = new URL('../bin/tenantops', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tenantops-bench-fleet-'));

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const dirBytes = (d: string) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);

/** The whole database, one consistent snapshot, gzipped: what a host's nightly full backup does. */
function fullDump(engine: 'mysql' | 'postgres', dbName: string, out: string) {
  const cmd =
    engine === 'mysql'
      ? `mariadb-dump -h127.0.0.1 -uroot --single-transaction ${dbName} | gzip -6 > ${out}`
      : `pg_dump -h 127.0.0.1 -U postgres ${dbName} | gzip -6 > ${out}`;
  // pipefail: a failing dump must not be timed as a fast one.
  return timed('bash', ['-o', 'pipefail', '-c', cmd]);
}

interface RunFigures {
  secs: number;
  rssKb: number;
  bytes: number;
  rows: number;
  tenants: number;
  largest: number;
}

function allTenants(url: string, parallel: number, i: number): RunFigures {
  const out = join(dir, `p${parallel}-${i}`);
  const r = timed(process.execPath, [
    BIN,
    'backup',
    '--db',
    url,
    '--all-tenants',
    '--out-dir',
    out,
    '--parallel',
    String(parallel),
    '--json',
  ]);
  const run = (JSON.parse(r.stdout) as { run: { tenants: { result: string; rows?: number }[] } }).run;
  const ok = run.tenants.filter((t) => t.result === 'ok');
  if (ok.length !== run.tenants.length) throw new Error(`--parallel ${parallel}: some tenants failed`);
  const figures = {
    secs: r.secs,
    rssKb: r.rssKb,
    bytes: dirBytes(out),
    rows: ok.reduce((n, t) => n + (t.rows ?? 0), 0),
    tenants: ok.length,
    largest: Math.max(...ok.map((t) => t.rows ?? 0)),
  };
  rmSync(out, { recursive: true, force: true });
  return figures;
}

async function benchEngine(engine: 'mysql' | 'postgres') {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url);
  try {
    await migrate(db);
    const s0 = performance.now();
    await seedDatabase(db, { tenants: TENANTS, rows: ROWS, skew: 'zipf', seed: 1 });
    const seeded = (performance.now() - s0) / 1000;
    const dbName = new URL(tmp.url).pathname.slice(1);
    const dumps: { secs: number; rssKb: number; bytes: number }[] = [];
    const p1: RunFigures[] = [];
    const p2: RunFigures[] = [];
    // Interleaved, so a noisy neighbour on the shared cores slows both sides of a ratio alike.
    for (let i = 0; i < RUNS; i++) {
      const file = join(dir, `full-${i}.sql.gz`);
      const d = fullDump(engine, dbName, file);
      dumps.push({ ...d, bytes: statSync(file).size });
      rmSync(file);
      p1.push(allTenants(tmp.url, 1, i));
      p2.push(allTenants(tmp.url, 2, i));
    }
    const dump = median(dumps.map((d) => d.secs));
    // Other work on a shared machine moves every figure: the load average says how much, ratios within a run hold.
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const ref = engine === 'mysql' ? 'mariadb-dump --single-transaction | gzip' : 'pg_dump | gzip';
    const f = p1[0]!;
    console.log(
      `\n${engine}: ${f.tenants} tenants x ${ROWS} rows (zipf, seeded in ${seeded.toFixed(0)} s): ` +
        `${f.rows} tenant rows in the archives, largest tenant ${f.largest} rows; median of ${RUNS} run(s); ` +
        `load average ${load}`,
    );
    console.log(
      `${'full dump'.padEnd(26)} ${dump.toFixed(2)} s  ${mb(median(dumps.map((d) => d.bytes)))}  ` +
        `peak RSS ${Math.round(median(dumps.map((d) => d.rssKb)) / 1024)} MB  (${ref}, whole database)`,
    );
    for (const [label, runs] of [
      ['--all-tenants --parallel 1', p1],
      ['--all-tenants --parallel 2', p2],
    ] as const) {
      const s = median(runs.map((r) => r.secs));
      console.log(
        `${label.padEnd(26)} ${s.toFixed(2)} s  ${mb(median(runs.map((r) => r.bytes)))}  ` +
          `peak RSS ${Math.round(median(runs.map((r) => r.rssKb)) / 1024)} MB  ` +
          `${Math.round(f.rows / s)} rows/s, ${((s / f.tenants) * 1000).toFixed(0)} ms/tenant  ` +
          `ratio ours/dump ${(s / dump).toFixed(2)}x (aim <= 1.25x)`,
      );
    }
  } finally {
    await db.close();
    await tmp.drop();
  }
}

try {
  for (const e of (process.env.BENCH_ENGINES ?? 'mysql,postgres').split(',') as ('mysql' | 'postgres')[])
    await benchEngine(e);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
