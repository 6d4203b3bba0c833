// [fleet] backup --all-tenants: one verified archive per tenant, a run index, failures isolated, a re-run that
// continues an unfinished run, and one point in time for every tenant where the engine can share a snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import {
  archiveFileName,
  backupAllTenants,
  LocalDirStore,
  readRunIndex,
  validateConfig,
  verifyArchive,
  type BackupConfig,
} from '../../src/backup/index.ts';
import { createTempDatabase, ENGINES, skipReason, type TestEngine } from '../helpers/test-databases.ts';
import { run } from './exact-harness.ts';

const CONFIG: BackupConfig = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });

function withTenants(engine: TestEngine, title: string, fn: (db: Db, dir: string) => Promise<void>): void {
  test(`${title} [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const tmp = await createTempDatabase(engine);
    const db = await connectDb(tmp.url, { values: 'text', poolMax: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-fleet-'));
    try {
      // Tenant n has n * 10 items, so every archive's row count says whose it is.
      await run(db, [
        'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
        'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(40))',
        'CREATE INDEX items_org ON items (org_id)',
        'INSERT INTO orgs VALUES (1), (2), (3), (4)',
      ]);
      let id = 0;
      for (let org = 1; org <= 4; org++)
        for (let i = 0; i < org * 10; i++) await db.execute(`INSERT INTO items VALUES (${++id}, ${org}, 'v${id}')`);
      await fn(db, dir);
    } finally {
      await db.close();
      await tmp.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** A clock that moves one second per call, so archive names are known in advance and never collide. */
function clock(start = Date.parse('2025-03-01T02:00:00Z')) {
  let t = start;
  return () => new Date((t += 1000));
}

for (const engine of ENGINES) {
  withTenants(engine, 'parallel workers write the run index one at a time, newest last', async (db, dir) => {
    // A store whose index writes take a while: two in flight at once would overlap (and, on a bucket, could land
    // out of order, leaving an older index as the last one written).
    const local = new LocalDirStore(dir);
    let inFlight = 0;
    let most = 0;
    const written: number[] = [];
    const store = Object.assign(Object.create(local) as LocalDirStore, {
      put(name: string) {
        const sink = local.put(name);
        if (!name.startsWith('tenantops-run-')) return sink;
        inFlight++;
        most = Math.max(most, inFlight);
        return {
          ...sink,
          name: sink.name,
          stream: sink.stream,
          async commit() {
            await new Promise((r) => setTimeout(r, 30));
            await sink.commit();
            written.push(readRunIndex(join(dir, name)).tenants.length);
            inFlight--;
          },
        };
      },
    });
    const r = await backupAllTenants(db, { config: CONFIG, outDir: store, parallel: 3 });
    assert.deepEqual(
      r.index.tenants.map((t) => t.result),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(most, 1, 'never two index writes at once');
    assert.deepEqual(
      written,
      [...written].sort((a, b) => a - b),
      'each write holds at least the tenants of the last',
    );
    assert.equal(readRunIndex(r.indexPath).tenants.length, 4);
    assert.notEqual(readRunIndex(r.indexPath).finishedAt, null);
  });

  withTenants(engine, 'backs up every tenant into its own verified archive and indexes the run', async (db, dir) => {
    const r = await backupAllTenants(db, { config: CONFIG, outDir: dir, parallel: 2 });
    assert.deepEqual(r.ran.map((t) => t.result).sort(), ['ok', 'ok', 'ok', 'ok']);
    const onDisk = readRunIndex(r.indexPath);
    assert.deepEqual(onDisk, r.index);
    assert.notEqual(onDisk.finishedAt, null);
    assert.equal(onDisk.consistency, db.sharedSnapshot ? 'shared' : 'per-tenant');
    for (const t of onDisk.tenants) {
      assert.match(t.file!, new RegExp(`^tenant-${t.tenant}-\\d{8}T\\d{6}Z\\.tnt$`));
      const m = await verifyArchive(join(dir, t.file!));
      assert.equal(m.tenantId, t.tenant);
      // orgs row + n * 10 items
      assert.equal(t.rows, 1 + Number(t.tenant) * 10);
      assert.equal(m.tables.find((x) => x.name === 'items')!.rows, Number(t.tenant) * 10);
      assert.equal(t.sha256!.length, 64);
    }
  });

  withTenants(
    engine,
    "one tenant's failure leaves the others backed up, and a re-run retries only it",
    async (db, dir) => {
      const now = clock();
      // Tenant 3's archive path is taken by a directory: its backup fails (an archive never replaces a directory).
      // The clock ticks for the run's start, for the shared snapshot where there is one, then once per tenant.
      const tick = db.sharedSnapshot ? 5 : 4;
      const blocked = join(dir, archiveFileName('3', new Date(Date.parse('2025-03-01T02:00:00Z') + tick * 1000)));
      mkdirSync(blocked);
      const first = await backupAllTenants(db, { config: CONFIG, outDir: dir, now });
      const byTenant = new Map(first.index.tenants.map((t) => [t.tenant, t]));
      assert.equal(byTenant.get('3')!.result, 'failed');
      assert.equal(byTenant.get('3')!.error!.code, 'TENANTOPS_E_USAGE');
      assert.deepEqual(
        ['1', '2', '4'].map((id) => byTenant.get(id)!.result),
        ['ok', 'ok', 'ok'],
      );
      rmSync(blocked, { recursive: true });

      const again = await backupAllTenants(db, { config: CONFIG, outDir: dir, now });
      assert.equal(again.indexPath, first.indexPath, 'the run with a failure is continued, not replaced');
      assert.deepEqual(
        again.ran.map((t) => [t.tenant, t.result]),
        [['3', 'ok']],
      );
      assert.equal(again.skipped, 3);
      assert.equal(again.index.resumed, 1);
      assert.deepEqual(again.index.tenants.map((t) => t.result).sort(), ['ok', 'ok', 'ok', 'ok']);
      assert.equal((await verifyArchive(join(dir, again.ran[0]!.file!))).tenantId, '3');

      // A finished run with every tenant ok is closed: the next run is a new one.
      const next = await backupAllTenants(db, { config: CONFIG, outDir: dir, now });
      assert.notEqual(next.indexPath, first.indexPath);
      assert.equal(next.ran.length, 4);
    },
  );

  withTenants(engine, 'an interrupted run is continued; a damaged archive counts as not done', async (db, dir) => {
    const first = await backupAllTenants(db, { config: CONFIG, outDir: dir });
    // What a kill after two tenants leaves: an index without finishedAt that lists only the tenants finished.
    const idx = readRunIndex(first.indexPath);
    idx.finishedAt = null;
    idx.tenants = idx.tenants.filter((t) => t.tenant === '1' || t.tenant === '2');
    writeFileSync(first.indexPath, JSON.stringify(idx));
    // And tenant 2's archive damaged afterwards: its SHA-256 no longer matches the index.
    const f2 = join(dir, idx.tenants.find((t) => t.tenant === '2')!.file!);
    const bytes = readFileSync(f2);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(f2, bytes);

    const r = await backupAllTenants(db, { config: CONFIG, outDir: dir });
    assert.equal(r.indexPath, first.indexPath);
    assert.deepEqual(r.ran.map((t) => t.tenant).sort(), ['2', '3', '4']);
    assert.equal(r.skipped, 1);
    assert.equal(r.index.tenants.length, 4);
    assert.ok(r.index.tenants.every((t) => t.result === 'ok'));

    // --resume-within 0: never continue.
    idx.finishedAt = null;
    writeFileSync(first.indexPath, JSON.stringify({ ...r.index, finishedAt: null }));
    const fresh = await backupAllTenants(db, { config: CONFIG, outDir: dir, resumeWithinHours: 0 });
    assert.notEqual(fresh.indexPath, first.indexPath);
  });

  withTenants(
    engine,
    'rows committed after the run started: one snapshot for all where the engine shares one',
    async (db, dir) => {
      // Tenant 4 is backed up last (parallel 1, key order); a row for it is committed after the run's tenants are
      // listed (and, on PostgreSQL, after its snapshot was exported) but before tenant 4's backup starts.
      const r = await backupAllTenants(db, {
        config: CONFIG,
        outDir: dir,
        onStart: async () => {
          await db.execute("INSERT INTO items VALUES (1000, 4, 'late')");
        },
      });
      const t4 = r.index.tenants.find((t) => t.tenant === '4')!;
      if (db.sharedSnapshot) {
        assert.equal(r.index.consistency, 'shared');
        assert.equal(t4.rows, 41, 'the late row is after the shared snapshot');
      } else {
        assert.equal(r.index.consistency, 'per-tenant');
        assert.equal(t4.rows, 42, "each tenant is its own snapshot, taken when that tenant's backup starts");
      }
    },
  );

  // A tenant deleted while the nightly run goes on is not a failed backup: there is nothing left to back up. It was
  // recorded 'failed' (exit 1, TenantBackupsFailing), and the re-run the error asked for skipped it as not a tenant
  // any more but kept its failed line: the run never completed, so last_success never moved again for that run.
  withTenants(
    engine,
    'a tenant deleted during the run is not a failure, and its old failed line goes',
    async (db, dir) => {
      const r = await backupAllTenants(db, {
        config: CONFIG,
        outDir: dir,
        now: clock(),
        onStart: async () => {
          // Listed, then deleted before its backup starts (parallel 1, key order).
          await db.execute('DELETE FROM orgs WHERE id = 3');
        },
      });
      assert.deepEqual(
        r.index.tenants.filter((t) => t.result !== 'ok'),
        [],
      );
      if (db.sharedSnapshot) {
        assert.deepEqual(r.gone, [], 'the shared snapshot still holds it: backed up as of the run');
        assert.deepEqual(r.index.tenants.map((t) => t.tenant).sort(), ['1', '2', '3', '4']);
      } else {
        assert.deepEqual(r.gone, ['3']);
        assert.deepEqual(r.index.tenants.map((t) => t.tenant).sort(), ['1', '2', '4']);
      }

      // An index of an earlier invocation that recorded it as failed (as tenantops did until 2026-12-07): the
      // continued run drops the line of a tenant that no longer exists, and completes.
      await db.execute('DELETE FROM orgs WHERE id = 2');
      const idx = JSON.parse(readFileSync(r.indexPath, 'utf8'));
      idx.tenants = idx.tenants.filter((t: { tenant: string }) => t.tenant !== '2');
      idx.tenants.push({
        tenant: '2',
        result: 'failed',
        seconds: 0,
        error: { code: 'TENANTOPS_E_TENANT_NOT_FOUND', message: 'x' },
      });
      idx.finishedAt = null;
      writeFileSync(r.indexPath, JSON.stringify(idx));
      const again = await backupAllTenants(db, {
        config: CONFIG,
        outDir: dir,
        now: clock(Date.parse('2025-03-01T03:00:00Z')),
      });
      assert.equal(again.indexPath, r.indexPath, 'the same run, continued');
      assert.deepEqual(again.ran, []);
      assert.deepEqual(again.gone, ['2']);
      assert.deepEqual(
        again.index.tenants.filter((t) => t.result !== 'ok'),
        [],
      );
      assert.ok(again.index.finishedAt);
      assert.deepEqual(
        readRunIndex(r.indexPath)
          .tenants.map((t) => t.result)
          .filter((x) => x !== 'ok'),
        [],
      );
    },
  );
}
