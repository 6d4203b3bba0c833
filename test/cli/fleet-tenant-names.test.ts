// [fleet] Tenant ids that are awkward in file names ('/', '.', '..', ' ', '%', unicode, case, 300 characters):
// backup --all-tenants gives each tenant its own archive, and backups list, restore --from-dir and a listing without
// the index (encrypted archives read from their names) map every archive back to exactly its tenant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { cliIn } from '../helpers/cli-in.ts';

const IDS = [
  'a/b',
  'a.b',
  'a_b',
  '..',
  'x y',
  '50%',
  'ünï',
  'Acme',
  'acme',
  '7',
  '007',
  'L'.repeat(300),
  '',
  'two\nlines',
];

test('ids that differ only in characters a file name cannot hold get their own archives and map back exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-names-'));
  try {
    const pg = new PGlite(join(dir, 'db'));
    await pg.exec(`CREATE TABLE tenants (id text PRIMARY KEY);
      CREATE TABLE notes (id serial PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants (id), body text)`);
    for (const id of IDS) {
      await pg.query('INSERT INTO tenants VALUES ($1)', [id]);
      await pg.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2), ($1, $3)', [id, `a ${id}`, `b ${id}`]);
    }
    await pg.close();
    writeFileSync(join(dir, 'cfg.yaml'), 'tenant: { table: tenants, key: id, column: tenant_id }\n');
    const plain = cliIn(dir);
    const cli = (args: string[], env: Record<string, string> = {}) =>
      plain([...args, '--db', 'pglite://./db', '--config', 'cfg.yaml'], env);

    const b = cli(['backup', '--all-tenants', '--out-dir', 'b', '--parallel', '2']);
    assert.equal(b.status, 0, b.stderr);
    const files = readdirSync(join(dir, 'b')).filter((f) => f.endsWith('.tnt'));
    assert.equal(files.length, IDS.length, `one archive per tenant: ${files.join(' ')}`);
    // Also where names are compared without case (an SMB share): Acme and acme must not be one file there.
    assert.equal(new Set(files.map((f) => f.toLowerCase())).size, IDS.length, files.join(' '));
    assert.ok(files.every((f) => Buffer.byteLength(f) < 200));

    // The text listing: one line per archive whatever the id holds (a newline, nothing), shown JSON-quoted there.
    const text = plain(['backups', 'list', '--dir', 'b']).stdout.trimEnd().split('\n');
    assert.equal(text.length, IDS.length + 2, text.join('\n'));
    assert.ok(text.some((l) => / "two\\nlines" /.test(l)) && text.some((l) => / "" /.test(l)), text.join('\n'));
    const list = JSON.parse(plain(['backups', 'list', '--dir', 'b', '--json']).stdout) as {
      file: string;
      tenant: string;
      rows: number;
    }[];
    assert.deepEqual(list.map((a) => a.tenant).sort(), [...IDS].sort());
    assert.equal(new Set(list.map((a) => a.file)).size, IDS.length);
    for (const id of ['a/b', 'a_b', 'L'.repeat(300), '']) {
      const only = JSON.parse(plain(['backups', 'list', '--dir', 'b', '--tenant', id, '--json']).stdout);
      assert.deepEqual(
        only.map((a: { tenant: string }) => a.tenant),
        [id],
      );
      const r = cli(['restore', '--from-dir', 'b', '--tenant', id, '--yes', '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).tenantId, id);
    }

    // Encrypted, without the index and without the key: the names alone say whose each archive is.
    const key = { TENANTOPS_BACKUP_KEY: 'correct horse battery staple' };
    const e = cli(['backup', '--all-tenants', '--out-dir', 'e', '--encrypt'], key);
    assert.equal(e.status, 0, e.stderr);
    for (const f of readdirSync(join(dir, 'e'))) if (f.endsWith('.json')) rmSync(join(dir, 'e', f));
    const named = JSON.parse(plain(['backups', 'list', '--dir', 'e', '--json']).stdout) as {
      tenant: string;
      source: string;
    }[];
    assert.ok(named.every((a) => a.source === 'name'));
    const long = named.filter((a) => !IDS.includes(a.tenant));
    assert.equal(long.length, 1, 'only the cut 300-character id is not spelled by its name');
    assert.deepEqual(
      named
        .map((a) => a.tenant)
        .filter((t) => IDS.includes(t))
        .sort(),
      IDS.filter((id) => id.length < 300).sort(),
    );
    for (const id of ['a/b', 'a.b', 'L'.repeat(300)]) {
      const only = JSON.parse(plain(['backups', 'list', '--dir', 'e', '--tenant', id, '--json']).stdout);
      assert.equal(only.length, 1, id);
    }
    // With the key, each manifest gives the exact id, the long one too.
    const read = JSON.parse(plain(['backups', 'list', '--dir', 'e', '--json'], key).stdout) as { tenant: string }[];
    assert.deepEqual(read.map((a) => a.tenant).sort(), [...IDS].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
