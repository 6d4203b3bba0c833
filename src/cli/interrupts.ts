import { removePartials } from '../backup/index.ts';
import type { CliIo } from './command.ts';

/** What a command says about the state it leaves behind, given the partial files that were just removed. */
export type InterruptState = (removed: string[]) => string;

const EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * While a command runs, SIGINT and SIGTERM print one line (what was interrupted and what is left behind) and
 * exit with 128 + the signal number. Partial archives are removed synchronously first: the process is about to
 * end, so there is no later moment to do it. An open transaction needs nothing: the server rolls back a
 * connection that closes before COMMIT, and an embedded database never wrote an uncommitted one to disk.
 * `release`, if given, runs before the exit. Returns the function that removes the handlers.
 */
export function guardInterrupts(
  io: CliIo,
  what: string,
  state: InterruptState,
  release?: () => Promise<unknown>,
): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const removed = removePartials();
    io.stderr.write(`\ntenantops: ${what} interrupted by ${signal}; ${state(removed)}\n`);
    if (!release) process.exit(EXIT[signal] ?? 1);
    // `release` gives up what the command holds elsewhere (a run lock in a bucket, which no exit handler can
    // delete synchronously), waited for at most 5 s; partials begun meanwhile by work still in flight go too.
    const cap = new Promise((r) => setTimeout(r, 5000).unref());
    void Promise.race([release!().catch(() => undefined), cap]).finally(() => {
      removePartials();
      process.exit(EXIT[signal] ?? 1);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

/** "removed a.tnt.partial" or "" — the files an interrupt removed, for the state line. */
export function removedFiles(removed: string[]): string {
  return removed.length ? `removed the unfinished ${removed.map((p) => `${p}.partial`).join(', ')}` : '';
}
