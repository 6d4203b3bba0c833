import { resolve } from 'node:path';
import { TenantopsError } from '../errors/index.ts';
import type { DbTarget } from './db-target.ts';

const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;

/**
 * Replaces the password of a URL-looking string with `***`, so any text can be made safe to print. A password may
 * hold an unescaped '@' (a URL parser takes the last '@' of the authority), so it runs to the last '@' before the
 * next space: `root:p@ss@host` showed `root:***@ss@host`.
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)\S*@/gi, '$1***@');
}

/**
 * The URL as an error may show it: everything between the user name's ':' and the last '@' is hidden, spaces
 * included (redactUrl stops at a space), also without a scheme (`root:pw@host/db`, `mysql//root:pw@host/db`).
 */
function shownUrl(url: string): string {
  const start = url.includes('://') ? url.indexOf('://') + 3 : 0;
  const rest = url.slice(start);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return url;
  return `${url.slice(0, start)}${rest.slice(0, colon + 1)}***${rest.slice(at)}`;
}

function fail(url: string, why: string): never {
  throw new TenantopsError('TENANTOPS_E_DB_URL', `invalid database URL "${shownUrl(url)}": ${why}`);
}

/** decodeURIComponent, with a malformed escape ('%' not followed by two hex digits) reported as a bad URL. */
function decoded(url: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    fail(
      url,
      `bad %-escape in the ${what}: write a "%" as %25 (and "@", ":", "/", "#", "?" as %40, %3A, %2F, %23, %3F)`,
    );
  }
}

/**
 * The one parser for database URLs: mysql:// mariadb:// postgres:// postgresql:// pglite://<dir> pglite://memory.
 * A relative pglite dir is resolved against `cwd`.
 */
export function parseDbUrl(url: string, cwd: string = process.cwd()): DbTarget {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url.trim());
  if (!m) fail(url, 'expected scheme://… (mysql, mariadb, postgres, postgresql or pglite)');
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'pglite') {
    const rest = m[2]!;
    if (rest === '') fail(url, 'pglite needs a directory or "memory", e.g. pglite://./.tenantops/db');
    // `pglite://dir?schema=x` opened a new, empty database in a directory named `dir?schema=x`: PGlite takes no
    // parameters, and a restore into it was refused only by the schema check.
    if (rest.includes('?'))
      fail(url, 'pglite:// takes no parameters (?schema= is for postgres://); write a "?" in a directory name as %3F');
    if (rest === 'memory') return { engine: 'pglite', dataDir: null, redacted: 'pglite://memory' };
    const dataDir = resolve(cwd, decoded(url, rest, 'directory'));
    return { engine: 'pglite', dataDir, redacted: `pglite://${rest}` };
  }
  const engine =
    scheme === 'mysql' || scheme === 'mariadb'
      ? 'mysql'
      : scheme === 'postgres' || scheme === 'postgresql'
        ? 'postgres'
        : fail(url, `unsupported scheme "${scheme}"`);
  // WHATWG URL rejects ports above 65535 with a vague error; name the problem instead.
  const portText = /^[^/]*\/\/[^/@]*(?:@[^/]*)?:(\d+)(?:\/|$)/.exec(url.trim())?.[1];
  if (portText && Number(portText) > 65535) fail(url, `bad port "${portText}"`);
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    fail(url, 'malformed URL');
  }
  // A Unix socket: libpq's own forms, `?host=/dir` or the directory %-encoded as the host; MariaDB's `?socket=`.
  let host = /^%2F/i.test(u.hostname)
    ? decoded(url, u.hostname, 'socket directory')
    : u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const socketParam = engine === 'mysql' ? 'socket' : 'host';
  const socket = u.searchParams.get(socketParam);
  if (socket !== null) {
    if (!socket.startsWith('/'))
      fail(
        url,
        `?${socketParam}= takes the absolute path of the server's socket${engine === 'postgres' ? ' directory' : ''}`,
      );
    host = socket;
  }
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[engine];
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(url, `bad port "${u.port}"`);
  const database = decoded(url, u.pathname.replace(/^\//, ''), 'database name');
  if (!database) fail(url, 'missing database name (…/dbname)');
  if (database.includes('/')) fail(url, `bad database name "${database}"`);
  const user = decoded(url, u.username, 'user name') || (engine === 'mysql' ? 'root' : 'postgres');
  const password = u.password ? decoded(url, u.password, 'password') : undefined;
  const safe = new URL(u.href);
  if (safe.password) safe.password = '***';
  const redacted = safe.href;
  if (engine === 'mysql') {
    for (const k of u.searchParams.keys())
      if (k !== 'socket')
        fail(
          url,
          k === 'host'
            ? 'unknown parameter "host" (a socket is ?socket=/path/mysqld.sock)'
            : `unknown parameter "${k}"`,
        );
    return { engine, host, port, user, password, database, redacted };
  }
  let schema = 'public';
  for (const [k, v] of u.searchParams) {
    if (k === 'schema') {
      if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(v)) fail(url, `bad schema name "${v}"`);
      schema = v;
    } else if (k !== 'sslmode' && k !== 'host')
      fail(
        url,
        k === 'socket' ? 'unknown parameter "socket" (a socket directory is ?host=/dir)' : `unknown parameter "${k}"`,
      );
  }
  return { engine, host, port, user, password, database, schema, redacted };
}
