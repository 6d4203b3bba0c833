import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

let booting = 0;

/**
 * Creates a worker whose context holds V8's `gc` function (runtime/full-gc.ts takes it off the global
 * before any script runs). V8 installs it in contexts created while --expose-gc is set, and flags are
 * per process: this thread sets it while any such worker is booting and clears it once all are online,
 * so that no other thread has to race for the flag. Other contexts created in that window (none in a
 * shared-VU run: every thread of the run is a shared VU thread) would see a `gc` global too.
 */
export function bootWithGc(create: () => Worker): Worker {
  if (booting++ === 0) setFlagsFromString('--expose-gc');
  let settled = false;
  const booted = () => {
    if (settled) return;
    settled = true;
    if (--booting === 0) setFlagsFromString('--no-expose-gc');
  };
  try {
    const worker = create();
    worker.once('online', booted);
    worker.once('exit', booted);
    return worker;
  } catch (e) {
    booted();
    throw e;
  }
}
