import type { DbSession, TransactionOptions } from '../db.ts';

type Transaction = <T>(fn: (s: DbSession) => Promise<T>, options: TransactionOptions) => Promise<T>;
type WithConn = <T>(fn: (s: DbSession) => Promise<T>) => Promise<T>;

/**
 * `n` InnoDB consistent snapshots at one point in time (Db.snapshotSessions). InnoDB cannot hand a snapshot to
 * another connection, so they are all started while a third connection holds `BACKUP STAGE BLOCK_COMMIT`: no
 * transaction commits between the first START TRANSACTION WITH CONSISTENT SNAPSHOT and the last. The stage ends as
 * soon as they are open (commits wait milliseconds, running queries are not waited for, unlike FLUSH TABLES WITH
 * READ LOCK). BACKUP STAGE needs RELOAD; without it, on a server without it (MySQL, MariaDB < 10.4), or when the
 * lock is not granted within 10 s, `fn` gets one session; also when the pool has no room (`room` free connections)
 * for the lock's connection and `n` more, so that the lock is never held while this waits on itself.
 * https://mariadb.com/kb/en/backup-stage/
 */
export function mysqlSnapshotSessions<T>(
  withConn: WithConn,
  transaction: Transaction,
  room: number,
  n: number,
  fn: (sessions: DbSession[]) => Promise<T>,
): Promise<T> {
  const snapshot = (count: number, unlock: () => Promise<void>) => {
    const open = (sessions: DbSession[]): Promise<T> =>
      sessions.length >= count
        ? unlock().then(() => fn(sessions))
        : transaction((tx) => open([...sessions, tx]), { snapshot: true });
    return open([]);
  };
  if (n <= 1 || room < n + 1) return snapshot(1, async () => {});
  return withConn(async (locker) => {
    let locked = false;
    const unlock = async () => {
      if (!locked) return;
      locked = false;
      await locker.execute('BACKUP STAGE END');
    };
    try {
      // The session's default lock_wait_timeout is a year: a backup must not queue behind DDL or another backup.
      await locker.execute('SET SESSION lock_wait_timeout = 10');
      await locker.execute('BACKUP STAGE START');
      locked = true;
      await locker.execute('BACKUP STAGE BLOCK_COMMIT');
    } catch {
      await unlock().catch(() => undefined);
    }
    try {
      return await snapshot(locked ? n : 1, unlock);
    } finally {
      await unlock().catch(() => undefined);
      await locker.execute('SET SESSION lock_wait_timeout = DEFAULT').catch(() => undefined);
    }
  });
}
