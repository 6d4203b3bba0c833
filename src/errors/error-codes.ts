// The one table of stable error codes. docs/errors.md is kept in step with it by test/errors-doc.test.ts.
// exit: the process exit code the CLI uses for this error; what: what it means; todo: what the reader does next.
export const ERROR_CODES = {
  TENANTOPS_E_USAGE: {
    exit: 2,
    what: 'The command line is wrong: unknown flag (the nearest is named), missing or stray argument, a flag given twice with different values, conflicting flags, or a --port already in use.',
    todo: 'Read the one-line message and `tenantops <command> --help`; fix the flags and rerun.',
  },
  TENANTOPS_E_CONFIG: {
    exit: 2,
    what: 'The configuration file or environment is invalid; the message gives the path.',
    todo: 'Fix every listed problem in the named file (each names its key path), then rerun.',
  },
  TENANTOPS_E_DB_URL: {
    exit: 2,
    what: 'The database URL cannot be parsed or names an unsupported scheme.',
    todo: 'Write the URL as mysql://, postgres:// or pglite:// (see README); put the password in TENANTOPS_DB_URL, not argv.',
  },
  TENANTOPS_E_DB_CONNECT: {
    exit: 1,
    what: 'The database server cannot be reached or refused the login.',
    todo: 'Follow the advice after the semicolon: start the server, fix host/port, credentials or database name; --connect-timeout waits longer.',
  },
  TENANTOPS_E_DB_QUERY: {
    exit: 1,
    what: 'A query failed on the server.',
    todo: 'Read the server message; check the role has the grants in docs/backup.md; rerun with --debug if it persists.',
  },
  TENANTOPS_E_ROW_SECURITY: {
    exit: 4,
    what: 'Row-level security applies to this role on a table: it would read only the rows its policies show.',
    todo: "Nothing was read or written. Connect as the table's owner (without FORCE ROW LEVEL SECURITY), a BYPASSRLS role or a superuser.",
  },
  TENANTOPS_E_LOCKED: {
    exit: 1,
    what: "The restore could not lock the tenant's tables (PostgreSQL) or rows (MariaDB) within 30 s: other transactions hold them; nothing was written.",
    todo: 'Let the sessions holding them finish (PostgreSQL lists pid, state and age; on MariaDB see information_schema.INNODB_TRX), or end them if they are stuck idle in a transaction, then rerun.',
  },
  TENANTOPS_E_MIGRATION: {
    exit: 1,
    what: 'A schema migration failed; applied versions are recorded, so rerun after fixing.',
    todo: 'Fix the cause in the message and rerun `tenantops db migrate`; applied versions are skipped.',
  },
  TENANTOPS_E_TENANT_NOT_FOUND: {
    exit: 1,
    what: 'The tenant id does not exist in the tenant table.',
    todo: 'Check the id with `tenantops tenants`, or the tenant table/key in the config.',
  },
  TENANTOPS_E_SCOPE: {
    exit: 1,
    what: 'The scope plan cannot be built (unknown table, bad relation, ambiguous parent).',
    todo: 'Run `tenantops tables` to see the plan; add a `tables` rule or `relations` entry to the config.',
  },
  TENANTOPS_E_ARCHIVE_CORRUPT: {
    exit: 3,
    what: 'The archive is truncated, corrupted or fails its checksums.',
    todo: 'Do not restore this file; use another archive (the safety backups count) and check the storage it came from.',
  },
  TENANTOPS_E_ARCHIVE_FORMAT: {
    exit: 3,
    what: 'The archive format version is not supported by this tool.',
    todo: 'Use the tenantops version that wrote the archive (`tenantops inspect` shows it), or upgrade.',
  },
  TENANTOPS_E_ARCHIVE_KEY: {
    exit: 3,
    what: 'The archive is encrypted and the key is missing or wrong.',
    todo: 'Give the key the archive was written with: TENANTOPS_BACKUP_KEY or --key-file.',
  },
  TENANTOPS_E_WRONG_TENANT: {
    exit: 3,
    what: 'The archive holds a different tenant than the one requested.',
    todo: 'Pick the archive of the tenant you meant (`tenantops inspect FILE`), or drop --tenant.',
  },
  TENANTOPS_E_SCHEMA_MISMATCH: {
    exit: 4,
    what: "The archive's schema fingerprints do not match the target database.",
    todo: "Migrate the target to the archive's schema (the listed differences), or restore into a database on that schema.",
  },
  TENANTOPS_E_KEY_COLLISION: {
    exit: 4,
    what: "Archive rows collide with other tenants' primary or unique keys.",
    todo: "Nothing was written. Find the other tenant's rows named in the message; move them, or restore into another database.",
  },
  TENANTOPS_E_SHARED_ROWS: {
    exit: 4,
    what: "Rows outside the tenant (other tenants', or another schema's) reference rows the restore would delete or rewrite; nothing was written.",
    todo: 'Nothing was written. Detach or restore the referencing rows first (listed in the message, with the foreign key).',
  },
  TENANTOPS_E_TRIGGERS: {
    exit: 4,
    what: 'In-scope tables have triggers the restoring role cannot skip; nothing was written.',
    todo: 'Restore as a role that may skip triggers, or set `triggers: fire` in the config if they are safe to fire.',
  },
  TENANTOPS_E_NOT_TRANSACTIONAL: {
    exit: 4,
    what: 'The restore would write to tables whose storage engine has no transactions (MyISAM, Aria, MEMORY); nothing was written.',
    todo: 'Convert the tables named in the message to InnoDB (ALTER TABLE … ENGINE=InnoDB), then restore again.',
  },
  TENANTOPS_E_MISSING_PARENTS: {
    exit: 4,
    what: 'Shared rows the tenant references are missing in the target.',
    todo: 'Restore the shared rows first, or back up again with --include-parents.',
  },
  TENANTOPS_E_VERIFY_FAILED: {
    exit: 5,
    what: 'Restored rows differ from the archive before commit; everything was rolled back.',
    todo: 'Nothing changed. A trigger, ON UPDATE column or collation rewrote rows: see the listed rows and docs/backup.md.',
  },
  TENANTOPS_E_INTEGRITY: {
    exit: 5,
    what: 'Restored rows reference rows that do not exist; everything was rolled back.',
    todo: 'Nothing changed. Restore the referenced rows first, or check the relations in the config.',
  },
  TENANTOPS_E_COMMIT_UNKNOWN: {
    exit: 6,
    what: 'The connection to the database was lost while the server ran COMMIT: the work may have been committed or rolled back.',
    todo: 'Run the same restore again with --dry-run once the server answers: 0 changes means it was committed (its safety backup, printed, is the way back); otherwise run it again.',
  },
  TENANTOPS_E_CONFIRM: {
    exit: 2,
    what: 'A destructive command needs confirmation: run it on a TTY or pass --yes.',
    todo: 'Run on a terminal to answer the prompt, or pass --yes after reading the --dry-run plan.',
  },
  TENANTOPS_E_HOOK: {
    exit: 1,
    what: 'A beforeRestore/afterRestore hook exited non-zero.',
    todo: 'Fix the hook command (it is in the config) and rerun; its output is printed above.',
  },
  TENANTOPS_E_LANDO: {
    exit: 2,
    what: 'The Lando environment could not be resolved from `lando info`.',
    todo: 'Run `lando start` in the project, check `lando info`, or use --db instead of --env.',
  },
  TENANTOPS_E_IO: {
    exit: 1,
    what: 'A file or directory could not be written, read or removed (disk full, permissions, a file in the way); no partial file is left behind.',
    todo: 'Free space, fix permissions or move what is in the way of the named path, then rerun; nothing partial was left.',
  },
  TENANTOPS_E_TENANTS_FAILED: {
    exit: 1,
    what: 'A run over every tenant finished, but some tenants failed; the others were done and are in the run index.',
    todo: 'Read the per-tenant errors printed above (and in the run index), fix their cause, and rerun the same command: done tenants are skipped.',
  },
  TENANTOPS_E_NO_ARCHIVE: {
    exit: 1,
    what: 'The backup directory holds no archive of the tenant taken at or before the requested time.',
    todo: 'List what there is with `tenantops backups list --dir DIR --tenant ID`, then pick a later --at or another directory.',
  },
  TENANTOPS_E_STORAGE: {
    exit: 1,
    what: 'The object store (an s3:// backup location) refused or failed a request; an unfinished upload is aborted, never left as an object.',
    todo: 'Check the bucket exists, the AWS credentials (environment or ~/.aws), AWS_ENDPOINT_URL for a non-AWS server, and the HTTP status in the message; then rerun.',
  },
  TENANTOPS_E_RUN_LOCKED: {
    exit: 1,
    what: 'Another backup --all-tenants or prune --yes holds the backup location (its lock names the host, pid and start time); nothing was done.',
    todo: 'Wait for that run to end. A lock whose process is gone is taken over by the next run: at once on the same host, else after 10 min without a refresh.',
  },
  TENANTOPS_E_INTERNAL: {
    exit: 1,
    what: 'An unexpected internal error; rerun with --debug and report it.',
    todo: 'Rerun with --debug and report the output as a bug.',
  },
} as const satisfies Record<string, { exit: number; what: string; todo: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
