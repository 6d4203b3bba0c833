import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { connectDb, type Db } from '../db/index.ts';
import { backupTenant, DEFAULT_CONFIG, restoreTenant, tenantDigest } from '../backup/index.ts';
import { migrate } from '../platform/schema/migrate.ts';
import { seedDatabase } from '../platform/seed/seed-database.ts';
import { startServer } from '../platform/server.ts';
import { runLoad } from '../load/index.ts';
import { TenantopsError } from '../errors/index.ts';

export interface DemoOptions {
  /** Database URL; default a fresh embedded PGlite database in a temp dir. */
  dbUrl?: string;
  workDir?: string;
  /** Skip the load test (for environments where it is too slow). */
  skipLoad?: boolean;
  stdout: Writable;
  stderr: Writable;
}

export interface DemoResult {
  ok: boolean;
  workDir: string;
  archive: string;
  safetyBackup: string;
  htmlReport: string | null;
  steps: { step: string; ok: boolean; detail: string }[];
}

const SCRIPT = new URL('../../tests/performance/multi_tenant_load_test.js', import.meta.url).pathname;

/**
 * The whole system in one run: seed, serve, load-test, back up a tenant, break things, restore it, and prove the
 * tenant is byte-identical while the other tenant kept its change.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'tenantops-demo-'));
  const dbUrl = opts.dbUrl ?? `pglite://${join(workDir, 'db')}`;
  const out = opts.stdout;
  const steps: DemoResult['steps'] = [];
  let n = 0;
  const heading = (title: string) => out.write(`\n== ${++n}. ${title}\n`);
  const record = (step: string, ok: boolean, detail: string) => {
    steps.push({ step, ok, detail });
    out.write(`   ${ok ? 'ok' : 'FAILED'}: ${detail}\n`);
    if (!ok) throw new TenantopsError('TENANTOPS_E_INTERNAL', `demo step "${step}" failed: ${detail}`);
  };

  heading(`Migrate and seed ${dbUrl}`);
  const setup = await connectDb(dbUrl, { values: 'typed' });
  let seeded: { id: number }[];
  try {
    await migrate(setup);
    const r = await seedDatabase(setup, { tenants: 5, rows: 400, skew: 'zipf', seed: 2026 });
    seeded = r.tenants;
    record('seed', r.rows > 0, `${r.tenants.length} tenants, ${r.rows} rows`);
  } finally {
    await setup.close();
  }

  heading('Start the reference platform on 127.0.0.1');
  const adminToken = randomBytes(16).toString('hex');
  const server = await startServer({ dbUrl: dbUrl, port: 0, adminToken, queue: { workers: 2, latencyMs: 20 } });
  let htmlReport: string | null = null;
  try {
    record('serve', true, `listening on ${server.url}`);
    if (!opts.skipLoad) {
      heading('Smoke profile of the multi-tenant load test (tenantops load)');
      htmlReport = join(workDir, 'load-report.html');
      const r = await runLoad({
        script: SCRIPT,
        env: {
          BASE_URL: server.url,
          ADMIN_TOKEN: adminToken,
          PROFILE: 'smoke',
          TENANTS: '3',
          REPORT_DIR: workDir,
          CLEANUP: '1',
        },
        htmlOut: htmlReport,
        summaryExport: join(workDir, 'load-summary.json'),
        quiet: true,
        stdout: out,
        stderr: opts.stderr,
      });
      // Before the verdict: a failed load step ends the demo, and that is when the report is wanted most.
      out.write(`   report: ${htmlReport}\n`);
      record(
        'load',
        r.exitCode === 0,
        r.exitCode === 0 ? 'every threshold passed' : `exit ${r.exitCode}: ${r.failedThresholds.join('; ')}`,
      );
    }
  } finally {
    await server.close();
  }

  const db = await connectDb(dbUrl, { values: 'text' });
  try {
    const victim = String(seeded[1]!.id);
    const bystander = String(seeded[2]!.id);
    const before = await tenantDigest(db, DEFAULT_CONFIG, victim);

    heading(`Back up tenant ${victim}`);
    const archive = join(workDir, `tenant-${victim}.tnt`);
    const b = await backupTenant(db, { tenantId: victim, config: DEFAULT_CONFIG, out: archive });
    record(
      'backup',
      true,
      `${b.manifest.tables.reduce((a, t) => a + t.rows, 0)} rows in ${b.manifest.tables.length} tables -> ${archive}`,
    );

    heading(`Accident: delete tenant ${victim}'s CRM data, and change tenant ${bystander}'s`);
    const deleted = await accident(db, victim, bystander);
    const bystanderChanged = await tenantDigest(db, DEFAULT_CONFIG, bystander);
    record(
      'accident',
      deleted > 0,
      `${deleted} CRM rows of tenant ${victim} deleted; tenant ${bystander}'s companies renamed`,
    );

    heading(`Restore tenant ${victim}`);
    const r = await restoreTenant(db, { archive, safetyDir: join(workDir, 'safety') });
    record('restore', true, `${r.written} rows written and verified in ${r.seconds.toFixed(2)} s`);

    heading('Verify');
    const after = await tenantDigest(db, DEFAULT_CONFIG, victim);
    const same = JSON.stringify(after) === JSON.stringify(before);
    record(
      'victim',
      same,
      same
        ? `tenant ${victim} is byte-identical to before the accident (${Object.keys(after).length} tables, SHA-256 per table)`
        : `tenant ${victim} differs`,
    );
    const kept = JSON.stringify(await tenantDigest(db, DEFAULT_CONFIG, bystander)) === JSON.stringify(bystanderChanged);
    record('bystander', kept, kept ? `tenant ${bystander} kept its change` : `tenant ${bystander} was touched`);

    heading('Where things are');
    out.write(`   archive:        ${archive}\n   safety backup:  ${r.safetyBackup}\n`);
    if (htmlReport) out.write(`   load report:    ${htmlReport}\n`);
    return { ok: true, workDir, archive, safetyBackup: r.safetyBackup!, htmlReport, steps };
  } finally {
    await db.close();
  }
}

async function accident(db: Db, victim: string, bystander: string): Promise<number> {
  const q = db.dialect.quoteIdent;
  const p = db.dialect.param;
  let deleted = 0;
  await db.transaction(async (s) => {
    for (const t of ['crm_activity', 'crm_opportunity', 'crm_contact', 'crm_company']) {
      deleted += (await s.execute(`DELETE FROM ${q(t)} WHERE ${q('tenant_id')} = ${p(1)}`, [victim])).affectedRows;
    }
    await s.execute(`UPDATE ${q('crm_company')} SET ${q('name')} = ${p(1)} WHERE ${q('tenant_id')} = ${p(2)}`, [
      'Renamed after the backup',
      bystander,
    ]);
  });
  return deleted;
}
