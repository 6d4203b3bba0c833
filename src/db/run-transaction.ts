import type { DbSession } from './db.ts';

/** BEGIN…COMMIT around fn on one session; any error rolls back and is rethrown unchanged. */
export async function runTransaction<T>(
  s: DbSession,
  begin: readonly string[],
  fn: (s: DbSession) => Promise<T>,
): Promise<T> {
  for (const sql of begin) await s.execute(sql);
  try {
    const out = await fn(s);
    await s.execute('COMMIT');
    return out;
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
