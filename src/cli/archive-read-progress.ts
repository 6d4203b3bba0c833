import { statSync } from 'node:fs';
import type { ArchiveLocation } from '../backup/index.ts';
import type { CliIo } from './command.ts';
import { progressReporter } from './progress.ts';

/**
 * Progress of reading a whole archive once (verify, inspect): bytes read of the file's size. A multi-gigabyte
 * archive took minutes with nothing on the screen. An object in a bucket has no size at hand: only bytes read.
 */
export function archiveReadProgress(io: CliIo, label: string, at: ArchiveLocation) {
  const bar = progressReporter(io.stderr, label);
  let total = 0;
  if (!at.remote)
    try {
      total = statSync(at.address).size;
    } catch {
      // The read that follows reports a missing file in its own words.
    }
  let done = 0;
  return {
    onBytes: (n: number): void => {
      done += n;
      bar.update({ phase: '', done, total: Math.max(total, done), unit: 'bytes' });
    },
    done: (): void => bar.done(),
  };
}
