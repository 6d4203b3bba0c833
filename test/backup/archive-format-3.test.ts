// Archive format 3 (and 4, its layout with named digest kinds): the manifest first, the seal last; integrity is one hash over the file, and a restore reads
// the rows at most once after it. Format 2 archives (manifest last, no seal) are still read and restored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupTenant, DEFAULT_CONFIG, restoreTenant, verifyArchive } from '../../src/backup/index.ts';
import { readArchiveEntries } from '../../src/backup/archive/archive-reader.ts';
import { ArchiveLines } from '../../src/backup/restore/archive-lines.ts';
import { FORMAT_VERSION, type Manifest } from '../../src/backup/archive/manifest.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { DigestAccumulator } from '../../src/backup/server-digest.ts';
import { digestRowCount } from '../../src/backup/digest-kind.ts';
import { createHash } from 'node:crypto';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { asFormat2, seededFixture, snapshotAll, sql, type Fixture } from './backup-fixtures.ts';

const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

test('the digest summed per row without bigints equals the bigint sum, past the 2^20-row fold', () => {
  let sum = 0n;
  let xor = 0n;
  const acc = new DigestAccumulator('md5');
  const n = (1 << 20) + 4321;
  for (let i = 0; i < n; i++) {
    const h = createHash('md5').update(String(i)).digest('hex');
    sum += BigInt(`0x${h.slice(0, 15)}`);
    xor ^= BigInt(`0x${h.slice(15, 31)}`);
    acc.add(h);
  }
  assert.equal(acc.toString(), `${n}:${sum}:${BigInt.asUintN(64, xor)}`);
});

for (const engine of ENGINES) {
  describe(`archive format 3 [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let f: Fixture;
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-fmt3-'));
    const safetyDir = join(dir, 'safety');
    let out: string;
    before(async () => {
      if (skip) return;
      f = await seededFixture(engine, false);
      out = join(dir, 't2.tnt');
      await backupTenant(f.db, { tenantId: '2', config: DEFAULT_CONFIG, out });
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (!skip) await f.close();
    });

    test(
      'the manifest comes first with every row count, the seal last with the checksums and digests',
      { skip },
      async () => {
        const names: string[] = [];
        let head: Manifest | undefined;
        for await (const e of readArchiveEntries(out)) {
          names.push(e.name);
          if (e.name === 'manifest.json') head = JSON.parse(e.data.toString('utf8')) as Manifest;
        }
        assert.equal(names[0], 'manifest.json');
        assert.equal(names.at(-1), 'seal.json');
        assert.equal(head!.formatVersion, FORMAT_VERSION);
        const full = await verifyArchive(out);
        for (const [i, t] of head!.tables.entries()) {
          assert.equal(t.rows, full.tables[i]!.rows, t.name);
          assert.equal(t.sha256, undefined, 'checksums are not known when the head is written');
          assert.equal(t.serverDigest, undefined, 'digests are summed while the rows are read');
          const digest = full.tables[i]!.serverDigest;
          if (t.role === 'scope') assert.equal(digestRowCount(digest!), t.rows, `${t.name}: the seal's digest`);
          assert.match(full.tables[i]!.sha256, /^[0-9a-f]{64}$/);
        }
        assert.ok(full.tables.some((t) => t.rows > 0));
        const r = spawnSync('tar', ['tzf', out], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split('\n'), names);
      },
    );

    test(
      'a changed byte anywhere, or a cut, is refused before anything is read from the database',
      { skip },
      async () => {
        const bytes = readFileSync(out);
        for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 30]) {
          const bad = Buffer.from(bytes);
          bad[at] = bad[at]! ^ 0x40;
          const p = join(dir, `bad-${at}.tnt`);
          writeFileSync(p, bad);
          await assert.rejects(verifyArchive(p), code('TENANTOPS_E_ARCHIVE_CORRUPT'), `byte ${at}`);
        }
        const cut = join(dir, 'cut.tnt');
        writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
        await assert.rejects(verifyArchive(cut), code('TENANTOPS_E_ARCHIVE_CORRUPT'));
      },
    );

    test(
      'a plan that settles every table by digest never opens the archive; a table it reads is checked again',
      { skip },
      async () => {
        const m = await verifyArchive(out);
        // Never opened: a path that does not exist goes unnoticed when every table is skipped.
        const none = new ArchiveLines({ path: join(dir, 'no-such.tnt'), manifest: m });
        for (const t of m.tables) await none.skip(t);
        await none.finish();
        // A table whose bytes differ from the manifest's checksum (a file changed after verification) is refused
        // when its rows have been read, before a plan built from them could be applied.
        const t = m.tables.find((x) => x.rows > 0)!;
        const bad = { ...m, tables: m.tables.map((x) => (x === t ? { ...x, sha256: '0'.repeat(64) } : x)) };
        const lines = new ArchiveLines({ path: out, manifest: bad });
        const read = async () => {
          for await (const _ of lines.of(bad.tables[m.tables.indexOf(t)]!));
        };
        await assert.rejects(read(), code('TENANTOPS_E_ARCHIVE_CORRUPT'));
        await lines.finish();
      },
    );

    test('an encrypted format 3 archive verifies and restores; a wrong key is told apart', { skip }, async () => {
      const enc = join(dir, 't2-enc.tnt');
      await backupTenant(f.db, { tenantId: '2', config: DEFAULT_CONFIG, out: enc, passphrase: 'k1' });
      const m = await verifyArchive(enc, 'k1');
      assert.equal(m.formatVersion, FORMAT_VERSION);
      assert.equal(m.encrypted, true);
      await assert.rejects(verifyArchive(enc, 'k2'), code('TENANTOPS_E_ARCHIVE_KEY'));
      const bytes = readFileSync(enc);
      bytes[Math.floor(bytes.length / 2)] ^= 1;
      writeFileSync(join(dir, 'enc-bad.tnt'), bytes);
      await assert.rejects(verifyArchive(join(dir, 'enc-bad.tnt'), 'k1'), code('TENANTOPS_E_ARCHIVE_CORRUPT'));
      await f.db.execute(sql(f.db, "UPDATE `crm_contact` SET `full_name` = 'enc' WHERE `tenant_id` = 2"));
      const r = await restoreTenant(f.db, { archive: enc, passphrase: 'k1', safetyDir });
      assert.ok(r.written > 0);
      const again = await restoreTenant(f.db, { archive: enc, passphrase: 'k1', safetyDir, dryRun: true });
      assert.equal(again.written, 0);
    });

    test('a format 2 archive is still verified and restored exactly', { skip }, async () => {
      const v2 = join(dir, 't2-v2.tnt');
      await asFormat2(out, v2);
      const m = await verifyArchive(v2);
      assert.equal(m.formatVersion, 2);
      const want = await snapshotAll(f.db);
      await f.db.execute(sql(f.db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 2'));
      await f.db.execute(sql(f.db, "UPDATE `crm_company` SET `name` = 'v2' WHERE `tenant_id` = 2"));
      const r = await restoreTenant(f.db, { archive: v2, safetyDir });
      assert.ok(r.written > 0);
      assert.deepEqual(await snapshotAll(f.db), want);
      // The safety backup that restore wrote is in the current format, and restoring it undoes the restore.
      const undo = await verifyArchive(r.safetyBackup!);
      assert.equal(undo.formatVersion, FORMAT_VERSION);
      assert.equal(undo.kind, 'undo');
      await restoreTenant(f.db, { archive: r.safetyBackup!, safetyDir });
      await restoreTenant(f.db, { archive: out, safetyDir });
      assert.deepEqual(await snapshotAll(f.db), want);
    });
  });
}
