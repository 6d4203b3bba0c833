import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors/index.ts';

test('docs/errors.md lists every error code with its exit code, and nothing else', () => {
  const md = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const m of md.matchAll(/^\|\s*`(TENANTOPS_E_[A-Z_]+)`\s*\|\s*(\d+)\s*\|/gm)) documented.set(m[1]!, Number(m[2]));
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
    assert.equal(documented.get(code), exit, `${code} must be documented with exit ${exit}`);
  }
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_CODES).sort());
});
