// npm run bench:seed — rows/s of `db seed` into MariaDB (and PostgreSQL/PGlite for comparison), median of 3 runs.
import { connectDb } from '../src/db/index.ts';
import { migrate } from '../src/platform/schema/migrate.ts';
import { seedDatabase } from '../src/platform/seed/seed-database.ts';
import { createTempDatabase, type TestEngine } from '../test/helpers/test-databases.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 50);
const ROWS = Number(process.env.BENCH_ROWS ?? 2000);
const engines = (process.env.BENCH_ENGINES ?? 'mysql,postgres,pglite').split(',') as TestEngine[];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`seeding ${TENANTS} tenants x ${ROWS} rows (zipf), 3 runs per engine`);
for (const engine of engines) {
  const rates: number[] = [];
  let rows = 0;
  for (let run = 0; run < 3; run++) {
    const tmp = await createTempDatabase(engine);
    const db = await connectDb(tmp.url);
    try {
      await migrate(db);
      const t0 = performance.now();
      const r = await seedDatabase(db, { tenants: TENANTS, rows: ROWS, skew: 'zipf', seed: run + 1 });
      const secs = (performance.now() - t0) / 1000;
      rows = r.rows;
      rates.push(r.rows / secs);
    } finally {
      await db.close();
      await tmp.drop();
    }
  }
  console.log(
    `${engine.padEnd(9)} ${rows} rows  median ${Math.round(median(rates))} rows/s  (runs: ${rates.map((r) => Math.round(r)).join(', ')})`,
  );
}
