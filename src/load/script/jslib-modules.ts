import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

// '.ts' when running from the sources, '.js' from the compiled dist/.
const ext = import.meta.url.slice(-3);
const shipped = (name: string) => () => fileURLToPath(new URL(`../jslib/${name}${ext}`, import.meta.url));
const require = createRequire(import.meta.url);

/**
 * The jslib modules that work offline, by their name in https://jslib.k6.io/NAME/VERSION/index.js
 * (any version): stand-ins in src/load/jslib, or the npm package the jslib build wraps.
 * k6-summary is mapped by bundle-script.ts to the runtime's textSummary.
 */
export const JSLIB_MODULES: Record<string, () => string> = {
  'k6-utils': shipped('k6-utils'),
  httpx: shipped('httpx'),
  url: shipped('url'),
  // The browser build: the Node one requires 'stream' for NODE_STREAM_INPUT, which k6 has no use for.
  papaparse: () => require.resolve('papaparse/papaparse.min.js'),
};
const SHIPPED_NAMES = [...Object.keys(JSLIB_MODULES), 'k6-summary'].join(', ');
const JSLIB_URL = /^https?:\/\/jslib\.k6\.io\/([^/]+)\/[^/]+\/index\.js$/;

/** The one-line refusal of a remote import, saying how to vendor the file. */
export function remoteModuleMessage(url: string): string {
  // jslib-style URLs end in NAME/VERSION/index.js: name the vendored file after NAME.
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  const last = parts.at(-1) ?? 'module';
  const base = (/^index\.m?js$/.test(last) ? (parts[0] ?? 'module') : last.replace(/\.m?js$/, '')).replace(
    /[^\w.-]/g,
    '_',
  );
  const file = `./${base}.js`;
  return (
    `remote module "${url}" cannot be fetched: tenantops load runs offline and ships only the jslib modules ` +
    `${SHIPPED_NAMES}. Vendor it: download the file beside the script (curl -fsSL -o ${file} '${url}') ` +
    `and import it by relative path ('${file}')`
  );
}

/** Resolves jslib URLs to shipped files; refuses any other http(s) import with remoteModuleMessage. */
export function jslibModules(): Plugin {
  return {
    name: 'jslib-modules',
    setup(b) {
      b.onResolve({ filter: /^https?:\/\// }, (args) => {
        const name = JSLIB_URL.exec(args.path)?.[1];
        if (name === 'k6-summary') return undefined;
        const local = name === undefined ? undefined : JSLIB_MODULES[name];
        if (local) return { path: local() };
        return { errors: [{ text: remoteModuleMessage(args.path) }] };
      });
    },
  };
}
