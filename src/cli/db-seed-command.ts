import { defineCommand } from './command.ts';

import { dbOption, jsonOption } from './common-options.ts';
import { openDb } from './open-db.ts';
import { intOption } from './parse-int-option.ts';
import { progressReporter } from './progress.ts';
import { TenantopsError } from '../errors/index.ts';
import { migrate } from '../platform/schema/migrate.ts';
import { seedDatabase } from '../platform/seed/seed-database.ts';

export const dbSeedCommand = defineCommand({
  name: 'db seed',
  section: 'Reference platform',
  summary: 'Write deterministic, realistic tenant data (migrates first)',
  usage: 'db seed [--db URL] [--tenants N] [--rows M] [--skew zipf|uniform] [--seed S] [--json]',
  options: {
    ...dbOption,
    tenants: { type: 'string', value: 'N', description: 'number of tenants (default 10)' },
    rows: { type: 'string', value: 'M', description: 'average tenant-owned rows per tenant (default 1000)' },
    skew: { type: 'string', value: 'zipf|uniform', description: 'tenant size distribution (default zipf)' },
    seed: { type: 'string', value: 'S', description: 'random seed; same seed, same rows (default 1)' },
    'show-keys': { type: 'boolean', description: "print each tenant's API key" },
    ...jsonOption,
  },
  async run({ values }, io) {
    const tenants = intOption('tenants', values.tenants, 10, 1);
    const rows = intOption('rows', values.rows, 1000, 1);
    const seed = intOption('seed', values.seed, 1);
    const skew = values.skew ?? 'zipf';
    if (skew !== 'zipf' && skew !== 'uniform')
      throw new TenantopsError('TENANTOPS_E_USAGE', `--skew must be zipf or uniform, got "${skew}"`);
    const db = await openDb(values, io);
    try {
      await migrate(db);
      const bar = progressReporter(io.stderr, 'seeding');
      const t0 = Date.now();
      const r = await seedDatabase(db, {
        tenants,
        rows,
        skew,
        seed,
        onProgress: (done, total) => bar.update({ phase: '', done, total, unit: 'rows' }),
      });
      bar.done();
      const secs = (Date.now() - t0) / 1000;
      if (values.json) {
        io.stdout.write(
          JSON.stringify({
            db: db.target.redacted,
            rows: r.rows,
            seconds: secs,
            tenants: values['show-keys'] ? r.tenants : r.tenants.map((t) => ({ id: t.id })),
          }) + '\n',
        );
      } else {
        io.stdout.write(
          `seeded ${tenants} tenants, ${r.rows} rows in ${secs.toFixed(1)} s (${Math.round(r.rows / secs)} rows/s) on ${db.target.redacted}\n`,
        );
        if (values['show-keys']) for (const t of r.tenants) io.stdout.write(`tenant ${t.id}\t${t.apiKey}\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
});
