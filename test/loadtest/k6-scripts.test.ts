import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './run-load-script.ts';

const PERF = join(ROOT, 'tests/performance');
const SCRIPTS = ['multi_tenant_load_test.js', 'load_test.js'];
const OWN = [...SCRIPTS, ...readdirSync(join(PERF, 'lib')).map((f) => `lib/${f}`)];
const source = (f: string): string => readFileSync(join(PERF, f), 'utf8');

describe('the k6 scripts in tests/performance', () => {
  it('type-check against @types/k6', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', PERF], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  // The host's CI and the seed name the scripts multi_tenant_load_test.js and load_test.js, and k6 before 0.57 cannot
  // run TypeScript: plain JavaScript, whose types JSDoc gives to the checker (checkJs).
  it('are plain JavaScript under the names the host CI runs, type-checked through JSDoc (checkJs)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name).slice(PERF.length + 1)],
      );
    const all = files(PERF);
    assert.deepEqual(
      all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      [],
    );
    for (const f of SCRIPTS) assert.ok(all.includes(f), f);
    const config = readFileSync(join(PERF, 'tsconfig.json'), 'utf8');
    assert.match(config, /"checkJs": true/);
    assert.match(config, /"strict": true/);
  });

  it('import only k6 modules and relative files, and use no Node APIs (they must run on real k6)', () => {
    for (const f of OWN) {
      const src = source(f);
      for (const m of src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)) {
        assert.match(m[1]!, /^(k6(\/[a-z-]+)?|\.\.?\/.+\.js)$/, `${f} imports ${m[1]}`);
      }
      assert.doesNotMatch(src, /\b(require\(|process\.|Buffer\.|import\.meta)/, `${f} uses a Node API`);
    }
  });

  it('give every scenario its own exported exec function (the host’s scenarios all ran default())', () => {
    for (const f of SCRIPTS) {
      const src = source(f);
      const execs = [...src.matchAll(/exec: '(\w+)'/g)].map((m) => m[1]!);
      assert.ok(execs.length > 0, `${f} sets exec`);
      for (const e of execs) assert.match(src, new RegExp(`^export function ${e}\\(`, 'm'), `${f}: ${e} is exported`);
      assert.doesNotMatch(src, /^export default function/m, `${f} has no default function to fall back to`);
    }
    const multi = new Set([...source('multi_tenant_load_test.js').matchAll(/exec: '(\w+)'/g)].map((m) => m[1]));
    assert.deepEqual([...multi].sort(), ['crmPipeline', 'scalingBreakpoint', 'tenantApiMix', 'tenantIsolation']);
  });
});
