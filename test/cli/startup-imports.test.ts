// Start-up cost: every command pays for what the CLI's entry imports. The load runner (esbuild, acorn, undici) and
// the AWS SDK took about 0.2 s of every backup and restore of a local file; they are loaded when used.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

// A module hook that writes every package a module resolves (bare specifiers, not files or node: built-ins).
const HOOK = `export async function resolve(s, c, next) {
  const r = await next(s, c);
  if (!/^(\\.|\\/|node:|file:|data:)/.test(s)) process.stderr.write('PKG ' + s + '\\n');
  return r;
}`;
const REGISTER = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`;

const work = mkdtempSync(join(tmpdir(), 'tenantops-startup-'));
after(() => rmSync(work, { recursive: true, force: true }));
const ENTRY = join(work, 'entry.mjs');
writeFileSync(
  ENTRY,
  `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(2));\n`,
);

/** The packages resolved while loading the CLI and running `args`. */
function packagesLoaded(args: string[]): Set<string> {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(REGISTER)}`,
      // A file, not -e: --input-type=module would reach the load runner's worker threads through execArgv.
      ENTRY,
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, TENANTOPS_DB_URL: '' } },
  );
  assert.equal(r.status, 0, r.stderr);
  return new Set([...r.stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1]!));
}

const HEAVY = ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'esbuild', 'acorn', 'undici', 'fastify'];

test('backup and restore start without the load runner, the AWS SDK or the API server', () => {
  for (const args of [['--version'], ['backup', '--help'], ['restore', '--help']]) {
    const loaded = packagesLoaded(args);
    // The hook does see packages: the CLI's own config parser is one.
    assert.ok(loaded.has('yaml'), `${args.join(' ')}: ${[...loaded].join(', ')}`);
    for (const p of HEAVY) assert.ok(!loaded.has(p), `${args.join(' ')} loaded ${p}`);
  }
});

test('load loads its runner when it runs a script', () => {
  const script = join(work, 'one.js');
  writeFileSync(script, 'export const options = { iterations: 1 };\nexport default function () {}\n');
  const loaded = packagesLoaded(['load', '--quiet', script]);
  assert.ok(loaded.has('esbuild'), [...loaded].join(', '));
});
