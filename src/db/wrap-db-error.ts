import { TenantopsError } from '../errors/index.ts';
import type { DbTarget } from './db-target.ts';
import { redactUrl } from './parse-db-url.ts';

/** The driver error's own code (ER_DUP_ENTRY, 23505, ECONNREFUSED…), kept for callers that branch on it. */
export function driverCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function wrapDbError(e: unknown, target: DbTarget, phase: 'connect' | 'query'): Error {
  if (e instanceof TenantopsError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  // Drivers sometimes echo the connection string; never let a password through.
  let msg = redactUrl(raw);
  if ('password' in target && target.password) msg = msg.split(target.password).join('***');
  const code = driverCode(e);
  const connectish =
    phase === 'connect' ||
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ER_ACCESS_DENIED_ERROR', '28P01', '3D000', 'ER_BAD_DB_ERROR'].includes(
      code ?? '',
    );
  if (connectish) {
    return new TenantopsError('TENANTOPS_E_DB_CONNECT', `cannot connect to ${target.redacted}: ${msg}`, { cause: e });
  }
  const err = new TenantopsError('TENANTOPS_E_DB_QUERY', `query failed on ${target.redacted}: ${msg}`, { cause: e });
  (err as TenantopsError & { driverCode?: string }).driverCode = code;
  return err;
}
