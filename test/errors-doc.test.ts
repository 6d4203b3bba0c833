import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors/index.ts';
import { LOAD_ERROR_DOCS, LOAD_ERROR_EXITS } from '../src/load/load-error.ts';

interface Doc {
  exit: number;
  what: string;
  todo: string;
}

function documented(): Map<string, Doc> {
  const md = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, Doc>();
  for (const m of md.matchAll(/^\|\s*`(TENANTOPS_E_[A-Z_]+)`\s*\|\s*(\d+)\s*\|(.*)\|(.*)\|\s*$/gm))
    rows.set(m[1]!, { exit: Number(m[2]), what: m[3]!.trim(), todo: m[4]!.trim() });
  return rows;
}

test('docs/errors.md lists every error code with its exit code, meaning and what to do, and nothing else', () => {
  const docs = documented();
  // The load runner keeps its own codes (it imports nothing from the project) with k6's exit codes.
  const all: Record<string, Doc> = {};
  for (const [code, d] of Object.entries(LOAD_ERROR_DOCS))
    all[code] = { exit: LOAD_ERROR_EXITS[code as keyof typeof LOAD_ERROR_EXITS], ...d };
  for (const [code, { exit, what, todo }] of Object.entries(ERROR_CODES)) all[code] = { exit, what, todo };
  for (const [code, d] of Object.entries(all)) assert.deepEqual(docs.get(code), d, `${code} in docs/errors.md`);
  assert.deepEqual([...docs.keys()].sort(), Object.keys(all).sort());
});

test('every code tells the reader what to do, not only what happened', () => {
  for (const [code, d] of Object.entries({ ...ERROR_CODES, ...LOAD_ERROR_DOCS }))
    assert.ok(d.todo.length > 20 && d.todo !== d.what, `${code} needs its own advice`);
});
