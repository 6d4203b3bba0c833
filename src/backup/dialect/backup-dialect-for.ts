import type { Engine } from '../../db/index.ts';
import type { BackupDialect } from './backup-dialect.ts';
import { mysqlBackupDialect } from './mysql/mysql-backup-dialect.ts';
import { postgresBackupDialect } from './postgres/postgres-backup-dialect.ts';

const DIALECTS: Record<Engine, BackupDialect> = {
  mysql: mysqlBackupDialect,
  postgres: postgresBackupDialect,
  pglite: postgresBackupDialect,
};

export function backupDialectFor(engine: Engine): BackupDialect {
  return DIALECTS[engine];
}
