// [fleet] `backups list --verify` reads every archive and checks it as a restore does: a byte flipped mid-file at
// the same size, which the plain listing cannot see (it compares sizes with the run index), is reported damaged
// per archive (text and --json) and the command exits 3; in a local directory (plain and encrypted, with and without
// the key) and in a bucket of a real S3-protocol server (s3rver on loopback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listArchives, openBackupStore } from '../../src/backup/index.ts';
import { verifyListedArchive } from '../../src/backup/fleet/verify-listed-archive.ts';
import { getText } from '../../src/backup/storage/store-text.ts';
import { cliAsyncIn, type CliResult } from '../helpers/cli-in.ts';
import { useS3Server } from '../helpers/s3-server.ts';

const s3 = useS3Server();
const KEY = 'list-verify-test-key-0123456789';

interface Listed {
  file: string;
  problem: string | null;
  verified?: string;
  verifyNote?: string | null;
}

function flipMiddle(b: Buffer): Buffer {
  const out = Buffer.from(b);
  out[out.length >> 1]! ^= 0x01;
  return out;
}

function listed(r: CliResult): Map<string, Listed> {
  return new Map((JSON.parse(r.stdout) as Listed[]).map((a) => [a.file, a]));
}

test('backups list --verify finds a byte flipped mid-archive in a directory, plain and encrypted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-list-verify-'));
  try {
    const cli = cliAsyncIn(dir);
    assert.equal((await cli(['db', 'seed', '--tenants', '3', '--rows', '40'])).status, 0);
    assert.equal((await cli(['backup', '--all-tenants', '--out-dir', 'b'])).status, 0);
    const clean = await cli(['backups', 'list', '--dir', 'b', '--verify', '--json']);
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual(
      [...listed(clean).values()].map((a) => a.verified),
      ['ok', 'ok', 'ok'],
    );

    const file = readdirSync(join(dir, 'b')).find((f) => f.startsWith('tenant-2-'))!;
    writeFileSync(join(dir, 'b', file), flipMiddle(readFileSync(join(dir, 'b', file))));
    const plain = await cli(['backups', 'list', '--dir', 'b', '--json']);
    assert.equal(plain.status, 0);
    assert.equal(listed(plain).get(file)!.problem, null, 'the listing alone cannot tell (same size)');

    const v = await cli(['backups', 'list', '--dir', 'b', '--verify', '--json']);
    assert.equal(v.status, 3, v.stderr);
    assert.match(v.stderr, new RegExp(`1 of 3 archives are damaged \\(${file}\\).*\\[TENANTOPS_E_ARCHIVE_CORRUPT\\]`));
    const got = listed(v);
    assert.equal(got.get(file)!.verified, 'damaged');
    assert.match(got.get(file)!.problem!, /corrupt|SHA-256/);
    assert.deepEqual(
      [...got.values()].filter((a) => a.file !== file).map((a) => a.verified),
      ['ok', 'ok'],
    );
    const text = await cli(['backups', 'list', '--dir', 'b', '--verify']);
    assert.equal(text.status, 3);
    assert.match(text.stdout, new RegExp(`${file.replace(/\./g, '\\.')}  DAMAGED  \\(`));
    assert.match(text.stdout, /3 archives of 3 tenants, 1 damaged; verified 3/);

    // Encrypted: without the key the bytes are still compared with the index; with it, the contents are checked.
    const env = { TENANTOPS_BACKUP_KEY: KEY };
    assert.equal((await cli(['backup', '--all-tenants', '--out-dir', 'e', '--encrypt'], env)).status, 0);
    const enc = readdirSync(join(dir, 'e')).find((f) => f.startsWith('tenant-3-'))!;
    writeFileSync(join(dir, 'e', enc), flipMiddle(readFileSync(join(dir, 'e', enc))));
    const noKey = await cli(['backups', 'list', '--dir', 'e', '--verify', '--json']);
    assert.equal(noKey.status, 3, noKey.stderr);
    const nk = listed(noKey);
    assert.equal(nk.get(enc)!.verified, 'damaged');
    assert.match(nk.get(enc)!.problem!, /SHA-256 is not the one its run index recorded/);
    assert.ok(
      [...nk.values()]
        .filter((a) => a.file !== enc)
        .every((a) => a.verified === 'ok' && /contents not checked without the key/.test(a.verifyNote!)),
    );
    const withKey = await cli(['backups', 'list', '--dir', 'e', '--verify', '--json'], env);
    assert.equal(withKey.status, 3);
    const wk = listed(withKey);
    assert.equal(wk.get(enc)!.verified, 'damaged');
    assert.ok([...wk.values()].filter((a) => a.file !== enc).every((a) => a.verified === 'ok' && !a.verifyNote));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backups list --verify finds a byte flipped mid-archive in a bucket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-list-verify-s3-'));
  const loc = 's3://tenantops/list-verify';
  try {
    const cli = cliAsyncIn(dir);
    const env = s3.env;
    assert.equal((await cli(['db', 'seed', '--tenants', '2', '--rows', '40'], env)).status, 0);
    const b = await cli(['backup', '--all-tenants', '--out-dir', loc], env);
    assert.equal(b.status, 0, b.stderr);
    assert.equal((await cli(['backups', 'list', '--dir', loc, '--verify'], env)).status, 0);

    const store = openBackupStore(loc, dir, process.env);
    const file = (await store.list()).map((o) => o.name).find((n) => n.startsWith('tenant-1-'))!;
    const parts: Buffer[] = [];
    for await (const c of store.get(file)) parts.push(c);
    const sink = store.put(file);
    sink.stream.end(flipMiddle(Buffer.concat(parts)));
    await once(sink.stream, 'finish');
    await sink.commit();
    assert.ok((await getText(store, file)).length > 0);

    assert.equal(listed(await cli(['backups', 'list', '--dir', loc, '--json'], env)).get(file)!.problem, null);
    const v = await cli(['backups', 'list', '--dir', loc, '--verify', '--json'], env);
    assert.equal(v.status, 3, v.stderr);
    assert.match(v.stderr, /\[TENANTOPS_E_ARCHIVE_CORRUPT\]/);
    const got = listed(v);
    assert.equal(got.get(file)!.verified, 'damaged');
    assert.deepEqual(
      [...got.values()].filter((a) => a.file !== file).map((a) => a.verified),
      ['ok'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an archive deleted between the listing and its check is unchecked (gone), not an internal error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-list-verify-gone-'));
  try {
    const cli = cliAsyncIn(dir);
    const env = s3.env;
    assert.equal((await cli(['db', 'seed', '--tenants', '2', '--rows', '20'], env)).status, 0);
    for (const loc of ['b', 's3://tenantops/list-verify-gone']) {
      assert.equal((await cli(['backup', '--all-tenants', '--out-dir', loc], env)).status, 0, loc);
      const store = openBackupStore(loc, dir, process.env);
      const listedNow = await listArchives(store, {});
      assert.equal(listedNow.length, 2, loc);
      await store.delete(listedNow[0]!.file);
      assert.deepEqual(await verifyListedArchive(store, listedNow[0]!, undefined), {
        result: 'unchecked',
        note: 'gone: deleted while the listing ran',
      });
      assert.deepEqual(await verifyListedArchive(store, listedNow[1]!, undefined), { result: 'ok' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
