import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors/index.ts';
import { LOAD_ERROR_EXITS } from '../src/load/load-error.ts';

test('docs/errors.md lists every error code with its exit code, and nothing else', () => {
  const md = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const m of md.matchAll(/^\|\s*`(TENANTOPS_E_[A-Z_]+)`\s*\|\s*(\d+)\s*\|/gm)) documented.set(m[1]!, Number(m[2]));
  // The load runner keeps its own codes (it imports nothing from the project) with k6's exit codes.
  const all: Record<string, number> = { ...LOAD_ERROR_EXITS };
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) all[code] = exit;
  for (const [code, exit] of Object.entries(all)) {
    assert.equal(documented.get(code), exit, `${code} must be documented with exit ${exit}`);
  }
  assert.deepEqual([...documented.keys()].sort(), Object.keys(all).sort());
});
