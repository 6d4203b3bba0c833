// npm run bench:restore-from-db — `restore --from-db` of the largest tenant of the bench:fleet data
// (200 tenants x 1000 rows, zipf) from the seeded database into a copy of it, against `restore --in` an archive of
// that tenant (the floor: the archive's server digests settle unchanged tables without reading a row), for four
// states of the target: unchanged; one row of one table changed; 1% spread (every 100th row of each table with
// tenant_id rewritten, which leaves every such table changed but none of its counts); the tenant deleted
// (platform deleteTenant). Whole CLI processes, interleaved per case and run (the machine's noise hits all alike).
// BENCH_BINS=name=path/to/bin/tenantops,… compares builds (e.g. before/after a change, each a tree of its own;
// default: this tree); BENCH_RUNS (median of, default 3), BENCH_ENGINES (mysql,postgres).
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { deleteTenant } from '../src/platform/tenants/delete-tenant.ts';
import { createTempDatabase } from '../test/helpers/test-databases.ts';
import { median, timed } from './timed.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ENGINES = (process.env.BENCH_ENGINES ?? 'mysql,postgres').split(',') as ('mysql' | 'postgres')[];
const HERE = new URL('../bin/tenantops', import.meta.url).pathname;
const BINS = Object.fromEntries(
  (process.env.BENCH_BINS ?? `now=${HERE}`).split(',').map((x) => x.split('=') as [string, string]),
);
const dir = mkdtempSync(join(tmpdir(), 'tenantops-bench-fromdb-'));

const dbName = (url: string) => new URL(url).pathname.slice(1);
const cli = (bin: string, args: string[]) => timed(process.execPath, [bin, ...args]);

async function benchEngine(engine: 'mysql' | 'postgres') {
  const src = await createTempDatabase(engine);
  const tgt = await createTempDatabase(engine);
  const s = await connectDb(src.url);
  const t = await connectDb(tgt.url);
  try {
    await migrate(s);
    await seedDatabase(s, { tenants: 200, rows: 1000, skew: 'zipf', seed: 1 });
    const copy =
      engine === 'mysql'
        ? `mariadb-dump -h127.0.0.1 -uroot --single-transaction ${dbName(src.url)} | mariadb -h127.0.0.1 -uroot ${dbName(tgt.url)}`
        : `pg_dump -h 127.0.0.1 -U postgres ${dbName(src.url)} | psql -q -h 127.0.0.1 -U postgres ${dbName(tgt.url)} >/dev/null`;
    execSync(`bash -o pipefail -c '${copy}'`);
    const tenants = JSON.parse(cli(HERE, ['tenants', '--db', src.url, '--json']).stdout) as {
      tenant: string;
      rows: number;
    }[];
    const big = tenants.reduce((a, b) => (b.rows > a.rows ? b : a));
    const tenant = big.tenant;
    const archive = join(dir, `tenant-${engine}.tnt`);
    cli(HERE, ['backup', '--db', src.url, '--tenant', tenant, '--out', archive]);

    const schema = engine === 'mysql' ? 'table_schema = DATABASE()' : "table_schema = 'public'";
    const q = (n: string) => (engine === 'mysql' ? `\`${n}\`` : `"${n}"`);
    const p1 = engine === 'mysql' ? '?' : '$1';
    // Per table with tenant_id, its first text column: what a "change" rewrites (deleting rows would orphan their
    // field rows, which the scope then counts as another tenant's).
    const textCols = new Map<string, string>();
    for (const r of await t.query(
      `SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c WHERE c.${schema} AND c.data_type IN ('varchar', 'text', 'character varying', 'longtext', 'mediumtext') AND c.column_name NOT IN ('uuid', 'langcode') AND EXISTS (SELECT 1 FROM information_schema.columns k WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = 'tenant_id') ORDER BY c.table_name, c.ordinal_position`,
    ))
      if (!textCols.has(String(r.t))) textCols.set(String(r.t), String(r.c));
    let round = 0;
    const rewrite = async (table: string, where: string) =>
      (
        await t.execute(
          `UPDATE ${q(table)} SET ${q(textCols.get(table)!)} = ${engine === 'mysql' ? 'CONCAT' : ''}('r${++round}', '') WHERE tenant_id = ${p1} AND ${where}`,
          [tenant],
        )
      ).affectedRows;
    const cases: Record<string, () => Promise<number>> = {
      unchanged: async () => 0,
      'one row, one table': async () => {
        const [m] = await t.query(`SELECT MIN(id) AS m FROM ${q('analytics_event')} WHERE tenant_id = ${p1}`, [tenant]);
        return rewrite('analytics_event', `id = ${Number(m!.m)}`);
      },
      '1% spread': async () => {
        let n = 0;
        for (const table of textCols.keys()) n += await rewrite(table, 'MOD(id, 100) = 0');
        return n;
      },
      deleted: async () => (await deleteTenant(t, Number(tenant))) ?? 0,
    };
    const variants: Record<string, string[]> = {};
    for (const [name, bin] of Object.entries(BINS)) variants[`--from-db ${name}`] = [bin, '--from-db', src.url];
    // With the last build named: the archive restore of the same code.
    variants['--in FILE'] = [Object.values(BINS).at(-1)!, '--in', archive];
    const names = Object.keys(variants);
    const secs: Record<string, Record<string, number[]>> = {};
    const written: Record<string, number> = {};
    for (let i = 0; i < RUNS; i++)
      for (const [c, change] of Object.entries(cases))
        for (let k = 0; k < names.length; k++) {
          // Rotated per run and case, so no variant always runs first after the change.
          const v = names[(k + i + Object.keys(cases).indexOf(c)) % names.length]!;
          const changed = await change();
          const [bin, ...from] = variants[v]!;
          const r = cli(bin!, [
            'restore',
            '--db',
            tgt.url,
            ...from,
            '--tenant',
            tenant,
            '--yes',
            '--json',
            '--safety-dir',
            join(dir, 'safety'),
          ]);
          const w = (JSON.parse(r.stdout) as { written: number }).written;
          if ((w === 0) !== (changed === 0)) throw new Error(`${c}, ${v}: ${w} rows written, ${changed} changed`);
          ((secs[c] ??= {})[v] ??= []).push(r.secs);
          written[c] = w;
        }
    const la = loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    console.log(
      `${engine}: tenant ${tenant} (${big.rows} rows), median of ${RUNS} interleaved run(s); load average ${la}`,
    );
    for (const c of Object.keys(cases)) {
      const m = names.map((v) => median(secs[c]![v]!));
      const cols = names.map((v, k) => `${v} ${m[k]!.toFixed(2)} s (${(m[k]! / m[0]!).toFixed(2)}x)`);
      console.log(`  ${c.padEnd(19)} ${String(written[c]).padStart(6)} rows written  ${cols.join('  ')}`);
    }
  } finally {
    await s.close();
    await t.close();
    await src.drop();
    await tgt.drop();
  }
}

try {
  for (const e of ENGINES) await benchEngine(e);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
