import type { RunLockOptions } from '../backup/index.ts';
import type { CliIo } from './command.ts';

/** The warnings a command holding a backup location's run lock prints: a dead run's lock taken over, lost, or left. */
export function lockReports(io: CliIo): Pick<RunLockOptions, 'onTakeover' | 'onLost' | 'onReleaseFailed'> {
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
    onReleaseFailed: (e) =>
      io.stderr.write(
        `tenantops: warning: could not remove the run lock (${(e as Error).message}); ` +
          `a later run takes it over once its process is gone (another host: 10 min after its last refresh)\n`,
      ),
  };
}
