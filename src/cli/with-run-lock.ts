import { acquireRunLock, type BackupStore, type RunLock } from '../backup/index.ts';
import type { CliIo } from './command.ts';
import { guardInterrupts, type InterruptState } from './interrupts.ts';
import { lockReports } from './lock-reports.ts';

/**
 * Runs `fn` holding the backup location's run lock (backup --all-tenants, prune --yes), released when it ends,
 * however it ends. The interrupt guard goes up before the lock is taken: a SIGINT between the lock's creation and
 * the guard killed the process with the default action and left the lock (in a bucket, for the 10 minutes of its
 * stale age); on SIGINT/SIGTERM the guard releases it before exiting.
 */
export async function withRunLock<T>(
  io: CliIo,
  store: BackupStore,
  command: string,
  interrupted: InterruptState,
  fn: (lock: RunLock) => Promise<T>,
): Promise<T> {
  const locking = acquireRunLock(store, { command, ...lockReports(io) });
  const unguard = guardInterrupts(io, command, interrupted, () =>
    locking.then(
      (l) => l.release(),
      () => undefined,
    ),
  );
  let lock: RunLock | null = null;
  try {
    lock = await locking;
    return await fn(lock);
  } finally {
    unguard();
    await lock?.release();
  }
}
