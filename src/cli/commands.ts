import type { Command } from './command.ts';
import { dbMigrateCommand } from './db-migrate-command.ts';
import { dbSeedCommand } from './db-seed-command.ts';
import { tablesCommand } from './tables-command.ts';
import { tenantsCommand } from './tenants-command.ts';
import { backupCommand } from './backup-command.ts';
import { restoreCommand } from './restore-command.ts';
import { verifyCommand } from './verify-command.ts';
import { inspectCommand } from './inspect-command.ts';
import { backupsListCommand } from './backups-list-command.ts';
import { pruneCommand } from './prune-command.ts';
import { serveCommand } from './serve-command.ts';
import { demoCommand } from './demo-command.ts';
import { loadCommand } from './load-command.ts';

/** Every command, in help order. Each lives in its own file. */
export const COMMANDS: Command[] = [
  tablesCommand,
  tenantsCommand,
  backupCommand,
  restoreCommand,
  verifyCommand,
  inspectCommand,
  backupsListCommand,
  pruneCommand,
  dbMigrateCommand,
  dbSeedCommand,
  serveCommand,
  loadCommand,
  demoCommand,
];
