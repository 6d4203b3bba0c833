// [fleet] Backups in an S3-compatible bucket: backup --all-tenants --out-dir s3://…, backups list, prune --yes and
// restore --from-dir s3://… --at, through the CLI against a real S3-protocol server on loopback (s3rver, see
// test/helpers/s3-server.ts); and an archive whose writing fails is never visible: its multipart upload is aborted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { openBackupStore } from '../../src/backup/index.ts';
import { writeArchive } from '../../src/backup/archive/write-archive.ts';
import type { ManifestHead } from '../../src/backup/archive/manifest.ts';
import { deleteTenant } from '../../src/platform/tenants/delete-tenant.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';
import { useS3Server } from '../helpers/s3-server.ts';
import { cliAsyncIn } from '../helpers/cli-in.ts';

// Enough of a manifest head for an archive that never completes.
const EMPTY_HEAD = { tables: [] } as unknown as ManifestHead;
const s3 = useS3Server();

/** The CLI in a child process, asynchronously: the S3 server runs in this process and must go on answering. */
const cli = (cwd: string, args: string[], env: Record<string, string> = {}) => cliAsyncIn(cwd)(args, env);

/** A command's --json output; a failure shows its stderr. */
async function json(cwd: string, args: string[]) {
  const r = await cli(cwd, args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const engine of ['mysql', 'postgres'] as const)
  test(
    `backup --all-tenants into s3://, list, restore --from-dir s3:// --at, prune --yes [${engine}]`,
    { skip: await skipReason(engine) },
    async () => {
      const tmp = await createTempDatabase(engine);
      const cwd = mkdtempSync(join(tmpdir(), 'tenantops-s3-cli-'));
      const loc = `s3://tenantops/${engine}/nightly`;
      try {
        const seed = await cli(cwd, ['db', 'seed', '--db', tmp.url, '--tenants', '3', '--rows', '60']);
        assert.equal(seed.status, 0, seed.stderr);
        const tenants = async () => await json(cwd, ['tenants', '--db', tmp.url, '--json']);
        const original = await tenants();

        const first = await cli(cwd, [
          'backup',
          '--db',
          tmp.url,
          '--all-tenants',
          '--out-dir',
          loc,
          '--parallel',
          '2',
          '--json',
        ]);
        assert.equal(first.status, 0, first.stderr);
        const run1 = JSON.parse(first.stdout);
        assert.match(run1.index, new RegExp(`^${loc}/tenantops-run-\\d{8}T\\d{6}Z\\.json$`));
        assert.deepEqual(
          run1.run.tenants.map((t: { result: string }) => t.result),
          ['ok', 'ok', 'ok'],
        );

        const list1 = await json(cwd, ['backups', 'list', '--dir', loc, '--json']);
        assert.deepEqual(list1.map((a: { tenant: string }) => a.tenant).sort(), ['1', '2', '3']);
        for (const a of list1) {
          const t = run1.run.tenants.find((x: { tenant: string }) => x.tenant === a.tenant);
          assert.equal(a.source, 'index');
          assert.equal(a.bytes, t.bytes, 'the listed size is the stored object size the index recorded');
          assert.ok(a.rows > 0);
        }

        // A second night (archive names are per second), then tenant 2 is lost.
        await new Promise((r) => setTimeout(r, 1100));
        const between = new Date().toISOString();
        const second = await cli(cwd, [
          'backup',
          '--db',
          tmp.url,
          '--all-tenants',
          '--out-dir',
          loc,
          '--resume-within',
          '0',
        ]);
        assert.equal(second.status, 0, second.stderr);
        assert.equal((await json(cwd, ['backups', 'list', '--dir', loc, '--json'])).length, 6);
        const db = await connectDb(tmp.url);
        try {
          assert.ok((await deleteTenant(db, 2))! > 0);
        } finally {
          await db.close();
        }
        assert.notDeepEqual(await tenants(), original);

        // --at between the runs picks the first night's archive, downloaded to a private temp copy and removed.
        const r = await cli(cwd, [
          'restore',
          '--db',
          tmp.url,
          '--from-dir',
          loc,
          '--tenant',
          '2',
          '--at',
          between,
          '--yes',
        ]);
        assert.equal(r.status, 0, r.stderr);
        const t2 = list1.find((a: { tenant: string }) => a.tenant === '2').file as string;
        assert.match(r.stderr, new RegExp(`using ${t2.replace(/\./g, '\\.')}`));
        assert.deepEqual(await tenants(), original);
        assert.ok(readdirSync(join(cwd, 'safety')).length > 0, 'the safety backup goes to ./safety');
        assert.deepEqual(
          readdirSync(tmpdir()).filter((f) => f.endsWith('.partial')),
          [],
          'the temp copy of the archive is removed',
        );

        // Encrypted archives are verified from the bucket too (the header is taken off the front of the stream).
        const key = { TENANTOPS_BACKUP_KEY: 'correct horse battery staple' };
        const enc = await cli(
          cwd,
          ['backup', '--db', tmp.url, '--all-tenants', '--out-dir', `${loc}-enc`, '--encrypt', '--json'],
          key,
        );
        assert.equal(enc.status, 0, enc.stderr);
        assert.deepEqual(
          JSON.parse(enc.stdout).run.tenants.map((t: { result: string }) => t.result),
          ['ok', 'ok', 'ok'],
        );
        assert.equal(JSON.parse(enc.stdout).run.encrypted, true);
        const r3 = await cli(
          cwd,
          ['restore', '--db', tmp.url, '--from-dir', `${loc}-enc`, '--tenant', '3', '--yes'],
          key,
        );
        assert.equal(r3.status, 0, r3.stderr);
        assert.deepEqual(await tenants(), original);

        // prune: a dry run deletes nothing; --yes deletes the first night and its index.
        const dry = await cli(cwd, ['prune', '--dir', loc, '--keep-last', '1']);
        assert.equal(dry.status, 0, dry.stderr);
        assert.match(dry.stdout, /would delete 3 archives/);
        assert.equal((await json(cwd, ['backups', 'list', '--dir', loc, '--json'])).length, 6);
        const yes = await cli(cwd, ['prune', '--dir', loc, '--keep-last', '1', '--yes', '--json']);
        assert.equal(yes.status, 0, yes.stderr);
        const pruned = JSON.parse(yes.stdout);
        assert.deepEqual(
          pruned.delete.map((d: { file: string }) => d.file).sort(),
          list1.map((a: { file: string }) => a.file).sort(),
        );
        assert.deepEqual(pruned.indexesRemoved, [run1.index.slice(loc.length + 1)]);
        const left = (await openBackupStore(loc, cwd, s3.env).list()).map((o) => o.name).sort();
        assert.equal(left.length, 4, `3 archives of the second night and its index: ${left.join(', ')}`);
        assert.ok(!left.some((n) => list1.some((a: { file: string }) => a.file === n)));
      } finally {
        rmSync(cwd, { recursive: true, force: true });
        await tmp.drop();
      }
    },
  );

test('an archive whose writing fails mid-way is never visible: its multipart upload is aborted', async () => {
  const store = openBackupStore('s3://tenantops/aborted', process.cwd(), s3.env);
  const from = s3.requests.length;
  const name = 'tenant-9-20250101T000000Z.tnt';
  await assert.rejects(
    writeArchive(store.put(name), undefined, EMPTY_HEAD, async (w) => {
      // Random bytes do not compress: 12 MiB become more than two 5 MiB parts.
      for (let i = 0; i < 3; i++) await w.addEntry(`tables/0001-t/00000${i}.ndjson`, randomBytes(4 * 1024 * 1024));
      throw new Error('the database connection dropped');
    }),
    /the database connection dropped/,
  );
  const seen = s3.requests.slice(from).filter((r) => r.path.endsWith(`/aborted/${name}`));
  assert.equal(seen.filter((r) => r.method === 'POST' && 'uploads' in r.query).length, 1, 'one multipart upload');
  assert.ok(
    seen.some((r) => r.method === 'PUT' && r.query.partNumber === '1'),
    'a part was uploaded',
  );
  assert.equal(seen.filter((r) => r.method === 'POST' && r.query.uploadId).length, 0, 'never completed');
  assert.equal(seen.filter((r) => r.method === 'DELETE' && r.query.uploadId).length, 1, 'aborted');
  assert.deepEqual(await store.list(), []);
});

test('a bucket that does not exist is TENANTOPS_E_STORAGE (exit 1) before any tenant is read', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tenantops-s3-cli-'));
  try {
    const r = await cli(cwd, ['backups', 'list', '--dir', 's3://no-such-bucket/x']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /s3:\/\/no-such-bucket.*\[TENANTOPS_E_STORAGE\]/);
    // In words, not the SDK's 'NotFound: UnknownError' for a HEAD without a body.
    assert.match(r.stderr, /no such bucket \(HTTP 404\)/);
    const b = await cli(cwd, [
      'backup',
      '--db',
      'pglite://memory',
      '--all-tenants',
      '--out-dir',
      's3://no-such-bucket/x',
    ]);
    assert.equal(b.status, 1, b.stderr);
    assert.match(b.stderr, /TENANTOPS_E_STORAGE/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('an upload the server refuses fails the archive with the server’s error (TENANTOPS_E_STORAGE)', async () => {
  const store = openBackupStore('s3://no-such-bucket/x', process.cwd(), s3.env);
  await assert.rejects(
    writeArchive(store.put('tenant-1-20250101T000000Z.tnt'), undefined, EMPTY_HEAD, async (w) => {
      // The writer queues up to 8 MB for gzip without waiting, so how many chunks go in before the refusal arrives
      // depends on timing; a bounded run of them must meet it (each chunk waits for the sink once the queue is full).
      const chunk = randomBytes(4 * 1024 * 1024);
      for (let i = 0; i < 64; i++) await w.addEntry(`tables/0001-t/${String(i).padStart(6, '0')}.ndjson`, chunk);
      throw new Error('not reached: the upload fails first');
    }),
    (e: Error & { code?: string }) =>
      e.code === 'TENANTOPS_E_STORAGE' && /s3:\/\/no-such-bucket\/x\/tenant-1-.*NoSuchBucket.*HTTP 404/.test(e.message),
  );
});
