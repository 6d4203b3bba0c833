// [fleet] One run at a time per backup location: a second `backup --all-tenants` into the same directory while the
// first runs is refused (TENANTOPS_E_RUN_LOCKED, naming the holder), and so is `prune --yes`; the first run's index
// is whole afterwards. A run killed with SIGKILL leaves its lock, which the next run on this host takes over at once
// (its pid is gone) and then finishes the job. Real processes on MariaDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRunIndex, RUN_LOCK_NAME } from '../../src/backup/index.ts';
import { cliIn } from '../helpers/cli-in.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;
const TENANTS = 12;

function start(cwd: string, args: string[], env: Record<string, string>): ChildProcess & { exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0))),
  );
  return Object.assign(child, { exited });
}

/** Waits until `path` exists (the run took its lock), at most 60 s. */
async function appears(path: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(path); i++) await sleep(100);
  assert.ok(existsSync(path), `${path} appeared`);
}

function onlyIndex(dir: string) {
  const names = readdirSync(dir).filter((f) => /^tenantops-run-.*\.json$/.test(f));
  assert.equal(names.length, 1, `one run index in ${dir}: ${names.join(', ')}`);
  return readRunIndex(join(dir, names[0]!));
}

test(
  "a second backup --all-tenants or prune --yes into a directory a run holds is refused; an interrupted run releases its lock, a SIGKILLed run's is taken over",
  { skip: await skipReason('mysql') },
  async () => {
    const db = await createTempDatabase('mysql');
    const cwd = mkdtempSync(join(tmpdir(), 'tenantops-run-lock-'));
    const env = { TENANTOPS_DB_URL: db.url };
    const cli = cliIn(cwd);
    try {
      assert.equal(cli(['db', 'seed', '--tenants', String(TENANTS), '--rows', '40'], env).status, 0);
      const run = ['backup', '--all-tenants', '--out-dir', 'b'];

      // Held: the first run is stopped (SIGSTOP) once it holds the lock, so it is alive and mid-run for as long as
      // the test needs.
      const first = start(cwd, run, env);
      await appears(join(cwd, 'b', RUN_LOCK_NAME));
      first.kill('SIGSTOP');
      try {
        const second = cli(run, env);
        assert.equal(second.status, 1, second.stderr);
        const line = second.stderr.trim().split('\n').at(-1)!;
        assert.match(
          line,
          new RegExp(
            `is in use by backup --all-tenants on host ${hostname()}, pid ${first.pid}, started \\d{4}-.*\\[TENANTOPS_E_RUN_LOCKED\\]$`,
          ),
        );
        assert.equal(second.stderr.trim().split('\n').length, 1, 'one line');
        const prune = cli(['prune', '--dir', 'b', '--keep-last', '1', '--yes'], env);
        assert.equal(prune.status, 1, prune.stderr);
        assert.match(prune.stderr, /pid \d+.*\[TENANTOPS_E_RUN_LOCKED\]/);
        assert.equal(cli(['prune', '--dir', 'b', '--keep-last', '1'], env).status, 0, 'a dry run only reads');
      } finally {
        first.kill('SIGCONT');
      }
      assert.equal(await first.exited, 0);
      const index = onlyIndex(join(cwd, 'b'));
      assert.notEqual(index.finishedAt, null);
      assert.equal(index.resumed, 0);
      assert.deepEqual(
        index.tenants.map((t) => t.result),
        Array(TENANTS).fill('ok'),
      );
      assert.ok(!existsSync(join(cwd, 'b', RUN_LOCK_NAME)), 'released at the end');
      assert.equal(cli(['prune', '--dir', 'b', '--keep-last', '1', '--yes'], env).status, 0, 'free again');

      // Interrupted: SIGINT ends the run with 130 and gives the lock up.
      const interrupted = start(cwd, ['backup', '--all-tenants', '--out-dir', 'd'], env);
      await appears(join(cwd, 'd', RUN_LOCK_NAME));
      interrupted.kill('SIGINT');
      assert.equal(await interrupted.exited, 130);
      assert.ok(!existsSync(join(cwd, 'd', RUN_LOCK_NAME)), 'an interrupt releases the lock');

      // Killed: SIGKILL leaves the lock; the next run takes it over with a warning and finishes the job.
      const killed = start(cwd, ['backup', '--all-tenants', '--out-dir', 'c'], env);
      await appears(join(cwd, 'c', RUN_LOCK_NAME));
      killed.kill('SIGKILL');
      await killed.exited;
      assert.ok(existsSync(join(cwd, 'c', RUN_LOCK_NAME)), 'a SIGKILL leaves the lock');
      const held = JSON.parse(readFileSync(join(cwd, 'c', RUN_LOCK_NAME), 'utf8'));
      assert.equal(held.pid, killed.pid);
      // What the killed run left unfinished (written to a moment ago: an hour's wait would keep it) goes at once.
      writeFileSync(join(cwd, 'c', 'tenant-99-20261207T020000Z.tnt.partial'), 'unfinished');
      const next = cli(['backup', '--all-tenants', '--out-dir', 'c'], env);
      assert.equal(next.status, 0, next.stderr);
      assert.ok(
        !existsSync(join(cwd, 'c', 'tenant-99-20261207T020000Z.tnt.partial')),
        "the dead run's partial is gone",
      );
      assert.deepEqual(
        readdirSync(join(cwd, 'c')).filter((f) => f.endsWith('.partial')),
        [],
      );
      assert.match(
        next.stderr,
        /removed \d+ unfinished files of an interrupted run: .*tenant-99-20261207T020000Z\.tnt\.partial/,
      );
      assert.match(
        next.stderr,
        new RegExp(
          `taking over the lock of backup --all-tenants on host .*, pid ${killed.pid}, .*process ${killed.pid} on this host is gone`,
        ),
      );
      const after = onlyIndex(join(cwd, 'c'));
      assert.notEqual(after.finishedAt, null);
      assert.equal(after.tenants.filter((t) => t.result === 'ok').length, TENANTS);
      assert.ok(!existsSync(join(cwd, 'c', RUN_LOCK_NAME)));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await db.drop();
    }
  },
);
