import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDbUrl, redactUrl } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';

test('mysql and mariadb URLs parse to the mysql engine with defaults', () => {
  const t = parseDbUrl('mariadb://app:s3cret@db.example:3307/drupal_jaraba');
  assert.equal(t.engine, 'mysql');
  assert.ok(t.engine === 'mysql');
  assert.equal(t.host, 'db.example');
  assert.equal(t.port, 3307);
  assert.equal(t.user, 'app');
  assert.equal(t.password, 's3cret');
  assert.equal(t.database, 'drupal_jaraba');
  const d = parseDbUrl('mysql://127.0.0.1/x');
  assert.ok(d.engine === 'mysql');
  assert.equal(d.port, 3306);
  assert.equal(d.user, 'root');
});

test('postgres URLs keep a non-public schema and encoded passwords', () => {
  const t = parseDbUrl('postgresql://u:p%40ss@localhost/app?schema=tenant_data');
  assert.ok(t.engine === 'postgres');
  assert.equal(t.schema, 'tenant_data');
  assert.equal(t.password, 'p@ss');
  assert.equal(t.port, 5432);
  assert.ok(!t.redacted.includes('p@ss') && !t.redacted.includes('p%40ss'));
  assert.equal((parseDbUrl('postgres://localhost/app') as { schema: string }).schema, 'public');
});

test('pglite URLs resolve a directory against cwd or use memory', () => {
  const t = parseDbUrl('pglite://./.tenantops/db', '/srv/app');
  assert.ok(t.engine === 'pglite');
  assert.equal(t.dataDir, '/srv/app/.tenantops/db');
  assert.equal((parseDbUrl('pglite://./a%3Fb', '/srv') as { dataDir: string }).dataDir, '/srv/a?b');
  const m = parseDbUrl('pglite://memory');
  assert.ok(m.engine === 'pglite');
  assert.equal(m.dataDir, null);
});

for (const [url, why] of [
  ['sqlite://x.db', 'unsupported scheme'],
  ['not a url', 'expected scheme'],
  ['mysql://localhost', 'missing database'],
  ['mysql://localhost:99999/x', 'bad port'],
  ['postgres://localhost/x?schema=a;drop', 'bad schema'],
  ['postgres://localhost/x?foo=1', 'unknown parameter'],
  ['pglite://', 'pglite needs'],
  ['pglite://./db?schema=x', 'pglite:// takes no parameters'],
  ['pglite://memory?x=1', 'pglite:// takes no parameters'],
] as const) {
  test(`rejects ${url} with a clear error and exit code 2`, () => {
    assert.throws(
      () => parseDbUrl(url),
      (e: unknown) =>
        e instanceof TenantopsError && e.code === 'TENANTOPS_E_DB_URL' && e.exitCode === 2 && e.message.includes(why),
    );
  });
}

test('a bad URL error never contains the password', () => {
  assert.throws(
    () => parseDbUrl('mysql://root:hunter2@localhost:notaport/x'),
    (e: unknown) => e instanceof Error && !e.message.includes('hunter2') && e.message.includes('***'),
  );
});

test('redactUrl hides passwords inside any text', () => {
  assert.equal(
    redactUrl('failed: mysql://a:b@h/db and postgres://u:pw@x/y'),
    'failed: mysql://a:***@h/db and postgres://u:***@x/y',
  );
  assert.equal(redactUrl('mysql://a@h/db'), 'mysql://a@h/db');
});

// An operator pastes a password as it is: '@', ':', spaces and '%' in it are not escaped. None of it may reach an
// error line, whatever is wrong with the rest of the URL.
for (const [url, secret] of [
  ['mysql://root:p@ss@word@127.0.0.1:99999/db', ['p@ss@word', 'ss@word', 'word@']],
  ['postgres://u:p@ss@h:5432/x?schema=1bad', ['p@ss', 'ss@h']],
  ['mysql://root:p@ss@h:3306/db?foo=1', ['p@ss', 'ss@h']],
  ['mysql://root:p@ss@h:3306/', ['p@ss', 'ss@h']],
  ['mysq://root:p@ss@h/db', ['p@ss', 'ss@h']],
  ['mysql://root:pass word@h:99999/db', ['pass word', 'word@', 'pass ']],
  ['root:hunter2@h:3306/db', ['hunter2']],
  ['mysql//root:hunter2@h:3306/db', ['hunter2']],
] as const) {
  test(`a bad URL error shows none of the password of ${JSON.stringify(url)}`, () => {
    assert.throws(
      () => parseDbUrl(url),
      (e: unknown) =>
        e instanceof TenantopsError &&
        e.code === 'TENANTOPS_E_DB_URL' &&
        secret.every((s) => !e.message.includes(s)) &&
        e.message.includes('***'),
    );
  });
}

test('redactUrl hides a password that holds an @ or a colon', () => {
  assert.equal(redactUrl('at mysql://root:p@ss@word@h:3306/db: refused'), 'at mysql://root:***@h:3306/db: refused');
  assert.equal(redactUrl('"postgres://u:a:b@h/x" bad'), '"postgres://u:***@h/x" bad');
  // The '@' of a driver message after the URL is not taken for the URL's.
  assert.equal(
    redactUrl("cannot connect to mysql://root:***@h/x: Access denied for user 'root'@'h'"),
    "cannot connect to mysql://root:***@h/x: Access denied for user 'root'@'h'",
  );
});

for (const url of ['mysql://root:pa%ss@h/db', 'postgres://u%zz@h/db', 'mysql://root@h/d%zb', 'pglite://./d%zz']) {
  test(`a bad %-escape in ${url} is TENANTOPS_E_DB_URL, not an internal error`, () => {
    assert.throws(
      () => parseDbUrl(url),
      (e: unknown) =>
        e instanceof TenantopsError &&
        e.code === 'TENANTOPS_E_DB_URL' &&
        e.exitCode === 2 &&
        /%-escape/.test(e.message) &&
        !e.message.includes('pa%ss'),
    );
  });
}
