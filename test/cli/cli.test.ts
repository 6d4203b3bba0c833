import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.ts';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

function run(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TENANTOPS_DB_URL: '' },
  });
}

test('--help lists every command', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c.name} `), `help lists ${c.name}`);
});

test('every command has --help', () => {
  for (const c of COMMANDS) {
    const r = run([...c.name.split(' '), '--help']);
    assert.equal(r.status, 0, c.name);
    assert.match(r.stdout, /Usage: tenantops/);
  }
});

test('a bad URL is one clear line on stderr and exit 2', () => {
  const r = run(['db', 'migrate', '--db', 'oracle://u:topsecret@h/x']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /TENANTOPS_E_DB_URL/);
  assert.ok(!r.stderr.includes('topsecret'));
});

test('an unknown command and an unknown flag exit 2', () => {
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['db', 'migrate', '--nope']).status, 2);
});

test('with no --db the embedded database is created on first use and seeded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-'));
  try {
    const r = run(['db', 'seed', '--tenants', '2', '--rows', '60', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.db, 'pglite://./.tenantops/db');
    assert.equal(out.tenants.length, 2);
    assert.ok(out.rows > 60);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// `backups` and `db` are only the first word of their commands: `tenantops backups --help` said 'unknown command
// "backups"', as if there were no such thing.
test('the first word of a two-word command shows its commands, with --help and without', () => {
  for (const [word, names] of [
    ['backups', ['backups list']],
    ['db', ['db migrate', 'db seed']],
  ] as const) {
    const help = run([word, '--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const n of names) assert.ok(help.stdout.includes(`Usage: tenantops ${n}`), `${word} --help shows ${n}`);
    for (const args of [[word], [word, 'nope']]) {
      const r = run(args);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      for (const n of names) assert.ok(r.stderr.includes(n), `${args.join(' ')} names ${n}: ${r.stderr}`);
      assert.match(r.stderr, /\[TENANTOPS_E_USAGE\]/);
    }
  }
});

// parseArgs keeps the last of a repeated flag: `backup --tenant 1 … --tenant 2`, a line edited in a hurry, backed
// up tenant 2 without a word.
test('a flag given twice with different values is refused; the same value twice is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-'));
  try {
    const twice = run(['tables', '--db', 'pglite://./nodb', '--tenant', '1', '--tenant', '2'], dir);
    assert.equal(twice.status, 2);
    assert.match(
      twice.stderr,
      /^tenantops: --tenant is given twice, with different values: give it once .*\[TENANTOPS_E_USAGE\]\n$/,
    );
    // The same value twice gets past the command line, to the missing database.
    const same = run(['tables', '--db', 'pglite://./nodb', '--tenant', '1', '--tenant=1'], dir);
    assert.match(same.stderr, /\[TENANTOPS_E_DB_CONNECT\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown flag is one line that names the nearest flag of the command', () => {
  for (const [args, hint] of [
    [['backup', '--tenat', '1'], '; did you mean --tenant?'],
    [['restore', '--dryrun'], '; did you mean --dry-run?'],
    [['backup', '--frobnicate'], ''],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `tenantops: unknown option ${args[1]}${hint} (see tenantops ${args[0]} --help) [TENANTOPS_E_USAGE]\n`,
    );
  }
});

test('help COMMAND shows the help of COMMAND; help of an unknown command is an error', () => {
  for (const c of ['backup', 'db seed']) {
    const r = run(['help', ...c.split(' ')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, run([...c.split(' '), '--help']).stdout);
  }
  const r = run(['help', 'nosuch']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "nosuch"/);
});

test('a stray argument and a missing FILE are named', () => {
  const stray = run(['tables', 'extra']);
  assert.equal(stray.status, 2);
  assert.match(stray.stderr, /^tenantops: unexpected argument "extra" \(see tenantops tables --help\)/);
  const missing = run(['inspect']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^tenantops: missing FILE; usage: tenantops inspect /);
});

// A script that reads `--json` from stdout got nothing at all when the command failed: `verify --json | jq .ok`
// printed nothing rather than false.
test('with --json a failure prints one JSON object on stdout, and the one line on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-'));
  try {
    for (const [args, code, exit] of [
      [['verify', 'missing.tnt', '--json'], 'TENANTOPS_E_ARCHIVE_CORRUPT', 3],
      [['tenants', '--db', 'postgres://u:topsecret@127.0.0.1:1/x', '--json'], 'TENANTOPS_E_DB_CONNECT', 1],
      [['backup', '--tenat', '1', '--json'], 'TENANTOPS_E_USAGE', 2],
    ] as const) {
      const r = run([...args], dir);
      assert.equal(r.status, exit, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.ok, false);
      assert.equal(out.error.code, code);
      assert.equal(out.error.exit, exit);
      assert.equal(`tenantops: ${out.error.message} [${code}]\n`, r.stderr);
      assert.ok(!r.stdout.includes('topsecret'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// `backup --out -` wrote a file called "-" where the operator meant stdout; `restore --in -` looked for one.
test('"-" as an archive is refused before anything is opened, and no file "-" is made', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-'));
  try {
    for (const args of [
      ['backup', '--db', 'pglite://./nodb', '--tenant', '1', '--out', '-'],
      ['restore', '--db', 'pglite://./nodb', '--in', '-', '--yes'],
      ['inspect', '-'],
      ['verify', '-'],
    ]) {
      const r = run(args, dir);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^tenantops: "-": archives are not streamed through stdin or stdout .*\[TENANTOPS_E_USAGE\]\n$/,
      );
      assert.deepEqual(readdirSync(dir), []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown command names the nearest one; --debug may come before the command', () => {
  const typo = run(['restor', '--in', 'x.tnt']);
  assert.equal(typo.status, 2);
  assert.equal(
    typo.stderr,
    'tenantops: unknown command "restor"; did you mean restore? (see tenantops --help) [TENANTOPS_E_USAGE]\n',
  );
  // `tenantops --debug backup …` was 'unknown command "--debug"'.
  const lead = run(['--debug', 'backup', '--help']);
  assert.equal(lead.status, 0, lead.stderr);
  assert.equal(lead.stdout, run(['backup', '--help']).stdout);
  const failing = run(['--debug', 'tables', 'extra']);
  assert.equal(failing.status, 2);
  assert.match(failing.stderr, /^tenantops: unexpected argument "extra" .*\n.*TenantopsError/);
});

// A mistyped --dir was 'not a directory', as if a file were in the way.
test('a backup location that is not there is "no such directory"; a file there is "not a directory"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-cli-'));
  try {
    writeFileSync(join(dir, 'a-file'), '');
    for (const [args, said] of [
      [['backups', 'list', '--dir', 'nightly'], '--dir nightly: no such directory'],
      [['prune', '--dir', 'nightly', '--keep-last', '1'], '--dir nightly: no such directory'],
      [['restore', '--from-dir', 'nightly', '--tenant', '1'], '--from-dir nightly: no such directory'],
      [['backups', 'list', '--dir', 'a-file'], '--dir a-file: not a directory'],
    ] as const) {
      const r = run([...args], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `tenantops: ${said} [TENANTOPS_E_USAGE]\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
