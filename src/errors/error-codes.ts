// The one table of stable error codes. docs/errors.md is kept in step with it by test/errors-doc.test.ts.
// exit: the process exit code the CLI uses for this error.
export const ERROR_CODES = {
  TENANTOPS_E_USAGE: {
    exit: 2,
    what: 'The command line is wrong: unknown flag, missing argument or conflicting flags.',
  },
  TENANTOPS_E_CONFIG: {
    exit: 2,
    what: 'The configuration file or environment is invalid; the message gives the path.',
  },
  TENANTOPS_E_DB_URL: { exit: 2, what: 'The database URL cannot be parsed or names an unsupported scheme.' },
  TENANTOPS_E_DB_CONNECT: { exit: 1, what: 'The database server cannot be reached or refused the login.' },
  TENANTOPS_E_DB_QUERY: { exit: 1, what: 'A query failed on the server.' },
  TENANTOPS_E_MIGRATION: {
    exit: 1,
    what: 'A schema migration failed; applied versions are recorded, so rerun after fixing.',
  },
  TENANTOPS_E_TENANT_NOT_FOUND: { exit: 1, what: 'The tenant id does not exist in the tenant table.' },
  TENANTOPS_E_SCOPE: {
    exit: 1,
    what: 'The scope plan cannot be built (unknown table, bad relation, ambiguous parent).',
  },
  TENANTOPS_E_ARCHIVE_CORRUPT: { exit: 3, what: 'The archive is truncated, corrupted or fails its checksums.' },
  TENANTOPS_E_ARCHIVE_FORMAT: { exit: 3, what: 'The archive format version is not supported by this tool.' },
  TENANTOPS_E_ARCHIVE_KEY: { exit: 3, what: 'The archive is encrypted and the key is missing or wrong.' },
  TENANTOPS_E_WRONG_TENANT: { exit: 3, what: 'The archive holds a different tenant than the one requested.' },
  TENANTOPS_E_SCHEMA_MISMATCH: { exit: 4, what: "The archive's schema fingerprints do not match the target database." },
  TENANTOPS_E_KEY_COLLISION: { exit: 4, what: "Archive rows collide with other tenants' primary or unique keys." },
  TENANTOPS_E_SHARED_ROWS: {
    exit: 4,
    what: "Other tenants' rows reference rows the restore would delete or rewrite; nothing was written.",
  },
  TENANTOPS_E_TRIGGERS: {
    exit: 4,
    what: 'In-scope tables have triggers the restoring role cannot skip; nothing was written.',
  },
  TENANTOPS_E_MISSING_PARENTS: { exit: 4, what: 'Shared rows the tenant references are missing in the target.' },
  TENANTOPS_E_VERIFY_FAILED: {
    exit: 5,
    what: 'Restored rows differ from the archive before commit; everything was rolled back.',
  },
  TENANTOPS_E_INTEGRITY: {
    exit: 5,
    what: 'Restored rows reference rows that do not exist; everything was rolled back.',
  },
  TENANTOPS_E_CONFIRM: { exit: 2, what: 'A destructive command needs confirmation: run it on a TTY or pass --yes.' },
  TENANTOPS_E_HOOK: { exit: 1, what: 'A beforeRestore/afterRestore hook exited non-zero.' },
  TENANTOPS_E_LANDO: { exit: 2, what: 'The Lando environment could not be resolved from `lando info`.' },
  TENANTOPS_E_IO: {
    exit: 1,
    what: 'A file could not be written (disk full, permissions); no partial file is left behind.',
  },
  TENANTOPS_E_INTERNAL: { exit: 1, what: 'An unexpected internal error; rerun with --debug and report it.' },
} as const satisfies Record<string, { exit: number; what: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
