import type { RunLockOptions } from '../backup/index.ts';
import type { CliIo } from './command.ts';

/** The warnings a command holding a backup location's run lock prints: a dead run's lock taken over, or lost. */
export function lockReports(io: CliIo): Pick<RunLockOptions, 'onTakeover' | 'onLost'> {
  return {
    onTakeover: (was, why) =>
      io.stderr.write(
        `tenantops: warning: taking over the lock of ${was.command} on host ${was.host}, pid ${was.pid}, ` +
          `started ${was.startedAt}: ${why}\n`,
      ),
    onLost: (now) =>
      io.stderr.write(
        `tenantops: warning: this process's run lock was taken over${now ? ` by host ${now.host}, pid ${now.pid}` : ''} ` +
          `(it was not refreshed in time: was the process stopped?); two runs may now write the same location\n`,
      ),
  };
}
