// What an operator meets in the first hour: interrupts, pipes, busy ports, errors that say what to do, and output
// that is short by default and agrees with the plan.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason } from '../helpers/test-databases.ts';
import { connectDb } from '../../src/db/index.ts';
import { restoreTenant } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

function cli(dir: string, args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '' },
  });
}

// Probed before any test runs: the tests below block the event loop in spawnSync, which would time a probe out.
const serversSkip = (await skipReason('mysql')) || (await skipReason('postgres'));

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('on the embedded database', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantops-ux-'));
    const seed = cli(dir, ['db', 'seed', '--tenants', '2', '--rows', '1500']);
    assert.equal(seed.status, 0, seed.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SIGINT during a backup: one line, no .partial file, and the same command then succeeds', async () => {
    const args = ['backup', '--tenant', '1', '--out', 'int.tnt'];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, TENANTOPS_DB_URL: '' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // The partial file exists from the moment rows start to be written until the rename at the end.
    const partial = join(dir, 'int.tnt.partial');
    const t0 = Date.now();
    while (!existsSync(partial) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(existsSync(partial), 'the backup reached the writing stage');
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.equal(lines(stderr).length, 1, stderr);
    assert.match(
      stderr,
      /backup interrupted by SIGINT; removed the unfinished .*int\.tnt\.partial; the database is unchanged/,
    );
    assert.ok(!existsSync(partial) && !existsSync(join(dir, 'int.tnt')));
    const again = cli(dir, args);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(existsSync(join(dir, 'int.tnt')));
  });

  // readline takes Ctrl+C and Ctrl+D itself at the prompt: both ended as 'Aborted with Ctrl+C' (or D)
  // [TENANTOPS_E_INTERNAL], exit 1, an internal error to report as a bug.
  // script(1) (Debian's bsdutils, an essential package; .ci/apt-packages.txt names it) gives the CLI a terminal.
  test('at the confirmation prompt, Ctrl+C is an interrupt (exit 130) and Ctrl+D a no (exit 2)', async () => {
    const made = cli(dir, ['backup', '--tenant', '2', '--out', 'ask.tnt']);
    assert.equal(made.status, 0, made.stderr);
    for (const [key, exit, said] of [
      ['\x03', 130, /restore interrupted by SIGINT; rolled back, the database is unchanged/],
      ['\x04', 2, /tenantops: restore cancelled; nothing was changed \[TENANTOPS_E_CONFIRM\]/],
    ] as const) {
      // script(1) gives the CLI a terminal; -e passes on its exit code.
      const child = spawn('script', ['-qec', `'${process.execPath}' '${BIN}' restore --in ask.tnt`, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '' },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const t0 = Date.now();
      while (!out.includes('[y/N]') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(out.includes('[y/N]'), out);
      child.stdin.write(key);
      assert.equal(await exited, exit, out);
      assert.match(out, said);
      assert.doesNotMatch(out, /TENANTOPS_E_INTERNAL/);
      child.stdin.end();
    }
    rmSync(join(dir, 'ask.tnt'));
  });

  // verify and inspect read the whole archive: minutes for a large one, with nothing on the screen.
  test('verify and inspect show how much of the archive they have read, on a terminal', () => {
    const made = cli(dir, ['backup', '--tenant', '1', '--out', 'read.tnt']);
    assert.equal(made.status, 0, made.stderr);
    for (const command of ['verify', 'inspect']) {
      const r = spawnSync('script', ['-qec', `'${process.execPath}' '${BIN}' ${command} read.tnt`, '/dev/null'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_BACKUP_KEY: '' },
      });
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, new RegExp(`\\r${command} \\[#{20}\\] 100% [\\d.]+ MB of [\\d.]+ MB`), r.stdout);
      // Off a terminal, a short read prints nothing but its result.
      const plain = cli(dir, [command, 'read.tnt']);
      assert.equal(plain.stderr, '');
    }
    rmSync(join(dir, 'read.tnt'));
  });

  // A file where the safety backup's directory goes was 'EEXIST: file already exists, mkdir …'
  // [TENANTOPS_E_INTERNAL], and only once the archive was compared, the prompt answered and the hook run.
  test('a file in the way of the safety backup directory: one line before the restore starts, nothing changed', async () => {
    const b = cli(dir, ['backup', '--tenant', '2', '--out', 'sd.tnt']);
    assert.equal(b.status, 0, b.stderr);
    const pg = `pglite://${join(dir, '.tenantops', 'db')}`;
    let db = await connectDb(pg);
    try {
      await db.execute("UPDATE crm_company SET name = 'sd-damage' WHERE tenant_id = 2");
    } finally {
      await db.close();
    }
    writeFileSync(join(dir, 'in-the-way'), '');
    for (const safety of ['in-the-way', join('in-the-way', 'sub')]) {
      const r = cli(dir, ['restore', '--in', 'sd.tnt', '--yes', '--safety-dir', safety]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `tenantops: the safety backup directory ${safety} cannot be made, a file is in the way: move it, or name another directory with --safety-dir [TENANTOPS_E_USAGE]\n`,
      );
    }
    // Through the library, which the CLI's check does not guard: the same place is an I/O error, rolled back.
    db = await connectDb(pg, { values: 'text' });
    try {
      await assert.rejects(
        restoreTenant(db, { archive: join(dir, 'sd.tnt'), safetyDir: join(dir, 'in-the-way', 'sub') }),
        (e: unknown) =>
          e instanceof TenantopsError &&
          e.code === 'TENANTOPS_E_IO' &&
          /cannot create the safety backup directory .*in-the-way\/sub: .*; nothing was changed/.test(e.message),
      );
      const left = await db.query("SELECT COUNT(*) AS n FROM crm_company WHERE name = 'sd-damage'");
      assert.ok(Number(left[0]!.n) > 0, 'the damage is still there: nothing was written');
    } finally {
      await db.close();
    }
    rmSync(join(dir, 'in-the-way'));
    assert.equal(cli(dir, ['restore', '--in', 'sd.tnt', '--yes']).status, 0, 'tenant 2 as it was, for the tests after');
    rmSync(join(dir, 'sd.tnt'));
  });

  // 'ENOTDIR: not a directory, lstat …' [TENANTOPS_E_INTERNAL], where a missing directory was already one line.
  test('backup --out under a file is one I/O line, as a missing directory is', () => {
    writeFileSync(join(dir, 'a-file'), '');
    for (const [out, why] of [
      [join('a-file', 'x.tnt'), 'a part of the path is not a directory \\(ENOTDIR\\)'],
      [join('no-dir', 'x.tnt'), 'no such file or directory \\(ENOENT\\)'],
    ] as const) {
      const r = cli(dir, ['backup', '--tenant', '1', '--out', out]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^tenantops: cannot write .*${out}: ${why}; no partial file was left \\[TENANTOPS_E_IO\\]\\n$`),
      );
    }
    rmSync(join(dir, 'a-file'));
  });

  test('a closed stdout ends the command quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" tables --tenant 1 | head -1`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, TENANTOPS_DB_URL: '' },
    });
    assert.equal(r.status, 0);
    assert.equal(lines(r.stdout).length, 1);
    assert.equal(r.stderr, '', 'no EPIPE stack trace');
  });

  test('tables of a missing tenant is the same error as backup', () => {
    const t = cli(dir, ['tables', '--tenant', '999']);
    const b = cli(dir, ['backup', '--tenant', '999', '--out', 'x.tnt']);
    assert.equal(t.status, 1);
    assert.equal(t.status, b.status);
    assert.match(t.stderr, /\[TENANTOPS_E_TENANT_NOT_FOUND\]/);
    assert.match(b.stderr, /\[TENANTOPS_E_TENANT_NOT_FOUND\]/);
  });

  test('backup prints one summary line; --verbose adds one line per table', () => {
    const quiet = cli(dir, ['backup', '--tenant', '2', '--out', 'q.tnt']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(lines(quiet.stdout).length, 1, quiet.stdout);
    assert.match(quiet.stdout, /^backed up tenant 2: \d+ rows from \d+ tables in [\d.]+ s -> q\.tnt/);
    assert.equal(quiet.stderr, '');
    const verbose = cli(dir, ['backup', '--tenant', '2', '--out', 'v.tnt', '--verbose']);
    const manifest = JSON.parse(cli(dir, ['inspect', 'v.tnt', '--json']).stdout);
    assert.equal(lines(verbose.stdout).length, manifest.tables.length + 1);
  });

  test('restore prints the tables that change, totals equal to the plan, and the safety file', async () => {
    const b = cli(dir, ['backup', '--tenant', '2', '--out', 'r.tnt']);
    assert.equal(b.status, 0, b.stderr);
    // Damage tenant 2 directly in its database: a deleted table's rows and renamed companies.
    const db = await connectDb(`pglite://${join(dir, '.tenantops', 'db')}`);
    try {
      await db.execute('DELETE FROM crm_activity WHERE tenant_id = 2');
      await db.execute("UPDATE crm_company SET name = 'renamed' WHERE tenant_id = 2");
    } finally {
      await db.close();
    }
    const plan = JSON.parse(cli(dir, ['restore', '--in', 'r.tnt', '--dry-run', '--json']).stdout);
    const r = cli(dir, ['restore', '--in', 'r.tnt', '--yes']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(plan.written > 0, 'the damage is in the plan');
    const changed = plan.tables.filter(
      (t: { insert: number; update: number; delete: number }) => t.insert + t.update + t.delete,
    );
    const sum = (k: string) => plan.tables.reduce((a: number, t: Record<string, number>) => a + t[k]!, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `${changed.length} of ${plan.tables.length} tables change: ${sum('insert')} inserts, ${sum('update')} updates, ${sum('delete')} deletes`,
      ),
    );
    // Only the changed tables are listed (header + one per table + totals), not every table.
    const planLines = lines(r.stderr).filter((l) => l.startsWith('  '));
    assert.equal(planLines.length, (changed.length ? changed.length + 1 : 0) + 1, r.stderr);
    assert.match(r.stdout, new RegExp(`restored tenant 2: ${plan.written} rows written in ${changed.length} tables`));
    assert.match(r.stdout, /safety backup of the previous rows: .*safety-tenant-2-.*\.tnt/);
  });

  test("--version is package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(cli(dir, ['--version']).stdout.trim(), pkg.version);
  });

  test('an auto-loaded config with several problems names the file and lists them all', () => {
    const sub = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(
      join(sub, 'tenantops.config.yaml'),
      'preset: wordpress\ntables:\n  x:\n    where: owner = 1\nrelations:\n  - from: a\n    to: b.c\n',
    );
    const r = cli(sub, ['tables']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /tenantops\.config\.yaml has 3 problems.*\[TENANTOPS_E_CONFIG\]/);
    for (const p of [/preset: unknown preset/, /tables\.x\.where: must use :tenant/, /relations\[0\]\.from/])
      assert.match(r.stderr, p);
  });
});

test('a busy port is a usage error that names --port', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-port-'));
  try {
    const r = cli(dir, ['serve', '--port', String(port)]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use: pass --port .*\\[TENANTOPS_E_USAGE\\]`),
    );
    assert.ok(!r.stderr.includes('TENANTOPS_E_INTERNAL'));
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('connection errors say what to do', () => {
  const skip = serversSkip;
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown MariaDB database',
      ['--db', 'mysql://root@127.0.0.1:3306/tenantops_no_such_db'],
      /does not exist: create it/,
    ],
    [
      'an unknown PostgreSQL database',
      ['--db', 'postgres://postgres@127.0.0.1:5432/tenantops_no_such_db'],
      /does not exist: create it/,
    ],
    [
      'a port where nothing listens',
      ['--db', 'mysql://root@127.0.0.1:1/x'],
      /start the server, or check the host and port/,
    ],
    [
      'an unknown host',
      ['--db', 'postgres://postgres@no-such-host.invalid:5432/x'],
      /unknown host: check the host name/,
    ],
    [
      // pg read MariaDB's greeting as a copyData message, and said only that.
      'a PostgreSQL URL at the MariaDB port',
      ['--db', 'postgres://postgres@127.0.0.1:3306/x'],
      /check that the host and port in the URL name a server of this kind/,
    ],
    [
      'a wrong password',
      ['--db', 'mysql://tenantops_nobody:wrong@127.0.0.1:3306/test'],
      /check the user name and password/,
    ],
  ];
  for (const [name, args, advice] of cases)
    test(name, { skip }, () => {
      const r = cli(tmpdir(), ['tables', ...args]);
      assert.equal(r.status, 1);
      assert.equal(lines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, /cannot connect to .*\[TENANTOPS_E_DB_CONNECT\]/);
      assert.match(r.stderr, advice);
    });
  test('--connect-timeout bounds the wait for a host that never answers', () => {
    // 10.255.255.1 is unroutable on a typical host: the SYN goes nowhere, so only the timeout ends the attempt.
    const t0 = Date.now();
    const r = cli(tmpdir(), ['tables', '--db', 'mysql://root@10.255.255.1:3306/x', '--connect-timeout', '0.5']);
    assert.equal(r.status, 1);
    assert.ok(Date.now() - t0 < 10_000, 'gave up on time');
    assert.match(r.stderr, /cannot connect to .*; .*\[TENANTOPS_E_DB_CONNECT\]/);
  });
  test('a bad --connect-timeout is a usage error', () => {
    const r = cli(tmpdir(), ['tables', '--connect-timeout', 'soon']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--connect-timeout must be a number of seconds/);
  });
});
