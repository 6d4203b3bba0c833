// [fleet] An S3 location with a typo in its scheme (s3:/bucket, S3://bucket, s3:///x, s3://) is a one-line usage
// error wherever a backup location or archive is taken. Until 2026-12-07 each was taken for a local directory named
// `s3:` (or `S3:`): a nightly run meant for a bucket wrote to the machine's own disk and exited 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from '../helpers/cli-in.ts';

test('a mistyped s3:// location is refused, never taken for a local directory; ./s3:x still is one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-s3-typos-'));
  try {
    const cli = cliIn(dir);
    assert.equal(cli(['db', 'seed', '--tenants', '2', '--rows', '20']).status, 0);
    const before = readdirSync(dir).sort();
    for (const raw of ['s3:/bucket/x', 'S3://bucket/x', 's3:///x', 's3://', 's3:bucket']) {
      for (const args of [
        ['backup', '--all-tenants', '--out-dir', raw],
        ['backups', 'list', '--dir', raw],
        ['prune', '--dir', raw, '--keep-last', '1', '--yes'],
        ['restore', '--from-dir', raw, '--tenant', '1', '--yes'],
        ['backup', '--tenant', '1', '--out', `${raw}/t.tnt`],
      ]) {
        const r = cli(args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(
          r.stderr,
          /is not an S3 location: write s3:\/\/BUCKET or s3:\/\/BUCKET\/PREFIX .*\[TENANTOPS_E_USAGE\]$/m,
        );
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      }
    }
    assert.deepEqual(readdirSync(dir).sort(), before, 'no s3: directory made');
    const local = cli(['backup', '--all-tenants', '--out-dir', './s3:x']);
    assert.equal(local.status, 0, local.stderr);
    assert.ok(existsSync(join(dir, 's3:x')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
