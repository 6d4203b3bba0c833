import type { PreparedScript } from '../scheduler/run-scheduler.ts';
import { bundleScript } from './bundle-script.ts';
import { markThrowSites } from './mark-throw-sites.ts';

const INLINE_MAP = /\n\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * The script as VUs run it: bundled (script/bundle-script.ts), its source map split off for the
 * runtime's stack traces, and its throw sites marked so thrown strings get a location too; strict code
 * unless it holds a file k6 runs as CommonJS (script/module-function.ts).
 */
export async function prepareScript(path: string): Promise<PreparedScript> {
  const { code: bundle, commonJs } = await bundleScript(path);
  const m = INLINE_MAP.exec(bundle);
  const code = m ? bundle.slice(0, m.index) : bundle;
  const sourceMap = m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
  const marked = markThrowSites(code);
  return { path, code: marked.code, sourceMap, insertions: marked.insertions, commonJs };
}
