import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CheerioAPI } from 'cheerio';

type Load = (html: string) => CheerioAPI;
let load: Load | undefined;

/**
 * Parses a document with cheerio's parse5 loader: a spec-compliant HTML5 tree like Go's
 * x/net/html, which k6's goquery uses (implied html/head/body, tbody in tables). Loaded on the
 * first use, so VUs that never parse HTML do not pay for the parser; cheerio's main entry is
 * avoided because it also loads its URL fetcher.
 */
export function loadHtml(html: string): CheerioAPI {
  if (!load) {
    // In the VU worker bundle, import.meta.url is defined as the runtime's own location
    // (script/worker-source.ts), so cheerio resolves from the package's node_modules.
    const require = createRequire(import.meta.url);
    const entry = join(dirname(require.resolve('cheerio')), 'load-parse.js');
    load = (require(entry) as { load: Load }).load;
  }
  return load(html);
}
