import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { guidePaths } from '../../scripts/gen-alert-table.ts';

const START = '<!-- measured:start -->';
const END = '<!-- measured:end -->';

/** Every number written in a text, as it is written (`68.8`, `1687`), ignoring thousands separators. */
function numbers(text: string): string[] {
  return [...text.replace(/(\d),(\d{3})\b/g, '$1$2').matchAll(/\d+(?:\.\d+)?/g)].map((m) => m[0]);
}

describe('the capacity section', () => {
  const guide = readFileSync(guidePaths.guide, 'utf8');
  const performance = readFileSync(`${guidePaths.root}docs/performance.md`, 'utf8');

  test('its table of measured figures holds only numbers that docs/performance.md records', () => {
    const start = guide.indexOf(START);
    const end = guide.indexOf(END);
    assert.ok(start >= 0 && end > start, `the guide needs ${START} … ${END} around the measured figures`);
    const measured = guide.slice(start + START.length, end);
    const recorded = new Set(numbers(performance));
    const unrecorded = [...new Set(numbers(measured))].filter((n) => !recorded.has(n));
    assert.ok(numbers(measured).length >= 40, 'the measured table should hold the benchmark figures');
    assert.deepEqual(unrecorded, [], 'figures in the measured table that docs/performance.md does not contain');
  });

  test('the planning rate per vCPU is the lowest measured tenant-route rate divided by the 2 benchmark vCPUs', () => {
    const measured = guide.slice(guide.indexOf(START), guide.indexOf(END));
    const tenantRoutes = measured
      .split('\n')
      .filter((l) => l.includes('/api/v1/'))
      .map((l) => Number(l.split('|')[5]));
    assert.ok(tenantRoutes.length >= 4 && tenantRoutes.every((n) => n > 0), String(tenantRoutes));
    const perVcpu = Math.round(Math.min(...tenantRoutes) / 2);
    // The guide is in Spanish: "La más baja, 529 req/s por vCPU" and "0.6 × 529 ≈ 317 req/s por vCPU".
    assert.match(guide, new RegExp(`más baja, ${perVcpu} req/s por vCPU`));
    assert.match(guide, new RegExp(`0\\.6 × ${perVcpu} ≈ ${Math.round(0.6 * perVcpu)} req/s por vCPU`));
  });
});
