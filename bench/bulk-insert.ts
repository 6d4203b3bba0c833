// node --import tsx bench/bulk-insert.ts — the write step of a full restore, A/B: the same rows of one table
// (analytics_event rows like the seed's, read back as the restore reads them) written into an empty copy of it,
// in a transaction, by each way a restore could write them. Prints seconds and rows/s per way.
// BENCH_BULK_ROWS (default 200000) rows; BENCH_ENGINES (default mysql,postgres,pglite); median of BENCH_RUNS (3).
import { connectDb, type BulkValue, type Db, type DbSession } from '../src/db/index.ts';
import { backupDialectFor } from '../src/backup/dialect/backup-dialect-for.ts';
import { bindValue, canonicalRow, parseRow } from '../src/backup/archive/canonical-row.ts';
import { selectList } from '../src/backup/dump-table.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { createTempDatabase, type TestEngine } from '../test/helpers/test-databases.ts';
import { median } from './timed.ts';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 200000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const engines = (process.env.BENCH_ENGINES ?? 'mysql,postgres,pglite').split(',') as TestEngine[];

class Rollback extends Error {}

/** Multi-row INSERTs of `perStmt` rows, as the restore's per-statement path writes them. */
async function inserts(s: DbSession, db: Db, table: string, columns: string[], lines: string[], perStmt: number) {
  const d = backupDialectFor(db.target.engine);
  const head = `INSERT INTO ${d.quote(table)} (${columns.map(d.quote).join(', ')}) VALUES `;
  for (let i = 0; i < lines.length; i += perStmt) {
    const params: unknown[] = [];
    const tuples = lines
      .slice(i, i + perStmt)
      .map((l) => `(${parseRow(l).map((v) => (params.push(bindValue(v)), d.param(params.length)))})`);
    await s.execute(head + tuples.join(', '), params);
  }
}

async function* rowsOf(lines: string[]): AsyncIterable<BulkValue[]> {
  for (const l of lines) yield parseRow(l).map(bindValue);
}

for (const engine of engines) {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url, { values: 'text' });
  try {
    await migrate(db);
    await seedDatabase(db, { tenants: 1, rows: 10, skew: 'uniform', seed: 1 });
    // Events shaped like the seed's (a name, a JSON document, a session id, a timestamp with microseconds).
    await db.execute(
      engine === 'mysql'
        ? `INSERT INTO analytics_event (tenant_id, name, properties, session_id, occurred_at)
           SELECT 1, CONCAT('page_view ', seq % 50), JSON_OBJECT('path', CONCAT('/p/', seq), 'ms', seq % 997),
                  MD5(seq), TIMESTAMP('2025-01-01') + INTERVAL seq * 1001 MICROSECOND FROM seq_1_to_${ROWS}`
        : `INSERT INTO analytics_event (tenant_id, name, properties, session_id, occurred_at)
           SELECT 1, 'page_view ' || g % 50, json_build_object('path', '/p/' || g, 'ms', g % 997),
                  md5(g::text), timestamp '2025-01-01' + g * interval '1001 microseconds' FROM generate_series(1, ${ROWS}) g`,
    );
    const d = backupDialectFor(engine);
    const info = (await d.introspect(db)).get('analytics_event')!;
    const columns = info.columns.filter((c) => !c.generated).map((c) => c.name);
    const lines = (
      await db.query(
        `SELECT ${selectList(d, info, columns)} FROM ${d.from('analytics_event')} ORDER BY id LIMIT ${ROWS}`,
      )
    ).map((r) => canonicalRow(columns.map((c) => r[c])));
    await db.execute(
      engine === 'mysql'
        ? 'CREATE TABLE ab_copy LIKE analytics_event'
        : 'CREATE TABLE ab_copy (LIKE analytics_event INCLUDING ALL)',
    );
    const ways: [string, (s: DbSession) => Promise<unknown>][] = [
      ['INSERT, 1,000 rows per statement (per-statement path)', (s) => inserts(s, db, 'ab_copy', columns, lines, 1000)],
      [
        'INSERT, 5,000 rows per statement',
        (s) => inserts(s, db, 'ab_copy', columns, lines, Math.min(5000, Math.floor(65535 / columns.length))),
      ],
      ...(engine === 'mysql'
        ? ([
            [
              'INSERT, 5,000 rows per statement, unique_checks=0',
              async (s: DbSession) => {
                await s.execute('SET SESSION unique_checks = 0');
                try {
                  await inserts(s, db, 'ab_copy', columns, lines, Math.min(5000, Math.floor(65535 / columns.length)));
                } finally {
                  await s.execute('SET SESSION unique_checks = 1');
                }
              },
            ],
          ] as [string, (s: DbSession) => Promise<unknown>][])
        : []),
      ['bulk load (copyRows)', (s) => s.copyRows('ab_copy', columns, rowsOf(lines))],
    ];
    console.log(`\n${engine}: ${lines.length} rows of analytics_event (${columns.length} columns), median of ${RUNS}`);
    for (const [name, write] of ways) {
      const secs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        await db
          .transaction(async (s) => {
            // As in a restore: FK checks relaxed where the engine can (foreign_key_checks=0 on MariaDB).
            const undo = await d.relaxConstraints(s);
            try {
              const t0 = performance.now();
              await write(s);
              secs.push((performance.now() - t0) / 1000);
            } finally {
              await undo();
            }
            throw new Rollback();
          })
          .catch((e: unknown) => {
            if (!(e instanceof Rollback)) throw e;
          });
      }
      const m = median(secs);
      console.log(`  ${name.padEnd(52)} ${m.toFixed(3)} s  ${Math.round(lines.length / m)} rows/s`);
    }
  } finally {
    await db.close();
    await tmp.drop();
  }
}
