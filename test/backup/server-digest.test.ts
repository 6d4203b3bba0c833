// The server's per-table digests recorded at backup: a restore skips the tables they show unchanged, and checks
// the whole tenant with them before COMMIT, so a change to a row the restore never wrote is caught too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/db/index.ts';
import { statementSpy } from '../helpers/statement-spy.ts';
import { backupTenant, DEFAULT_CONFIG, restoreTenant, verifyArchive } from '../../src/backup/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { asFormat2, seededFixture, snapshotAll, sql, tenantDigest, type Fixture } from './backup-fixtures.ts';
import type { ManifestTable } from '../../src/backup/archive/manifest.ts';
import { serverDigest } from '../../src/backup/server-digest.ts';
import { digestRowCount } from '../../src/backup/digest-kind.ts';
import { tenantScope } from '../../src/backup/tenant-scope.ts';

const TENANT_TABLES = ['crm_company', 'crm_contact', 'crm_activity', 'analytics_event'];

async function tenantState(db: Db, tenant: string): Promise<unknown[]> {
  return Promise.all(TENANT_TABLES.map((t) => tenantDigest(db, t, tenant)));
}

/** The same database, as a server of another version: the archive's digests cannot be compared with it. */
function otherVersion(db: Db): Db {
  return Object.create(db, { serverVersion: { value: `${db.serverVersion}-other` } }) as Db;
}

for (const engine of ENGINES) {
  describe(`server digests [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let f: Fixture;
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-digest-'));
    const safetyDir = join(dir, 'safety');
    let out: string;
    let archived: unknown[];
    before(async () => {
      if (skip) return;
      f = await seededFixture(engine, false);
      out = join(dir, 't1.tnt');
      await backupTenant(f.db, { tenantId: '1', config: DEFAULT_CONFIG, out });
      archived = await tenantState(f.db, '1');
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (!skip) await f.close();
    });

    test('every in-scope table carries the server digest of exactly its rows', { skip }, async () => {
      const m = await verifyArchive(out);
      for (const t of m.tables.filter((x) => x.role === 'scope')) {
        // PostgreSQL's digests are of its integer row hash, MariaDB's of MD5 (no prefix).
        const prefix = engine === 'mysql' ? '' : 'hte:';
        assert.ok(t.serverDigest?.startsWith(prefix), `${t.name}: ${t.serverDigest}`);
        assert.match(t.serverDigest!.slice(prefix.length), /^\d+:\d+:\d+$/, t.name);
        assert.equal(digestRowCount(t.serverDigest!), t.rows, `${t.name}: the digest counts the archived rows`);
      }
    });

    test('an unchanged tenant: every table settled by its digest, nothing written', { skip }, async () => {
      const r = await restoreTenant(f.db, { archive: out, safetyDir, dryRun: true });
      assert.equal(r.written, 0);
      assert.deepEqual(
        r.tables.filter((t) => t.comparedBy !== 'server-digest').map((t) => t.table),
        [],
      );
    });

    test(
      "an unchanged restore's progress moves as each table's digest settles it, and the check's by table",
      { skip },
      async () => {
        let compared = 0;
        let total = 0;
        const checks: [number, number][] = [];
        const { db: spied, statements } = statementSpy(f.db, () => compared > 0);
        const r = await restoreTenant(spied, {
          archive: out,
          safetyDir,
          onProgress: (p) => {
            if (p.phase === 'check') checks.push([p.done, p.total]);
            if (p.phase !== 'compare') return;
            compared = p.done;
            total = p.total;
          },
        });
        // The check counts tables as it goes, one step per table of the plan.
        assert.deepEqual(
          checks.map(([done]) => done),
          Array.from({ length: r.tables.length + 1 }, (_, i) => i),
        );
        assert.ok(checks.every(([, of]) => of === r.tables.length));
        // Before, every table's rows were counted once all digests were in: nothing had moved while they ran.
        const digests = statements.filter((x) => /\bSUM\(/i.test(x.sql));
        assert.ok(digests.length > 1, `${digests.length} digests on the restore's session`);
        assert.ok(
          digests.some((x) => x.phase),
          'a digest was sent after the first tables were counted as compared',
        );
        assert.ok(compared === total && total > 0, `compare ended at ${compared} of ${total}`);
      },
    );

    test('damage in one table: only that table is read row by row, and the restore is exact', { skip }, async () => {
      await f.db.execute(sql(f.db, "UPDATE `crm_company` SET `name` = 'renamed' WHERE `tenant_id` = 1"));
      await f.db.execute(sql(f.db, "UPDATE `crm_company` SET `name` = 'other tenant' WHERE `tenant_id` = 2"));
      const other = await tenantState(f.db, '2');
      const r = await restoreTenant(f.db, { archive: out, safetyDir });
      const byRows = r.tables.filter((t) => t.comparedBy === 'rows').map((t) => t.table);
      assert.deepEqual(byRows, ['crm_company']);
      assert.ok(r.tables.find((t) => t.table === 'crm_company')!.update > 0);
      assert.deepEqual(await tenantState(f.db, '1'), archived);
      assert.deepEqual(await tenantState(f.db, '2'), other, 'the other tenant keeps its change');
    });

    test(
      'after a small repair the check reads back the rows written and counts, summing no table again',
      { skip },
      async () => {
        await f.db.execute(
          sql(
            f.db,
            "UPDATE `crm_activity` SET `subject` = 'one row' WHERE `id` = (SELECT * FROM (SELECT MIN(`id`) FROM `crm_activity` WHERE `tenant_id` = 1) m)",
          ),
        );
        let checking = false;
        const { db: spied, statements } = statementSpy(f.db, () => checking);
        const r = await restoreTenant(spied, {
          archive: out,
          safetyDir,
          onProgress: (p) => (checking = p.phase === 'check'),
        });
        assert.equal(r.written, 1);
        assert.deepEqual(await tenantState(f.db, '1'), archived);
        const check = statements.filter((x) => x.phase).map((x) => x.sql);
        // A digest sums row hashes (BackupDialect.digestQuery); the read-back selects the written row by its key.
        assert.deepEqual(
          check.filter((q) => /\bSUM\(/i.test(q)),
          [],
          'no digest in the check',
        );
        assert.ok(
          check.some((q) => /crm_activity/.test(q) && /COUNT\(\*\)/i.test(q)),
          'the written table is counted',
        );
      },
    );

    test('a digest this server cannot compare falls back to reading rows, and is still exact', { skip }, async () => {
      await f.db.execute(sql(f.db, 'DELETE FROM `crm_activity` WHERE `tenant_id` = 1'));
      const r = await restoreTenant(otherVersion(f.db), { archive: out, safetyDir });
      assert.ok(r.tables.every((t) => t.comparedBy === 'rows'));
      assert.ok(r.tables.find((t) => t.table === 'crm_activity')!.insert > 0);
      assert.deepEqual(await tenantState(f.db, '1'), archived);
    });

    /**
     * With an AFTER UPDATE trigger on crm_company running `body` (MariaDB / PostgreSQL, NEW being the company), a
     * restore that rewrites the tenant's companies fails verification with a message matching `expect`, and
     * changes nothing; without it, the restore puts the tenant back.
     */
    async function failsVerificationWith(name: string, body: { mysql: string; pg: string }, expect: RegExp) {
      const db = f.db;
      await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'before restore' WHERE `tenant_id` = 1"));
      if (db.dialect.name === 'mysql')
        await db.execute(`CREATE TRIGGER \`${name}\` AFTER UPDATE ON \`crm_company\` FOR EACH ROW ${body.mysql}`);
      else {
        await db.execute(
          `CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN ${body.pg}; RETURN NEW; END $$ LANGUAGE plpgsql`,
        );
        await db.execute(`CREATE TRIGGER ${name} AFTER UPDATE ON crm_company FOR EACH ROW EXECUTE FUNCTION ${name}()`);
      }
      try {
        const snap = await snapshotAll(db);
        await assert.rejects(
          restoreTenant(db, { archive: out, safetyDir, config: { ...DEFAULT_CONFIG, triggers: 'fire' } }),
          (e: unknown) =>
            e instanceof TenantopsError &&
            e.code === 'TENANTOPS_E_VERIFY_FAILED' &&
            /crm_contact/.test(e.message) &&
            expect.test(e.message),
        );
        assert.deepEqual(await snapshotAll(db), snap, 'rolled back');
      } finally {
        await db.execute(
          db.dialect.name === 'mysql' ? `DROP TRIGGER \`${name}\`` : `DROP TRIGGER ${name} ON crm_company`,
        );
      }
      await restoreTenant(db, { archive: out, safetyDir });
      assert.deepEqual(await tenantState(db, '1'), archived);
    }

    test('a trigger that changes a row the restore never wrote fails verification; nothing changes', { skip }, () =>
      // Rewriting a company touches a contact of the same tenant: a row outside the plan.
      failsVerificationWith(
        't_side',
        {
          mysql:
            "UPDATE `crm_contact` SET `full_name` = 'side effect' WHERE `tenant_id` = NEW.`tenant_id` ORDER BY `id` LIMIT 1",
          pg: "UPDATE crm_contact SET full_name = 'side effect' WHERE id = (SELECT min(id) FROM crm_contact WHERE tenant_id = NEW.tenant_id)",
        },
        /side effect/,
      ),
    );

    test('a trigger that adds a row of the tenant fails verification, naming the extra row', { skip }, () => {
      // Rewriting a company adds a contact of the same tenant, after every contact the archive has (largest id).
      const add =
        'INSERT INTO crm_contact (id, tenant_id, full_name, email, created, changed) VALUES ' +
        "(900000000 + NEW.id, NEW.tenant_id, 'added', 'added@example.com', '2024-01-01 00:00:00', '2024-01-01 00:00:00')";
      return failsVerificationWith('t_add', { mysql: add, pg: add }, /rows more than the archive/);
    });

    test(
      'MD5 digests of an older archive still settle tables and verify a restore; a digest the rows do not give, or of an unknown kind, is compared by rows',
      { skip },
      async () => {
        const db = f.db;
        // The tenant is as archived (the test above restored it), so MD5 digests taken now are what a backup
        // that recorded that kind wrote.
        const m = await verifyArchive(out);
        const md5 = new Map<string, string>();
        await db.transaction(async (s) => {
          const scope = await tenantScope(db, s, DEFAULT_CONFIG);
          for (const t of m.tables.filter((x) => x.role === 'scope'))
            md5.set(t.name, await serverDigest(s, scope, t.name, t.columns, '1', false, 'md5'));
        });
        const withDigests = (path: string, digest: (t: ManifestTable) => string | undefined) =>
          asFormat2(out, path, (man) => ({
            ...man,
            tables: man.tables.map((t) => (t.serverDigest ? { ...t, serverDigest: digest(t) } : t)),
          }));
        const old = join(dir, 't1-md5.tnt');
        await withDigests(old, (t) => md5.get(t.name));
        const dry = await restoreTenant(db, { archive: old, safetyDir, dryRun: true });
        assert.deepEqual(
          dry.tables.filter((t) => t.comparedBy !== 'server-digest').map((t) => t.table),
          [],
          'every table settled by its MD5 digest',
        );
        await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'md5 era' WHERE `tenant_id` = 1"));
        const r = await restoreTenant(db, { archive: old, safetyDir });
        assert.deepEqual(
          r.tables.filter((t) => t.comparedBy === 'rows').map((t) => t.table),
          ['crm_company'],
        );
        assert.deepEqual(await tenantState(db, '1'), archived);

        // A digest of a known kind that the same rows do not give (PostgreSQL's hashtextextended on a server of the
        // other byte order): the written table is then compared row by row with the archive, and passes.
        const skewed = join(dir, 't1-skewed.tnt');
        await withDigests(skewed, (t) =>
          t.name === 'crm_company' ? t.serverDigest!.replace(/:(\d+)$/, ':1$1') : t.serverDigest,
        );
        await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'skewed' WHERE `tenant_id` = 1"));
        const k = await restoreTenant(db, { archive: skewed, safetyDir });
        assert.ok(k.tables.find((t) => t.table === 'crm_company')!.update > 0);
        assert.deepEqual(await tenantState(db, '1'), archived);

        const unknown = join(dir, 't1-unknown-kind.tnt');
        await withDigests(unknown, (t) => `zz9:${t.serverDigest}`);
        await db.execute(sql(db, "UPDATE `crm_company` SET `name` = 'unknown kind' WHERE `tenant_id` = 1"));
        const u = await restoreTenant(db, { archive: unknown, safetyDir });
        assert.ok(u.tables.every((t) => t.comparedBy === 'rows'));
        assert.ok(u.tables.find((t) => t.table === 'crm_company')!.update > 0);
        assert.deepEqual(await tenantState(db, '1'), archived);
      },
    );
  });
}
