import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TENANTOPS_DB_URL: '', TENANTOPS_DB_REPLICA_URL: '', ...env },
  });
}

test('serve --help shows the read replica flags with their defaults', () => {
  const r = run(['serve', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--db-replica URL +read replica of --db.*TENANTOPS_DB_REPLICA_URL/);
  assert.match(r.stdout, /--read-your-writes-ms MS .*\(default 2000; 0 off\)/);
  assert.match(r.stdout, /--replica-max-lag-s S .*\(default 5\)/);
});

test('replica tuning flags without a replica are a usage error, before anything starts', () => {
  const r = run(['serve', '--port', '0', '--replica-max-lag-s', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--read-your-writes-ms and --replica-max-lag-s need --db-replica .*TENANTOPS_E_USAGE/);
});

test('--db-replica on PGlite is refused with one line and exit 2, the password of a flag URL never printed', () => {
  const r = run(['serve', '--port', '0', '--db', 'pglite://memory', '--db-replica', 'pglite://memory']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /pglite has no replication to read from.*\[TENANTOPS_E_USAGE\]/);
  const mixed = run([
    'serve',
    '--port',
    '0',
    '--db',
    'pglite://memory',
    '--db-replica',
    'mysql://u:topsecret@127.0.0.1:1/x',
  ]);
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /a password in --db-replica is visible in ps; prefer TENANTOPS_DB_REPLICA_URL/);
  assert.match(mixed.stderr, /is mysql but --db is pglite/);
  assert.ok(!mixed.stderr.includes('topsecret'), mixed.stderr);
});
