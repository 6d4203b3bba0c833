import { archiveLocation, backupKeyFrom, verifyArchive } from '../backup/index.ts';
import { defineCommand } from './command.ts';
import { archiveReadProgress } from './archive-read-progress.ts';

import { jsonOption, keyFileOption } from './common-options.ts';

export const inspectCommand = defineCommand({
  name: 'inspect',
  section: 'Backup and restore',
  summary: "Print an archive's manifest",
  usage: 'inspect FILE|s3://BUCKET/PREFIX/NAME [--json]',
  positionals: { min: 1, max: 1, names: 'FILE' },
  options: { ...keyFileOption, ...jsonOption },
  async run({ values, positionals }, io) {
    const at = archiveLocation(positionals[0]!, io.cwd, io.env);
    const progress = archiveReadProgress(io, 'inspect', at);
    const m = await verifyArchive(at.source(), backupKeyFrom(io.env, values['key-file']), progress.onBytes).finally(
      progress.done,
    );
    if (values.json) {
      io.stdout.write(JSON.stringify(m, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(
      [
        `format       ${m.format} v${m.formatVersion} (tool ${m.toolVersion})`,
        `tenant       ${m.tenantId}`,
        `source       ${m.engine} ${m.serverVersion} ${m.database}`,
        `created      ${m.createdAt}`,
        `encrypted    ${m.encrypted ? 'yes' : 'no'}`,
        `tables       ${m.tables.length}, ${m.tables.reduce((a, t) => a + t.rows, 0)} rows`,
        '',
        ...m.tables.map(
          (t) =>
            `  ${t.name.padEnd(36)} ${String(t.rows).padStart(8)} rows  ${t.sha256.slice(0, 16)}  ${t.role === 'parent' ? 'shared parent rows' : t.detail}`,
        ),
        '',
        `shared references: ${m.external.length ? '' : 'none'}`,
        ...m.external.map(
          (e) => `  ${e.from}.${e.columns.join(',')} -> ${e.to}.${e.refColumns.join(',')}: ${e.keys.length} keys`,
        ),
        ...m.plan.warnings.map((w) => `warning: ${w}`),
        '',
      ].join('\n'),
    );
    return 0;
  },
});
