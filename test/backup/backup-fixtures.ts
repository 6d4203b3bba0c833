import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { connectDb, type Db } from '../../src/db/index.ts';
import { verifyArchive } from '../../src/backup/index.ts';
import { readArchiveEntries } from '../../src/backup/archive/archive-reader.ts';
import type { Manifest } from '../../src/backup/archive/manifest.ts';
import { TAR_END, tarHeader, tarPadding } from '../../src/backup/archive/tar.ts';
import { migrate, platformTableNames } from '../../src/platform/schema/migrate.ts';
import { seedDatabase } from '../../src/platform/seed/seed-database.ts';
import { createTempDatabase, type TempDatabase, type TestEngine } from '../helpers/test-databases.ts';
import { snapshotTables, tableDigest } from '../helpers/table-snapshot.ts';

export interface Fixture {
  tmp: TempDatabase;
  db: Db;
  close(): Promise<void>;
}

/** A migrated, seeded reference database (4 tenants) opened in text mode, as backup and restore use it. */
export async function seededFixture(engine: TestEngine, foreignKeys: boolean): Promise<Fixture> {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url, { values: 'text' });
  await migrate(db, { foreignKeys });
  await seedDatabase(db, { tenants: 4, rows: 150, skew: 'uniform', seed: 7 });
  return {
    tmp,
    db,
    async close() {
      await db.close();
      await tmp.drop();
    },
  };
}

export const snapshotAll = (db: Db) => snapshotTables(db, platformTableNames());

/** Digest of one tenant's rows in a tenant_id table. */
export const tenantDigest = (db: Db, table: string, tenant: string) =>
  tableDigest(db, table, `WHERE ${db.dialect.quoteIdent('tenant_id')} = ${db.dialect.param(1)}`, [tenant]);

export function sql(db: Db, text: string): string {
  // Test SQL is written with backticks; PostgreSQL wants double quotes.
  return db.dialect.name === 'mysql' ? text : text.replace(/`/g, '"');
}

/**
 * The same archive rewritten as format 2 wrote it: table entries, then the whole manifest, in one gzip member.
 * `edit` may change the manifest first (format 2 has no seal to break).
 */
export async function asFormat2(path: string, out: string, edit = (m: Manifest) => m): Promise<void> {
  const parts: Buffer[] = [];
  for await (const e of readArchiveEntries(path)) {
    if (e.name === 'manifest.json' || e.name === 'seal.json') continue;
    parts.push(tarHeader(e.name, e.data.length, 0), e.data, tarPadding(e.data.length));
  }
  const manifest: Manifest = edit({ ...(await verifyArchive(path)), formatVersion: 2 });
  const m = Buffer.from(JSON.stringify(manifest));
  parts.push(tarHeader('manifest.json', m.length, 0), m, tarPadding(m.length), TAR_END);
  writeFileSync(out, gzipSync(Buffer.concat(parts)), { mode: 0o600 });
}
