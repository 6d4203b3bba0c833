export type Engine = 'mysql' | 'postgres' | 'pglite';

interface NetworkTarget {
  host: string;
  port: number;
  user: string;
  /** Kept out of `redacted` and out of every message. */
  password: string | undefined;
  database: string;
}

export type DbTarget =
  | ({ engine: 'mysql'; redacted: string } & NetworkTarget)
  | ({ engine: 'postgres'; redacted: string; schema: string } & NetworkTarget)
  | { engine: 'pglite'; redacted: string; dataDir: string | null };

export const DEFAULT_DB_URL = 'pglite://./.tenantops/db';

/** True when the target is on this machine; destructive commands ask for --yes otherwise. */
export function isLocalTarget(t: DbTarget): boolean {
  if (t.engine === 'pglite') return true;
  return (
    ['localhost', '127.0.0.1', '::1', '[::1]', ''].includes(t.host) ||
    t.host.startsWith('127.') ||
    t.host.startsWith('/')
  );
}
