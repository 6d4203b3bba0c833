// npm run bench:api — the reference API on MariaDB seeded with 50 tenants, under autocannon at 50 connections.
// Three processes: this one (seeds, orchestrates, prints), the server (`tenantops serve`) and the load generator
// (this file again with --loadgen), so the generator's CPU does not hide inside the server's event loop.
// Env: TENANTOPS_BENCH_MYSQL (admin URL, default mysql://root@127.0.0.1:3306), BENCH_DURATION (s, default 15),
// BENCH_CONNECTIONS (default 50), BENCH_ROWS (average rows per tenant, default 1000), BENCH_POOL (default 20).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { connectDb } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface LoadResult {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The slice of autocannon's API used here (it ships no types). */
interface AutocannonRun extends PromiseLike<{
  requests: { average: number };
  non2xx: number;
  errors: number;
  duration: number;
}> {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonRun;

const SCENARIOS: Scenario[] = [
  // The floor: routing, JSON and one trivial query, no tenant work. Not a target, a yardstick.
  { name: 'GET /api/health (floor)', method: 'GET', path: '/api/health' },
  { name: 'GET /api/v1/crm/opportunities', method: 'GET', path: '/api/v1/crm/opportunities' },
  {
    name: 'POST /api/v1/crm/activities',
    method: 'POST',
    path: '/api/v1/crm/activities',
    body: JSON.stringify({ subject: 'Bench call', type: 'call' }),
  },
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Child mode: run one scenario with autocannon and print the result as JSON. */
async function loadgen(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const url = process.env.BENCH_URL!;
  const keys = JSON.parse(process.env.BENCH_KEYS!) as string[];
  const s = JSON.parse(process.env.BENCH_SCENARIO!) as Scenario;
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const duration = Number(process.env.BENCH_DURATION ?? 15);
  let next = 0;
  // Each request takes the next tenant's key, so all 50 tenants (small and large) share the load.
  const request = {
    method: s.method,
    path: s.path,
    body: s.body,
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: { headers: Record<string, string> }) => ({
      ...req,
      headers: { ...req.headers, authorization: `Bearer ${keys[next++ % keys.length]}` },
    }),
  };
  await autocannon({ url, connections, duration: 3, requests: [request] }); // warm-up: JIT, pool, caches
  const latencies: number[] = [];
  const run = autocannon({ url, connections, duration, requests: [request] });
  run.on('response', (_c, _status, _bytes, ms) => latencies.push(ms));
  const r = await run;
  latencies.sort((a, b) => a - b);
  const out: LoadResult = {
    name: s.name,
    requests: latencies.length,
    rps: latencies.length / r.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    non2xx: r.non2xx,
    errors: r.errors,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function collect(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`child exited with ${code}`);
  return out;
}

async function main(): Promise<void> {
  const admin = process.env.TENANTOPS_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306';
  const dbName = 'tenantops_bench_api';
  const url = `${admin}/${dbName}`;
  const rows = Number(process.env.BENCH_ROWS ?? 1000);
  const pool = process.env.BENCH_POOL ?? '20';

  const c = await mysql.createConnection({ uri: admin });
  await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await c.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await c.end();
  const db = await connectDb(url, { values: 'typed' });
  const version = db.serverVersion;
  await migrate(db);
  const t0 = Date.now();
  const seeded = await seedDatabase(db, { tenants: 50, rows, skew: 'zipf', seed: 42 });
  await db.close();
  process.stderr.write(`seeded 50 tenants, ${seeded.rows} rows (zipf) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const keys = seeded.tenants.map((t) => t.apiKey);

  const bin = fileURLToPath(new URL('../bin/tenantops', import.meta.url));
  const server = spawn(
    process.execPath,
    [bin, 'serve', '--db', url, '--port', '0', '--workers', '2', '--pool-max', pool],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TENANTOPS_FAULTS: '' },
    },
  );
  let base = '';
  let serverErr = '';
  await new Promise<void>((resolve, reject) => {
    server.stderr!.on('data', (d: Buffer) => {
      serverErr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(serverErr);
      if (m && !base) {
        base = m[1]!;
        resolve();
      }
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${serverErr}`)));
  });

  const results: LoadResult[] = [];
  try {
    for (const s of SCENARIOS) {
      process.stderr.write(`running ${s.name}…\n`);
      const gen = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--loadgen'], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BENCH_URL: base, BENCH_KEYS: JSON.stringify(keys), BENCH_SCENARIO: JSON.stringify(s) },
      });
      results.push(JSON.parse((await collect(gen)).trim().split('\n').pop()!) as LoadResult);
    }
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }

  const cpu = cpus();
  const connections = process.env.BENCH_CONNECTIONS ?? '50';
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, MariaDB ${version}`,
  );
  console.log(
    `load: autocannon, ${connections} connections, ${process.env.BENCH_DURATION ?? 15} s per route after a 3 s warm-up; pool ${pool}; 2 workers`,
  );
  console.log(
    `${'route'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'non-2xx'.padStart(8)}`,
  );
  const floor = results[0]!;
  for (const r of results) {
    console.log(
      `${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p95.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${String(r.non2xx + r.errors).padStart(8)}  (${(r.rps / floor.rps).toFixed(2)}× floor req/s)`,
    );
  }
  const failing = results.slice(1).filter((r) => r.p95 >= 50);
  console.log(
    failing.length
      ? `p95 target (< 50 ms) missed by: ${failing.map((r) => r.name).join(', ')}`
      : 'p95 < 50 ms on both routes',
  );
}

if (process.argv.includes('--loadgen')) await loadgen();
else await main();
