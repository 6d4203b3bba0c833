import { createWriteStream, lstatSync, renameSync, rmSync } from 'node:fs';
import { errnoText, TenantopsError } from '../../errors/index.ts';
import type { ArchiveSink } from './archive-sink.ts';
import { trackPartial, untrackPartial } from './partial-files.ts';

/** An archive goes to a new path or replaces a regular file; never a device, a directory or a socket. */
function checkTarget(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isFile())
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `${path} exists and is not a regular file; give a new path or an existing archive to replace`,
    );
}

/** A local file written as `<path>.partial` (mode 0600) and renamed to `path` on commit. */
export function partialFileSink(path: string): ArchiveSink {
  checkTarget(path);
  const partial = `${path}.partial`;
  // A .partial left by a killed run is ours and incomplete: it never blocks the next run. A file in the way of
  // the directory (ENOTDIR, which `force` does not cover) is said as any other write error is.
  try {
    rmSync(partial, { force: true });
  } catch (e) {
    throw new TenantopsError('TENANTOPS_E_IO', `cannot write ${path}: ${errnoText(e)}; no partial file was left`, {
      cause: e,
    });
  }
  const stream = createWriteStream(partial, { mode: 0o600, flags: 'wx' });
  trackPartial(partial);
  return {
    name: path,
    stream,
    async commit() {
      renameSync(partial, path);
      untrackPartial(partial);
    },
    async abort() {
      stream.destroy();
      rmSync(partial, { force: true });
      untrackPartial(partial);
    },
  };
}
