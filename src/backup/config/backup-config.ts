export interface TableRule {
  /** Owned through this parent when several FKs lead into the scope. */
  parent?: string;
  /** Explicit filter; `:tenant` is always bound as a parameter. */
  where?: string;
  exclude?: boolean;
}

export interface EnvironmentConfig {
  /** A database URL, or `env:VAR` to read it from the environment (keeps the password out of the file). */
  url?: string;
  /** Resolve the database from `lando info --format json`. */
  lando?: boolean;
  /** The Lando service holding the database (default `database`). */
  service?: string;
}

export interface BackupConfig {
  tenant: { table: string; key: string; column: string };
  /** Per-table rules; keys may be globs (`cache_*`). */
  tables: Record<string, TableRule>;
  /** Implicit foreign keys the schema does not declare: `table.column` → `table.column`. */
  relations: { from: string; to: string }[];
  preset: 'drupal' | 'none';
  environments: Record<string, EnvironmentConfig>;
  hooks: { beforeRestore?: string; afterRestore?: string };
  /**
   * Triggers on tables a restore writes: 'skip' (default) skips them where the role may and refuses otherwise;
   * 'fire' lets them run (the verification still rejects any restored row they change).
   */
  triggers: 'skip' | 'fire';
}

/** With no config file, the host platform's Drupal layout: tenant = group, drupal preset on. */
export const DEFAULT_CONFIG: BackupConfig = {
  tenant: { table: 'groups', key: 'id', column: 'tenant_id' },
  tables: {},
  relations: [],
  preset: 'drupal',
  environments: {
    dev: { lando: true, service: 'database' },
    prod: { url: 'env:DATABASE_URL' },
  },
  hooks: {},
  triggers: 'skip',
};
