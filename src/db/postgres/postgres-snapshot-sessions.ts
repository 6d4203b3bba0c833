import type { DbSession, TransactionOptions } from '../db.ts';

type Transaction = <T>(fn: (s: DbSession) => Promise<T>, options: TransactionOptions) => Promise<T>;

/**
 * `n` REPEATABLE READ READ ONLY transactions reading one snapshot (Db.snapshotSessions): the first exports its
 * snapshot (or imports `snapshotId`), the others import it. Each transaction stays open until `fn` ends, nested
 * inside the previous one, so an error anywhere rolls every one of them back. No more are opened than the pool has
 * free connections (`room`), so a caller never waits on itself for a connection.
 */
export function postgresSnapshotSessions<T>(
  transaction: Transaction,
  room: number,
  want: number,
  fn: (sessions: DbSession[]) => Promise<T>,
  snapshotId?: string,
): Promise<T> {
  const n = Math.min(want, room);
  const open = (sessions: DbSession[], id: string | undefined): Promise<T> => {
    if (sessions.length >= Math.max(1, n)) return fn(sessions);
    return transaction(
      async (tx) => {
        // An exported snapshot can be imported only while the exporting transaction is open: it is, until fn ends.
        const more = sessions.length + 1 < n;
        const next = id ?? (more ? (await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id'))[0]!.id : id);
        return open([...sessions, tx], next);
      },
      { snapshot: true, snapshotId: id },
    );
  };
  return open([], snapshotId);
}
