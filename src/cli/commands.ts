import type { Command } from './command.ts';
import { dbMigrateCommand } from './db-migrate-command.ts';
import { dbSeedCommand } from './db-seed-command.ts';

/** Every command, in help order. Each lives in its own file. */
export const COMMANDS: Command[] = [dbMigrateCommand, dbSeedCommand];
