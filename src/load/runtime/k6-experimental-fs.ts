import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FsError } from './fs-error.ts';
import { K6File, SeekMode } from './k6-file.ts';
import type { VuState } from './vu-state.ts';

/**
 * The `k6/experimental/fs` module (https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/fs/).
 * k6 loads a file once for all VUs; each VU here is a worker thread with its own heap, so each VU
 * loads it once and every `open()` of the same path in that VU shares the same read-only bytes.
 */
export function createK6ExperimentalFs(scriptDir: string, state: Pick<VuState, 'inInit' | 'options'>) {
  const cache = new Map<string, Uint8Array>();
  // The documented async wrapper (`(async () => { a = await open(…); b = await open(…) })()`) goes on after
  // the init code has returned and state.inInit is false; k6 runs those continuations in the init context
  // too. Until the main thread's first message (setup, iterations or teardown) replaces state.options,
  // only such continuations can run, so they still count as init.
  const optionsInInit = state.options;
  const inInit = () => state.inInit || state.options === optionsInInit;

  function load(path: string): Uint8Array {
    let data = cache.get(path);
    if (!data) {
      if (statSync(path).isDirectory())
        throw new FsError('InvalidResourceError', `cannot open "${path}": opening a directory is not supported`);
      const buf = readFileSync(path);
      data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      cache.set(path, data);
    }
    return data;
  }

  function open(path: unknown): Promise<K6File> {
    if (!inInit())
      return Promise.reject(
        new FsError('ForbiddenError', 'open() failed; reason: opening a file is allowed only in the Init context'),
      );
    if (path === null || path === undefined)
      return Promise.reject(new FsError('TypeError', 'open() failed; reason: path cannot be null or undefined'));
    const given = String(path);
    if (given === '') return Promise.reject(new FsError('TypeError', 'open() failed; reason: path cannot be empty'));
    // k6 resolves against the entry script's folder and accepts a file:// prefix.
    const abs = resolve(scriptDir, given.replace(/^file:\/\//, ''));
    try {
      return Promise.resolve(new K6File(abs, load(abs)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return Promise.reject(new FsError('NotFoundError', `no such file or directory "${abs}"`));
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  return { open, SeekMode };
}
