// [fleet] prune --yes when some deletions fail (a bucket policy without s3:DeleteObject on some keys, a network
// error mid-way): each archive's outcome is reported, the others are still deleted, and the command fails with one
// summary line. Until 2026-12-07 the first failure ended the prune with only that error: the archives deleted before
// it were never listed (the interrupt message even said "the archives listed as deleted so far are gone"), the
// ones after it were not tried, and a run index left with no archive was not removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { S3Client, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.ts';
import { cliAsyncIn } from '../helpers/cli-in.ts';

const REFUSED = 'tenant-2-20250302T020000Z.tnt';
let server: S3TestServer;
before(async () => {
  server = await startS3Server(['tenantops'], { refuseDelete: (key) => key.endsWith(REFUSED) });
});
after(async () => server.stop());

function client() {
  return new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

/** Three nightly runs of tenants 1 and 2, each an index and two small objects standing for archives. */
async function threeNights(prefix: string) {
  const c = client();
  const put = (key: string, body: string) =>
    c.send(new PutObjectCommand({ Bucket: 'tenantops', Key: `${prefix}/${key}`, Body: body }));
  for (const day of ['01', '02', '03']) {
    const runId = `202503${day}T020000Z`;
    const tenants = [];
    for (const tenant of ['1', '2']) {
      const file = `tenant-${tenant}-${runId}.tnt`;
      const body = `archive ${file}`;
      await put(file, body);
      tenants.push({
        tenant,
        result: 'ok',
        file,
        rows: 1,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        seconds: 0.1,
        snapshotAt: `2025-03-${day}T02:00:00.000Z`,
      });
    }
    await put(
      `tenantops-run-${runId}.json`,
      JSON.stringify({
        format: 'tenantops-backup-run',
        version: 1,
        runId,
        startedAt: `2025-03-${day}T02:00:00.000Z`,
        finishedAt: `2025-03-${day}T02:01:00.000Z`,
        engine: 'mysql',
        database: 'mysql://root@db/app',
        consistency: 'per-tenant',
        encrypted: false,
        resumed: 0,
        tenants,
      }),
    );
  }
  return async () =>
    ((await c.send(new ListObjectsV2Command({ Bucket: 'tenantops', Prefix: `${prefix}/` }))).Contents ?? [])
      .map((o) => o.Key!.slice(prefix.length + 1))
      .sort();
}

for (const json of [false, true]) {
  test(`prune --yes${json ? ' --json' : ''} deletes what it can, lists each outcome and fails with one summary line`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tenantops-prune-fail-'));
    try {
      const prefix = json ? 'j' : 't';
      const left = await threeNights(prefix);
      const cli = cliAsyncIn(cwd);
      const r = await cli(
        ['prune', '--dir', `s3://tenantops/${prefix}`, '--keep-last', '1', '--yes', ...(json ? ['--json'] : [])],
        server.env,
      );
      assert.equal(r.status, 1, r.stderr);
      // Every deletable archive is gone, the refused one is still there, and so is its night's index (an archive
      // of it is left); the first night's index went with its last archive.
      assert.deepEqual(await left(), [
        'tenant-1-20250303T020000Z.tnt',
        REFUSED,
        'tenant-2-20250303T020000Z.tnt',
        'tenantops-run-20250302T020000Z.json',
        'tenantops-run-20250303T020000Z.json',
      ]);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.filter((l) => l.startsWith('tenantops:')).length, 1, r.stderr);
      assert.match(lines.at(-1)!, /^tenantops: could not delete 1 of 4 archives .*\[TENANTOPS_E_STORAGE\]$/);
      assert.match(r.stderr, new RegExp(`${REFUSED}: .*AccessDenied`));
      if (json) {
        const out = JSON.parse(r.stdout);
        assert.deepEqual(
          out.failed.map((f: { file: string }) => f.file),
          [REFUSED],
        );
        assert.equal(out.delete.length, 3);
        assert.deepEqual(out.indexesRemoved, ['tenantops-run-20250301T020000Z.json']);
      } else {
        for (const f of [
          'tenant-1-20250301T020000Z.tnt',
          'tenant-2-20250301T020000Z.tnt',
          'tenant-1-20250302T020000Z.tnt',
        ])
          assert.match(r.stdout, new RegExp(`^deleted +${f}$`, 'm'));
        assert.doesNotMatch(r.stdout, new RegExp(`deleted +${REFUSED}`));
        assert.match(r.stdout, /deleted 3 archives/);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}
