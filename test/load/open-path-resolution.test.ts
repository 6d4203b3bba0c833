// Which directory a relative open() reads from, as k6 resolves it: k6's own cases of
// internal/js/path_resolution_test.go (issue grafana/k6#2674), plus the ES module forms real scripts use.
// k6 resolves against the module whose body runs (the innermost require()'s, else the module being evaluated),
// not the file open() is written in, and warns where the two differ.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { runCli } from './helpers/run-cli.ts';
import { consoleLines } from './helpers/run-script.ts';

async function run(files: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-open-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const out = await runCli([join(dir, 'A/A/A/A/script.js'), '--quiet', ...args], {}, dir);
    const url = pathToFileURL(dir).href;
    const warnings = out.stderr
      .split('\n')
      .filter((l) => l.includes('level=warning'))
      .map((l) => l.replaceAll(url, 'file://DIR'));
    return { ...out, warnings, logged: consoleLines(out.stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CHECK = `export default function () { console.log(String(data).trim()); }\n`;
const WARNING = (now: string, future: string) =>
  `msg="open() was used and is currently relative to '${now}', but in the future it will be aligned with how ` +
  `\`require\` and imports work and will be relative to '${future}'.`;

describe('open() with a relative path', () => {
  for (const mode of ['shared', 'isolated']) {
    it(`reads relative to the module evaluated, not the entry script: an ES module's top level (${mode})`, async () => {
      const r = await run(
        {
          'A/B/data.txt': 'data file',
          'A/A/A/A/data.txt': 'wrong: the entry script',
          'A/A/A/A/script.js': `import { data } from '../../../C/lib.js';\n${CHECK}`,
          'A/C/lib.js': `export const data = open('../B/data.txt');\n`,
        },
        ['--vu-mode', mode, '--vus', '2', '--iterations', '2'],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.logged, ['data file', 'data file']);
      assert.deepEqual(r.warnings, []);
    });

    it(`reads relative to the module evaluated when a function of another module calls open(), and warns once, in the first init (${mode})`, async () => {
      const r = await run(
        {
          'A/A/A/A/data.txt': 'entry data',
          'A/C/data.txt': 'wrong: the helper module',
          'A/A/A/A/script.js': `import { load } from '../../../C/lib.js';\nconst data = load('./data.txt');\n${CHECK}`,
          'A/C/lib.js': `export function load(p) { return open(p); }\n`,
        },
        ['--vu-mode', mode, '--vus', '2', '--iterations', '2'],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.logged, ['entry data', 'entry data']);
      assert.equal(r.warnings.length, 1, r.stderr);
      assert.ok(r.warnings[0].includes(WARNING('file://DIR/A/A/A/A/', 'file://DIR/A/C/lib.js')), r.warnings[0]);
    });
  }

  it('reads relative to a require()d CommonJS file at its top level ("open intermediate")', async () => {
    const r = await run({
      'A/B/data.txt': 'data file',
      'A/C/B/script.js': `module.exports = open("../../B/data.txt");\n`,
      'A/A/A/A/script.js': `const data = require("./../../../C/B/script.js");\n${CHECK}`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.logged, ['data file']);
    assert.deepEqual(r.warnings, []);
  });

  it('reads relative to the innermost require()d file when it calls a function of another, with the warning ("open complex")', async () => {
    const r = await run({
      'A/B/data.txt': 'data file',
      'A/C/B/script.js': `module.exports = () => open("./../data.txt");\n`,
      'A/B/B/script.js': `module.exports = require("./../../C/B/script.js")();\n`,
      'A/A/A/A/script.js': `const data = require("./../../../B/B/script.js");\n${CHECK}`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.logged, ['data file']);
    assert.equal(r.warnings.length, 1, r.stderr);
    assert.ok(r.warnings[0].includes(WARNING('file://DIR/A/B/B/', 'file://DIR/A/C/B/script.js')), r.warnings[0]);
  });

  it("reports a missing file with Go's text, at the resolved path", async () => {
    const r = await run({
      'A/A/A/A/script.js': `const data = open('./missing.txt');\n${CHECK}`,
    });
    assert.equal(r.code, 107, r.stderr);
    assert.match(r.stderr, /open \/\S+\/A\/A\/A\/A\/missing\.txt: no such file or directory/);
  });
});
