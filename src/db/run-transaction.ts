import { TenantopsError } from '../errors/index.ts';
import type { DbSession } from './db.ts';
import type { DbTarget } from './db-target.ts';
import { connectionLoss } from './wrap-db-error.ts';

/**
 * BEGIN…COMMIT around fn on one session; any error rolls back and is rethrown unchanged, except a COMMIT whose
 * connection was lost while the server ran it: that transaction may have been committed, and saying "failed"
 * would invite a rerun built on the wrong belief.
 */
export async function runTransaction<T>(
  s: DbSession,
  target: DbTarget,
  begin: readonly string[],
  fn: (s: DbSession) => Promise<T>,
): Promise<T> {
  for (const sql of begin) await s.execute(sql);
  let out: T;
  try {
    out = await fn(s);
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    throw e;
  }
  try {
    await s.execute('COMMIT');
  } catch (e) {
    // A read-only transaction changed nothing whichever way its COMMIT went: its caller's error is the plain one.
    if (connectionLoss(e) === 'in-flight' && !begin.some((b) => /\bREAD ONLY\b/i.test(b))) {
      // The driver's own words: the wrapped message's advice ("the server rolls back…") holds only before COMMIT.
      const driver = e instanceof TenantopsError && e.cause instanceof Error ? e.cause.message : String(e);
      throw new TenantopsError(
        'TENANTOPS_E_COMMIT_UNKNOWN',
        `the connection to ${target.redacted} was lost while the server ran COMMIT: the transaction may have been committed or rolled back (${driver})`,
        { cause: e },
      );
    }
    await s.execute('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return out;
}
