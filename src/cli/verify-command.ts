import {
  archiveLocation,
  backupKeyFrom,
  checkArchiveEngine,
  schemaDiff,
  tenantScope,
  verifyArchive,
} from '../backup/index.ts';
import { defineCommand } from './command.ts';
import { archiveReadProgress } from './archive-read-progress.ts';

import { backupDbOptions, backupTarget, openBackupDb } from './backup-context.ts';
import { jsonOption, keyFileOption } from './common-options.ts';
import { TenantopsError } from '../errors/index.ts';

export const verifyCommand = defineCommand({
  name: 'verify',
  section: 'Backup and restore',
  summary: "Check an archive's integrity; with --db, also that it fits that database's schema",
  usage: 'verify FILE|s3://BUCKET/PREFIX/NAME [--db URL] [--json]',
  positionals: { min: 1, max: 1, names: 'FILE' },
  options: {
    ...backupDbOptions,
    ...keyFileOption,
    ...jsonOption,
  },
  async run({ values, positionals }, io) {
    const at = archiveLocation(positionals[0]!, io.cwd, io.env);
    const file = at.address;
    // An object in a bucket is streamed once, as a local file is read once: no copy on disk.
    const progress = archiveReadProgress(io, 'verify', at);
    const manifest = await verifyArchive(
      at.source(),
      backupKeyFrom(io.env, values['key-file']),
      progress.onBytes,
    ).finally(progress.done);
    const rows = manifest.tables.reduce((a, t) => a + t.rows, 0);
    let notes: string[] = [];
    if (values.db || values.env) {
      const target = backupTarget(values, io, manifest.config);
      checkArchiveEngine(manifest.engine, target.engine);
      const db = await openBackupDb(target, values);
      try {
        const scope = await tenantScope(db, db, manifest.config);
        const diff = schemaDiff(manifest, scope.schema, scope.plan);
        if (diff.problems.length) {
          throw new TenantopsError(
            'TENANTOPS_E_SCHEMA_MISMATCH',
            `archive does not fit ${target.redacted} (${diff.problems.length} differences)`,
            { details: diff.problems },
          );
        }
        notes = diff.notes;
      } finally {
        await db.close();
      }
    }
    if (values.json)
      io.stdout.write(
        JSON.stringify({ ok: true, file, tenant: manifest.tenantId, tables: manifest.tables.length, rows, notes }) +
          '\n',
      );
    else {
      io.stdout.write(
        `ok: ${file}: tenant ${manifest.tenantId}, ${manifest.tables.length} tables, ${rows} rows, every checksum matches\n`,
      );
      for (const n of notes) io.stdout.write(`note: ${n}\n`);
      if (values.db || values.env) io.stdout.write('ok: the archive fits the target schema\n');
    }
    return 0;
  },
});
