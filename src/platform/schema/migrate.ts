import type { Db } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { PLATFORM_TABLES } from './platform-tables.ts';
import { createIndexSql, createTableSql, foreignKeySql } from './render-ddl.ts';

export interface MigrateOptions {
  foreignKeys?: boolean;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

interface Migration {
  version: string;
  statements(db: Db): string[];
}

const MIGRATIONS: Migration[] = [
  {
    version: '0001_platform_schema',
    statements: (db) =>
      PLATFORM_TABLES.flatMap((t) => [createTableSql(db.dialect, t), ...createIndexSql(db.dialect, t)]),
  },
];

const FOREIGN_KEYS: Migration = {
  version: '0002_foreign_keys',
  statements: (db) => PLATFORM_TABLES.flatMap((t) => foreignKeySql(db.dialect, t).map((f) => f.sql)),
};

const LEDGER = 'tenantops_migrations';

/** Applies the platform schema. Idempotent: applied versions are recorded and skipped on the next run. */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrateResult> {
  const q = db.dialect.quoteIdent;
  await db.execute(
    `CREATE TABLE IF NOT EXISTS ${q(LEDGER)} (${q('version')} VARCHAR(64) NOT NULL PRIMARY KEY, ${q('applied_at')} ${db.dialect.columnType({ kind: 'datetime' })} NOT NULL)${db.dialect.tableOptions}`,
  );
  const done = new Set(
    (await db.query<{ version: string }>(`SELECT ${q('version')} FROM ${q(LEDGER)}`)).map((r) => r.version),
  );
  const wanted = options.foreignKeys ? [...MIGRATIONS, FOREIGN_KEYS] : MIGRATIONS;
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of wanted) {
    if (done.has(m.version)) {
      result.alreadyApplied.push(m.version);
      continue;
    }
    // Each statement is idempotent (IF NOT EXISTS), so a migration cut short by a crash can simply be rerun;
    // MariaDB commits DDL implicitly, so a surrounding transaction would not help there anyway.
    for (const sql of m.statements(db)) {
      try {
        await db.execute(sql);
      } catch (e) {
        if (isDuplicateConstraint(e)) continue;
        throw new TenantopsError('TENANTOPS_E_MIGRATION', `migration ${m.version} failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    await db.execute(
      `INSERT INTO ${q(LEDGER)} (${q('version')}, ${q('applied_at')}) VALUES (${db.dialect.param(1)}, ${db.dialect.now})`,
      [m.version],
    );
    result.applied.push(m.version);
  }
  return result;
}

function isDuplicateConstraint(e: unknown): boolean {
  // ADD CONSTRAINT has no IF NOT EXISTS; after an interrupted FK migration, skip constraints already there.
  const code = (e as { cause?: { code?: string; errno?: number } }).cause;
  return code?.code === '42710' || code?.code === 'ER_FK_DUP_NAME' || code?.errno === 1826;
}

/** Tables the platform created, for tests and the demo. */
export function platformTableNames(): string[] {
  return PLATFORM_TABLES.map((t) => t.name);
}
