// A restore in a child process, for kill tests that must stop it inside a bulk load (the CLI cannot force the bulk
// path on a small tenant):
//   node --import tsx test/backup/restore-child.ts URL ARCHIVE SAFETY_DIR CHECKPOINT N
// At the N-th time the restore reaches CHECKPOINT it asks the server, on another connection, whether the load is
// under way (PostgreSQL pg_stat_progress_copy, MariaDB's process list), prints that as JSON, and kills itself.
import { connectDb } from '../../src/db/index.ts';
import { restoreTenant } from '../../src/backup/index.ts';

const [url, archive, safetyDir, killAt, nth] = process.argv.slice(2) as [string, string, string, string, string];
const db = await connectDb(url, { values: 'text' });
const probe = await connectDb(url, { values: 'text' });
let seen = 0;

async function loadUnderWay(): Promise<{ statement: string; rows: number } | null> {
  // The server may still be reading the first chunk: ask for up to 5 s.
  for (let i = 0; i < 50; i++) {
    const r =
      probe.dialect.name === 'mysql'
        ? await probe.query(
            "SELECT INFO AS statement, 0 AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'LOAD DATA LOCAL%'",
          )
        : await probe.query(
            "SELECT p.command AS statement, p.tuples_processed AS n FROM pg_stat_progress_copy p WHERE p.command = 'COPY FROM' AND p.tuples_processed > 0",
          );
    if (r.length) return { statement: String(r[0]!.statement).slice(0, 40), rows: Number(r[0]!.n) };
    await new Promise((res) => setTimeout(res, 100));
  }
  return null;
}

await restoreTenant(db, {
  archive,
  safetyDir,
  bulkMinRows: 1,
  checkpoint: async (name) => {
    if (name !== killAt || ++seen < Number(nth)) return;
    process.stdout.write(JSON.stringify({ load: await loadUnderWay() }) + '\n');
    process.kill(process.pid, 'SIGKILL');
  },
});
await probe.close();
await db.close();
