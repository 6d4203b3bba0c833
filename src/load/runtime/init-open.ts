import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * k6's global open(path, mode): a file beside the script, as text or (mode 'b') an ArrayBuffer, only while
 * the init context runs, with k6's error otherwise (internal/js/initcontext.go).
 */
export function initOpen(
  scriptDir: string,
  state: { readonly inInit: boolean },
): (path: string, mode?: string) => string | ArrayBuffer {
  return (path, mode) => {
    if (!state.inInit)
      throw new Error(
        'the "open" function is only available in the init stage (i.e. the global scope), see ' +
          'https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information',
      );
    if (path === '') throw new Error("open() can't be used with an empty filename");
    // k6 strips the file scheme (internal/js/initcontext.go), so open(import.meta.resolve('./x')) works.
    const file = String(path).startsWith('file://') ? fileURLToPath(String(path)) : resolve(scriptDir, path);
    const data = readFileSync(file);
    if (mode === 'b') return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    return data.toString('utf8');
  };
}
