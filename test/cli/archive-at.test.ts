// [fleet] restore --from-dir --at TIME: every ISO 8601 form an operator writes means one instant whatever the
// machine's time zone (no offset: UTC), and an impossible date is refused instead of rolled over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAt } from '../../src/cli/archive-at.ts';

test('--at is UTC without an offset, in any time zone, with a T or a space', () => {
  const saved = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    const iso = (raw: string) => parseAt(raw).toISOString();
    assert.equal(iso('2025-03-01'), '2025-03-01T00:00:00.000Z');
    assert.equal(iso('2025-03-01T02:00'), '2025-03-01T02:00:00.000Z');
    assert.equal(iso('2025-03-01 02:00'), '2025-03-01T02:00:00.000Z');
    assert.equal(iso('2025-03-01 02:00:30'), '2025-03-01T02:00:30.000Z');
    assert.equal(iso('2025-03-01T02:00:00Z'), '2025-03-01T02:00:00.000Z');
    assert.equal(iso('2025-03-01t02:00:00z'), '2025-03-01T02:00:00.000Z');
    assert.equal(iso('2025-03-01T02:00:00.5Z'), '2025-03-01T02:00:00.500Z');
    assert.equal(iso('2025-03-01T02:00:00+01:00'), '2025-03-01T01:00:00.000Z');
    assert.equal(iso('2025-03-01T02:00:00+0130'), '2025-03-01T00:30:00.000Z');
    assert.equal(iso('2025-03-01T02:00:00-05'), '2025-03-01T07:00:00.000Z');
    assert.equal(iso('2024-02-29'), '2024-02-29T00:00:00.000Z');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('an --at that is not a real time is TENANTOPS_E_USAGE, never another day', () => {
  for (const raw of [
    '2025-02-30',
    '2025-02-29T00:00:00Z',
    '2025-13-01',
    '2025-03-01T24:00:00Z',
    '2025-03-01T02:60',
    '2025-03-01T02:00:00+25:00',
    '2025-03-01T02',
    'yesterday',
    '',
  ])
    assert.throws(
      () => parseAt(raw),
      (e: Error & { code?: string }) => e.code === 'TENANTOPS_E_USAGE' && /is not an ISO 8601 time/.test(e.message),
      raw,
    );
});
