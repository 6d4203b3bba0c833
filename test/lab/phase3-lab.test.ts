import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The lab needs these besides Node; CI installs them from .ci/apt-packages.txt.
const TOOLS: [string, string[], string][] = [
  ['/usr/sbin/mariadbd', ['--version'], 'mariadb-server'],
  ['haproxy', ['-v'], 'haproxy'],
  ['prometheus', ['--version'], 'prometheus'],
  ['/usr/bin/prometheus-mysqld-exporter', ['--version'], 'prometheus-mysqld-exporter'],
];

function skipReason(): string | false {
  for (const [cmd, args, pkg] of TOOLS) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status === 0) continue;
    const why = `${cmd} not runnable; install Debian's ${pkg}`;
    if (process.env.TENANTOPS_REQUIRE_SERVERS === '1') throw new Error(`TENANTOPS_REQUIRE_SERVERS=1 but ${why}`);
    return `${why}, or set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure`;
  }
  return false;
}

interface Summary {
  ok: boolean;
  checks: { name: string; ok: boolean; figures: Record<string, unknown>; notes: string[] }[];
}

/** Pids of live processes whose environment carries `mark` (every process the lab starts inherits it). */
function processesMarked(mark: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(mark)) {
        out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120)}`);
      }
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

describe(
  'npm run lab:phase3 (MariaDB pair, two serve nodes, HAProxy, exporters, Prometheus)',
  {
    skip: skipReason(),
    timeout: 15 * 60_000,
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'phase3-lab-test-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('--short holds all five checks, each with its figures, and writes summary.json where --out says', async () => {
      const out = join(dir, 'out');
      const mark = randomBytes(8).toString('hex');
      const child = spawn('npm', ['run', '-s', 'lab:phase3', '--', '--short', '--out', out], {
        cwd: ROOT,
        env: { ...process.env, TENANTOPS_LAB_TEST_MARK: mark },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout.on('data', (b: Buffer) => (log += b.toString()));
      child.stderr.on('data', (b: Buffer) => (log += b.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, `lab exited ${code}:\n${log.slice(-6000)}`);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      assert.equal(summary.checks.length, 5);
      for (const c of summary.checks) {
        assert.ok(c.ok, `${c.name}: ${c.notes.join('; ')}`);
        assert.ok(typeof c.figures.requests === 'number' && c.figures.requests > 0, `${c.name}: no requests`);
      }
      assert.equal(summary.checks[1]!.figures.failed_rate_pct !== undefined, true);
      assert.ok(Number(summary.checks[1]!.figures.failed_rate_pct) < 1);
      assert.equal(typeof summary.checks[1]!.figures.scrape_target_down_firing_after_ms, 'number');
      assert.equal(typeof summary.checks[2]!.figures.replica_lag_firing_after_ms, 'number');
      assert.equal(summary.checks[2]!.figures.failed_requests, 0);
      assert.match(String(summary.checks[3]!.figures.tables_equal_on_replica), /^(\d+)\/\1$/);
      assert.match(log, /every check held/);
      assert.deepEqual(processesMarked(mark), [], 'processes left behind');
    });

    test('an interrupted lab (SIGINT once the topology is up) leaves no process and no directory behind', async () => {
      const mark = randomBytes(8).toString('hex');
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/lab-phase3.ts', '--short', '--out', dir], {
        cwd: ROOT,
        env: { ...process.env, TENANTOPS_LAB_TEST_MARK: mark },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout.on('data', (b: Buffer) => (log += b.toString()));
      const up = new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (b: Buffer) => {
          log += b.toString();
          if (/lab: check 1\/5/.test(log)) resolve();
        });
        child.once('exit', (c) =>
          reject(new Error(`lab exited ${c} before its topology was up:\n${log.slice(-4000)}`)),
        );
      });
      await up;
      const running = processesMarked(mark);
      assert.ok(
        running.some((p) => p.includes('mariadbd')),
        `no mariadbd seen: ${running.join('\n')}`,
      );
      assert.ok(
        running.some((p) => p.includes('haproxy')),
        `no haproxy seen: ${running.join('\n')}`,
      );
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 130, log.slice(-4000));
      assert.deepEqual(processesMarked(mark), [], 'processes left behind');
      assert.deepEqual(
        readdirSync(tmpdir()).filter((n) => n.startsWith('tenantops-lab-')),
        [],
        'lab directory left behind',
      );
    });
  },
);
