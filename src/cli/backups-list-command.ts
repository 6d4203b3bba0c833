import { backupKeyFrom, listArchives, verifyListedArchive, type ArchiveCheck } from '../backup/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { defineCommand } from './command.ts';
import { backupDir } from './backup-dir.ts';
import { jsonOption, keyFileOption } from './common-options.ts';
import { progressReporter } from './progress.ts';
import { unreadableIndexWarning } from './unreadable-index-warning.ts';
import { shownTenant } from './shown-tenant.ts';

export const backupsListCommand = defineCommand({
  name: 'backups list',
  section: 'Backup and restore',
  summary: 'List the tenant archives in a backup directory: time, tenant, rows, size',
  usage: 'backups list --dir DIR|s3://BUCKET/PREFIX [--tenant ID] [--verify] [--json]',
  options: {
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'the directory or s3://bucket/prefix backup --all-tenants writes to (required)',
    },
    tenant: { type: 'string', value: 'ID', description: "only this tenant's archives" },
    verify: {
      type: 'boolean',
      description:
        'read every archive and check it as a restore would (and its SHA-256 against the index); exit 3 if any is damaged',
    },
    ...keyFileOption,
    ...jsonOption,
  },
  async run({ values }, io) {
    const dir = await backupDir(values.dir, 'dir', io);
    const passphrase = backupKeyFrom(io.env, values['key-file']);
    const list = await listArchives(dir, {
      tenant: values.tenant,
      passphrase,
      onUnreadableIndex: unreadableIndexWarning(io, 'its archives are listed from their own manifests'),
    });
    // One archive at a time: each is read whole, and a directory can hold thousands.
    const checks = new Map<string, ArchiveCheck>();
    if (values.verify) {
      const bar = progressReporter(io.stderr, 'backups list --verify');
      for (const a of list) {
        checks.set(a.file, await verifyListedArchive(dir, a, passphrase));
        bar.update({ phase: '', done: checks.size, total: list.length, unit: 'archives' });
      }
      bar.done();
    }
    const damagedFiles = list.filter((a) => checks.get(a.file)?.result === 'damaged').map((a) => a.file);
    const refuse = () => {
      if (damagedFiles.length)
        throw new TenantopsError(
          'TENANTOPS_E_ARCHIVE_CORRUPT',
          `${damagedFiles.length} of ${list.length} archives are damaged (${damagedFiles.join(', ')}); do not restore them: take a new backup of their tenants, or restore an older archive with --at`,
        );
      return 0;
    };
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
            problem: a.problem ?? (checks.get(a.file)?.result === 'damaged' ? checks.get(a.file)!.note : null),
            ...(values.verify
              ? { verified: checks.get(a.file)!.result, verifyNote: checks.get(a.file)!.note ?? null }
              : {}),
          })),
        ) + '\n',
      );
      return refuse();
    }
    io.stdout.write(
      `${'taken at (UTC)'.padEnd(21)} ${'tenant'.padEnd(10)} ${'rows'.padStart(10)} ${'bytes'.padStart(12)}  file\n`,
    );
    for (const a of list) {
      const c = checks.get(a.file);
      const problem = a.problem ?? (c?.result === 'damaged' ? c.note : undefined);
      const check = !c ? '' : c.result === 'damaged' ? '  DAMAGED' : `  ${c.result}${c.note ? ` (${c.note})` : ''}`;
      const at = a.takenAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
      io.stdout.write(
        `${at.padEnd(21)} ${shownTenant(a.tenant).padEnd(10)} ${String(a.rows ?? '?').padStart(10)} ${String(a.bytes).padStart(12)}` +
          `  ${a.file}${check}${problem ? `  (${problem})` : ''}\n`,
      );
    }
    const tenants = new Set(list.map((a) => a.tenant)).size;
    const damaged = list.filter((a) => a.problem || checks.get(a.file)?.result === 'damaged').length;
    const unchecked = [...checks.values()].filter((c) => c.result === 'unchecked').length;
    io.stdout.write(
      `${list.length} archives of ${tenants} tenants${damaged ? `, ${damaged} damaged` : ''}` +
        `${values.verify ? `; verified ${checks.size - unchecked}${unchecked ? `, ${unchecked} unchecked (no key)` : ''}` : ''}\n`,
    );
    return refuse();
  },
});
