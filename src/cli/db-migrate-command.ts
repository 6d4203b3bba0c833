import { defineCommand } from './command.ts';

import { dbOption, jsonOption } from './common-options.ts';
import { openDb } from './open-db.ts';
import { migrate } from '../platform/schema/migrate.ts';

export const dbMigrateCommand = defineCommand({
  name: 'db migrate',
  section: 'Reference platform',
  summary: "Create the reference platform's Drupal-shaped schema (idempotent)",
  usage: 'db migrate [--db URL] [--foreign-keys] [--json]',
  options: {
    ...dbOption,
    'foreign-keys': { type: 'boolean', description: 'also declare foreign keys (Drupal declares none)' },
    ...jsonOption,
  },
  async run({ values }, io) {
    const db = await openDb(values, io);
    try {
      const r = await migrate(db, { foreignKeys: !!values['foreign-keys'] });
      if (values.json) io.stdout.write(JSON.stringify({ db: db.target.redacted, ...r }) + '\n');
      else {
        for (const v of r.applied) io.stdout.write(`applied ${v}\n`);
        for (const v of r.alreadyApplied) io.stdout.write(`already applied ${v}\n`);
        io.stdout.write(`schema up to date on ${db.target.redacted}\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
});
