import { spawnSync } from 'node:child_process';
import { parseDbUrl, type DbTarget } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import type { BackupConfig } from '../config/backup-config.ts';

interface LandoService {
  service?: string;
  type?: string;
  creds?: { user?: string; password?: string; database?: string };
  external_connection?: { host?: string; port?: string | number };
}

/**
 * `--env NAME`: a URL from the config (or from an environment variable with `env:VAR`), or Lando's database service
 * as reported by `lando info --format json`. The result is a target object, so the password never reaches argv.
 */
export function resolveEnvironment(config: BackupConfig, name: string, env: NodeJS.ProcessEnv, cwd: string): DbTarget {
  const e = config.environments[name];
  if (!e)
    throw new TenantopsError(
      'TENANTOPS_E_CONFIG',
      `environments.${name}: not defined (known: ${Object.keys(config.environments).join(', ')})`,
    );
  if (e.url) {
    let url = e.url;
    if (url.startsWith('env:')) {
      const v = env[url.slice(4)];
      if (!v)
        throw new TenantopsError(
          'TENANTOPS_E_CONFIG',
          `environments.${name}.url: environment variable ${url.slice(4)} is not set`,
        );
      url = v;
    }
    return parseDbUrl(url, cwd);
  }
  const r = spawnSync('lando', ['info', '--format', 'json'], { cwd, encoding: 'utf8', env });
  if (r.error || r.status !== 0) {
    throw new TenantopsError(
      'TENANTOPS_E_LANDO',
      `\`lando info --format json\` failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}; is this a Lando app directory?`,
    );
  }
  let services: LandoService[];
  try {
    services = JSON.parse(r.stdout) as LandoService[];
  } catch (err) {
    throw new TenantopsError('TENANTOPS_E_LANDO', '`lando info` did not print JSON', { cause: err });
  }
  const wanted = e.service ?? 'database';
  const s = services.find((x) => x.service === wanted);
  if (!s)
    throw new TenantopsError(
      'TENANTOPS_E_LANDO',
      `Lando has no service "${wanted}" (found: ${services.map((x) => x.service).join(', ')})`,
    );
  const host = s.external_connection?.host || '127.0.0.1';
  const port = Number(s.external_connection?.port);
  if (!port)
    throw new TenantopsError(
      'TENANTOPS_E_LANDO',
      `Lando service "${wanted}" exposes no external port; is the app started (lando start)?`,
    );
  const user = s.creds?.user ?? 'root';
  const database = s.creds?.database ?? '';
  const isPg = /postgres/i.test(s.type ?? '');
  const engine = isPg ? 'postgres' : 'mysql';
  const redacted = `${engine}://${user}:***@${host}:${port}/${database} (lando ${wanted})`;
  return isPg
    ? { engine: 'postgres', host, port, user, password: s.creds?.password, database, schema: 'public', redacted }
    : { engine: 'mysql', host, port, user, password: s.creds?.password, database, redacted };
}
