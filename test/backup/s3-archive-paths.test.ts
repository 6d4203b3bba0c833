// [fleet] Every command that takes one archive also takes it as an object, s3://bucket/prefix/name, the way
// --out-dir takes a bucket prefix: backup --out, verify, inspect and restore --in, through the CLI against a real
// S3-protocol server on loopback (s3rver, test/helpers/s3-server.ts). verify and inspect stream the object and
// leave no copy on disk; a corrupted object fails verify as a corrupted file does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { openBackupStore } from '../../src/backup/index.ts';
import { deleteTenant } from '../../src/platform/tenants/delete-tenant.ts';
import { createTempDatabase, skipReason } from '../helpers/test-databases.ts';
import { useS3Server } from '../helpers/s3-server.ts';
import { cliAsyncIn } from '../helpers/cli-in.ts';

// Started for the file; the CLI children reach it through the environment it sets.
useS3Server();

/** The CLI in a child process, asynchronously: the S3 server runs in this process and must go on answering. */
const cli = (cwd: string, args: string[]) => cliAsyncIn(cwd)(args);

const partials = () => readdirSync(tmpdir()).filter((f) => f.endsWith('.partial') || f.startsWith('tenantops-from'));

for (const engine of ['mysql', 'postgres'] as const)
  test(
    `backup --out, verify, inspect and restore --in take s3://bucket/prefix/name [${engine}]`,
    { skip: await skipReason(engine) },
    async () => {
      const tmp = await createTempDatabase(engine);
      const cwd = mkdtempSync(join(tmpdir(), 'tenantops-s3-paths-'));
      const obj = `s3://tenantops/${engine}/paths/tenant-2.tnt`;
      const before = partials();
      try {
        assert.equal((await cli(cwd, ['db', 'seed', '--db', tmp.url, '--tenants', '3', '--rows', '40'])).status, 0);
        const tenants = async () => JSON.parse((await cli(cwd, ['tenants', '--db', tmp.url, '--json'])).stdout);
        const original = await tenants();

        const b = await cli(cwd, ['backup', '--db', tmp.url, '--tenant', '2', '--out', obj, '--json']);
        assert.equal(b.status, 0, b.stderr);
        const backed = JSON.parse(b.stdout);
        assert.equal(backed.path, obj);
        const store = openBackupStore(`s3://tenantops/${engine}/paths`, cwd);
        const listed = await store.list();
        assert.deepEqual(
          listed.map((o) => o.name),
          ['tenant-2.tnt'],
        );
        assert.equal(backed.bytes, listed[0]!.bytes, 'the reported size is the stored object');

        const v = await cli(cwd, ['verify', obj, '--json']);
        assert.equal(v.status, 0, v.stderr);
        const verified = JSON.parse(v.stdout);
        assert.equal(verified.file, obj);
        assert.equal(verified.tenant, '2');
        assert.equal(verified.rows, backed.rows);

        const i = await cli(cwd, ['inspect', obj, '--json']);
        assert.equal(i.status, 0, i.stderr);
        const manifest = JSON.parse(i.stdout);
        assert.equal(manifest.tenantId, '2');
        assert.deepEqual(
          manifest.tables.map((t: { name: string; rows: number }) => [t.name, t.rows]),
          backed.tables.map((t: { table: string; rows: number }) => [t.table, t.rows]),
        );
        assert.deepEqual(partials(), before, 'verify and inspect stream the object: no copy on disk');

        // The same bytes with one byte of the compressed rows flipped: verify refuses them. (Near the front: the
        // end of a small archive is its seal, whose gzip header bytes other than the magic are not checked.)
        const bytes: Buffer[] = [];
        for await (const c of store.get('tenant-2.tnt')) bytes.push(c);
        const bad = Buffer.concat(bytes);
        bad[64]! ^= 0xff;
        const sink = store.put('bad.tnt');
        sink.stream.end(bad);
        await new Promise((r) => sink.stream.once('finish', r));
        await sink.commit();
        const vb = await cli(cwd, ['verify', `s3://tenantops/${engine}/paths/bad.tnt`]);
        assert.notEqual(vb.status, 0);
        assert.match(vb.stderr, /corrupt|TENANTOPS_E_ARCHIVE/);
        assert.equal(
          (await cli(cwd, ['verify', `s3://tenantops/${engine}/paths/`])).status,
          2,
          'a prefix is no archive',
        );

        // The tenant is lost; restore --in s3://… puts it back from the object (through a private temp copy).
        const db = await connectDb(tmp.url);
        try {
          assert.ok((await deleteTenant(db, 2))! > 0);
        } finally {
          await db.close();
        }
        assert.notDeepEqual(await tenants(), original);
        const r = await cli(cwd, ['restore', '--db', tmp.url, '--in', obj, '--yes']);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(await tenants(), original);
        assert.ok(readdirSync(join(cwd, 'safety')).length > 0, 'the safety backup goes to ./safety');
        assert.deepEqual(partials(), before, 'the temp copy is removed');
      } finally {
        rmSync(cwd, { recursive: true, force: true });
        await tmp.drop();
      }
    },
  );
