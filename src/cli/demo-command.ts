import { defineCommand } from './command.ts';

import { TenantopsError } from '../errors/index.ts';

export const demoCommand = defineCommand({
  name: 'demo',
  section: 'Demo',
  summary: 'The whole system in one run: seed, serve, load-test, back up, break, restore, verify',
  usage: 'demo [--db URL] [--dir DIR] [--skip-load]',
  options: {
    db: {
      type: 'string',
      value: 'URL',
      description: 'database (default: a fresh embedded PGlite database in a temp dir)',
    },
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'where the archive, safety backup and report go (default: a temp dir)',
    },
    'skip-load': { type: 'boolean', description: 'skip the load-test step' },
  },
  async run({ values }, io) {
    // Loaded on demand: the demo pulls in the platform, the load runner and backup at once.
    const { runDemo } = await import('../demo/run-demo.ts');
    const t0 = Date.now();
    const r = await runDemo({
      dbUrl: values.db,
      workDir: values.dir,
      skipLoad: !!values['skip-load'],
      stdout: io.stdout,
      stderr: io.stderr,
    });
    if (!r.ok) throw new TenantopsError('TENANTOPS_E_INTERNAL', 'demo failed');
    io.stdout.write(`\nevery step verified in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  },
});
