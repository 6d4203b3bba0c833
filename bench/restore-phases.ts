// node --import tsx bench/restore-phases.ts — where a full restore's time goes: a seeded database (BENCH_LARGE_TENANTS
// x BENCH_LARGE_ROWS, zipf, seed 1, as bench:backup --large), tenant 1 backed up and deleted, then restored in
// process twice, through multi-row INSERTs and through the bulk load, printing each phase's seconds (verify,
// compare: plan and pre-write checks, safety, apply, check: FK checks, read-back and sequences).
// BENCH_ENGINES (default mysql,postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../src/db/index.ts';
import { backupTenant, restoreTenant, validateConfig } from '../src/backup/index.ts';
import { BULK_MIN_ROWS } from '../src/backup/restore/apply-plan.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { deleteTenant } from '../src/platform/tenants/delete-tenant.ts';
import { createTempDatabase } from '../test/helpers/test-databases.ts';

const TENANTS = Number(process.env.BENCH_LARGE_TENANTS ?? 20);
const ROWS = Number(process.env.BENCH_LARGE_ROWS ?? 40000);
const engines = (process.env.BENCH_ENGINES ?? 'mysql,postgres').split(',') as ('mysql' | 'postgres')[];

for (const engine of engines) {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url);
  const text = await connectDb(tmp.url, { values: 'text' });
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-phases-'));
  try {
    await migrate(db);
    await seedDatabase(db, { tenants: TENANTS, rows: ROWS, skew: 'zipf', seed: 1 });
    const out = join(dir, 't1.tnt');
    const b = await backupTenant(text, { tenantId: '1', config: validateConfig({ preset: 'drupal' }), out });
    console.log(
      `\n${engine}: ${TENANTS} tenants x ${ROWS} rows; tenant 1 (${b.manifest.tables.reduce((n, t) => n + t.rows, 0)} rows) deleted, then restored`,
    );
    for (const [path, bulkMinRows] of [
      ['INSERT', Number.POSITIVE_INFINITY],
      [`bulk (>= ${BULK_MIN_ROWS} rows)`, BULK_MIN_ROWS],
    ] as const) {
      await deleteTenant(db, 1);
      const marks: [string, number][] = [];
      const t0 = performance.now();
      await restoreTenant(text, {
        archive: out,
        safetyDir: join(dir, 'safety'),
        bulkMinRows,
        onProgress: (p) => {
          if (marks.at(-1)?.[0] !== p.phase) marks.push([p.phase, performance.now() - t0]);
        },
      });
      const total = performance.now() - t0;
      const parts = marks.map(([p, t], i) => `${p} ${(((marks[i + 1]?.[1] ?? total) - t) / 1000).toFixed(2)}`);
      console.log(`  ${path.padEnd(20)} ${(total / 1000).toFixed(2)} s = ${parts.join(' + ')}`);
    }
  } finally {
    await text.close();
    await db.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
