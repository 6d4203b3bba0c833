import { backupKeyFrom, listArchives } from '../backup/index.ts';
import { defineCommand } from './command.ts';
import { backupDir } from './backup-dir.ts';
import { jsonOption, keyFileOption } from './common-options.ts';
import { unreadableIndexWarning } from './unreadable-index-warning.ts';

export const backupsListCommand = defineCommand({
  name: 'backups list',
  section: 'Backup and restore',
  summary: 'List the tenant archives in a backup directory: time, tenant, rows, size',
  usage: 'backups list --dir DIR|s3://BUCKET/PREFIX [--tenant ID] [--json]',
  options: {
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'the directory or s3://bucket/prefix backup --all-tenants writes to (required)',
    },
    tenant: { type: 'string', value: 'ID', description: "only this tenant's archives" },
    ...keyFileOption,
    ...jsonOption,
  },
  async run({ values }, io) {
    const dir = await backupDir(values.dir, 'dir', io);
    const list = await listArchives(dir, {
      tenant: values.tenant,
      passphrase: backupKeyFrom(io.env, values['key-file']),
      onUnreadableIndex: unreadableIndexWarning(io, 'its archives are listed from their own manifests'),
    });
    if (values.json) {
      io.stdout.write(
        JSON.stringify(
          list.map((a) => ({
            file: a.file,
            tenant: a.tenant,
            takenAt: a.takenAt.toISOString(),
            rows: a.rows,
            bytes: a.bytes,
            source: a.source,
            problem: a.problem ?? null,
          })),
        ) + '\n',
      );
      return 0;
    }
    io.stdout.write(
      `${'taken at (UTC)'.padEnd(21)} ${'tenant'.padEnd(10)} ${'rows'.padStart(10)} ${'bytes'.padStart(12)}  file\n`,
    );
    for (const a of list)
      io.stdout.write(
        `${a.takenAt
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z')
          .padEnd(
            21,
          )} ${a.tenant.padEnd(10)} ${String(a.rows ?? '?').padStart(10)} ${String(a.bytes).padStart(12)}  ${a.file}${a.problem ? `  (${a.problem})` : ''}\n`,
      );
    const tenants = new Set(list.map((a) => a.tenant)).size;
    const damaged = list.filter((a) => a.problem).length;
    io.stdout.write(`${list.length} archives of ${tenants} tenants${damaged ? `, ${damaged} damaged` : ''}\n`);
    return 0;
  },
});
