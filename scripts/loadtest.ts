// npm run loadtest -- [--profile smoke|full] [--db URL] [--tenants N] [--script multi|classic|all] [--report-dir DIR]
//
// Starts the reference platform (`tenantops serve`, embedded PGlite in a temp dir unless --db) on a free loopback
// port, runs the k6 scripts in tests/performance with `tenantops load`, writes their reports to ./reports/ and stops
// the platform. Exits with the first non-zero exit code of the runs (99: thresholds crossed), else 0.
// Three processes: this one, the server and the runner, so the runner's CPU does not hide in the server's loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'tenantops');

const USAGE = `usage: npm run loadtest -- [options]
  --profile smoke|full         multi-tenant profile (default smoke); the classic script runs smoke or load
  --classic-profile P          override the classic script's profile: smoke|load|stress
  --script multi|classic|all   which scripts to run (default all)
  --tenants N                  tenants to provision (default: each script's own, 5 and 3)
  --db URL                     platform database (default: embedded PGlite in a temp dir, removed afterwards);
                               with --db the scripts run with CLEANUP=1 and delete the tenants they created
  --report-dir DIR             where reports go (default ./reports)
  --workers N                  platform queue workers (default 2)
  --job-latency-ms MS          simulated agent latency (default 200)
  --pool-max N                 platform DB pool size (default 10)
  --json                       also write k6's NDJSON metric points (--out json=); large for the full profile`;

interface Script {
  key: 'multi' | 'classic';
  file: string;
  stem: string;
  profile: string;
}

function fail(message: string): never {
  process.stderr.write(`loadtest: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, v: string | undefined): string | undefined {
  if (v !== undefined && !/^[1-9]\d*$/.test(v)) fail(`--${name} expects a positive integer, got "${v}"`);
  return v;
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        profile: { type: 'string', default: 'smoke' },
        'classic-profile': { type: 'string' },
        script: { type: 'string', default: 'all' },
        tenants: { type: 'string' },
        db: { type: 'string' },
        'report-dir': { type: 'string', default: 'reports' },
        workers: { type: 'string' },
        'job-latency-ms': { type: 'string' },
        'pool-max': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!['smoke', 'full'].includes(values.profile)) fail(`--profile must be smoke or full, got "${values.profile}"`);
  const classic = values['classic-profile'] ?? (values.profile === 'smoke' ? 'smoke' : 'load');
  if (!['smoke', 'load', 'stress'].includes(classic)) fail(`--classic-profile must be smoke, load or stress`);
  if (!['multi', 'classic', 'all'].includes(values.script)) fail(`--script must be multi, classic or all`);
  positive('tenants', values.tenants);
  positive('workers', values.workers);
  positive('pool-max', values['pool-max']);
  if (values['job-latency-ms'] !== undefined && !/^\d+$/.test(values['job-latency-ms'])) {
    fail('--job-latency-ms expects an integer');
  }
  const scripts: Script[] = [
    {
      key: 'multi' as const,
      file: 'tests/performance/multi_tenant_load_test.js',
      stem: 'multi_tenant',
      profile: values.profile,
    },
    { key: 'classic' as const, file: 'tests/performance/load_test.js', stem: 'load_test', profile: classic },
  ].filter((s) => values.script === 'all' || values.script === s.key);
  return { ...values, scripts };
}

interface Server {
  url: string;
  child: ChildProcess;
}

/** `tenantops serve --port 0` and the URL it prints once it listens. */
async function startServer(db: string, token: string, o: ReturnType<typeof parse>): Promise<Server> {
  const args = ['serve', '--db', db, '--port', '0', '--host', '127.0.0.1'];
  if (o.workers) args.push('--workers', o.workers);
  if (o['job-latency-ms'] !== undefined) args.push('--job-latency-ms', o['job-latency-ms']);
  if (o['pool-max']) args.push('--pool-max', o['pool-max']);
  // The token goes through the environment: a flag would show in ps.
  const child = spawn(BIN, args, {
    cwd: ROOT,
    env: { ...process.env, TENANTOPS_ADMIN_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start within 120 s:\n${err}`)), 120_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the platform exited (${code}) before listening:\n${err}`));
    });
  });
  // From here on, the server's own lines (warnings, shutdown) go to our stderr, marked.
  child.stderr!.removeAllListeners('data');
  child.stderr!.on('data', (chunk: string) => process.stderr.write(chunk.replace(/^(?=.)/gm, '[serve] ')));
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function runScript(s: Script, url: string, token: string, reportDir: string, o: ReturnType<typeof parse>) {
  const args = [
    'load',
    s.file,
    '--summary-export',
    join(reportDir, `${s.stem}_export.json`),
    '--out',
    `html=${join(reportDir, `${s.stem}_report.html`)}`,
  ];
  if (o.json) args.push('--out', `json=${join(reportDir, `${s.stem}_points.ndjson`)}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BASE_URL: url,
    ADMIN_TOKEN: token,
    PROFILE: s.profile,
    REPORT_DIR: reportDir,
    CLEANUP: o.db ? '1' : '',
  };
  if (o.tenants) env.TENANTS = o.tenants;
  process.stderr.write(`\nloadtest: ${s.file} (PROFILE=${s.profile}) against ${url}\n`);
  const child = spawn(BIN, args, { cwd: ROOT, env, stdio: 'inherit' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return code ?? (signal ? 128 : 1);
}

/** A path relative to the working directory when it is below it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

async function main(): Promise<number> {
  const o = parse();
  const reportDir = resolve(ROOT, o['report-dir']);
  mkdirSync(reportDir, { recursive: true });
  const tempDb = o.db ? undefined : mkdtempSync(join(tmpdir(), 'tenantops-loadtest-'));
  const db = o.db ?? `pglite://${tempDb}`;
  const token = randomBytes(24).toString('hex');
  let server: Server | undefined;
  // Ctrl-C reaches the runner too (same process group); the platform is stopped below, in finally.
  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
    process.stderr.write('loadtest: interrupted; stopping\n');
  });
  try {
    server = await startServer(db, token, o);
    const results: { s: Script; code: number }[] = [];
    for (const s of o.scripts) {
      if (interrupted) break;
      results.push({ s, code: await runScript(s, server.url, token, reportDir, o) });
    }
    process.stderr.write('\nloadtest results\n');
    for (const { s, code } of results) {
      const verdict = code === 0 ? 'passed' : code === 99 ? 'thresholds crossed' : 'error';
      process.stderr.write(`  ${s.file} (${s.profile}): exit ${code}, ${verdict}\n`);
      const file = (f: string) => shown(join(reportDir, `${s.stem}_${f}`));
      process.stderr.write(
        `    report: ${file('report.html')}\n    data:   ${file('summary.json')}, ${file('export.json')}\n`,
      );
    }
    return results.find((r) => r.code !== 0)?.code ?? (interrupted ? 130 : 0);
  } finally {
    if (server) await stopServer(server.child);
    if (tempDb) rmSync(tempDb, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`loadtest: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
