import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bundleScript } from './bundle-script.ts';

// Which bundled file k6 would load as CommonJS (no import, export or top-level await), sloppy code that makes the
// VUs take a thread each (script/common-js-files.ts), not data or the runner's own jslib stand-ins.
describe('bundleScript: the CommonJS file of a bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-bundle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return join(dir, 'main.js');
  };

  it('is none for ES modules, JSON data and the shipped papaparse', async () => {
    const main = write({
      'main.js': `import data from './data.json';
import papa from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
import { helper } from './esm.js';
export default function () { return [data.a, papa.parse('a,b'), helper()]; }
`,
      'data.json': '{"a":1}',
      'esm.js': 'export const helper = () => 1;\n',
    });
    assert.equal((await bundleScript(main)).commonJs, undefined);
  });

  it('names a file with module.exports, and one with no import or export at all', async () => {
    write({ 'cjs.js': 'module.exports = { x: 1 };\n', 'side.js': 'var seen = 1;\n' });
    const withCjs = write({ 'main.js': "import c from './cjs.js';\nexport default function () { return c.x; }\n" });
    assert.equal((await bundleScript(withCjs)).commonJs, 'cjs.js');
    const withSide = write({ 'main.js': "import './side.js';\nexport default function () {}\n" });
    assert.equal((await bundleScript(withSide)).commonJs, 'side.js');
  });
});
