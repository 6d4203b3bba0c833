import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const perfDir = join(root, 'tests/performance');
const fixtures = join(root, 'test/load/fixtures');

function scripts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : scripts(p);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every k6 script in tests/performance/ and the runner's own fixtures must type-check against @types/k6. */
describe('k6 scripts type-check against @types/k6', () => {
  it('finds no type errors with tests/performance/tsconfig.json', () => {
    const configPath = join(perfDir, 'tsconfig.json');
    const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
    assert.equal(read.error, undefined);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, perfDir);
    assert.deepEqual(parsed.errors, []);
    const files = [...new Set([...parsed.fileNames, ...scripts(perfDir), ...scripts(fixtures)])];
    assert.ok(
      files.some((f) => f.startsWith(fixtures)),
      'the fixtures are part of the check',
    );
    const program = ts.createProgram(files, parsed.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(diagnostics, []);
  });
});
