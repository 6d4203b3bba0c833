import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadYourWrites } from '../../src/platform/read-your-writes.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('a write pins its tenant to the primary for the window, and only that tenant', () => {
  const c = clock();
  const ryw = new ReadYourWrites({ windowMs: 2000, now: c.now });
  const cookie = ryw.noteWrite(7);
  assert.equal(cookie, `tenantops_ryw_7=${c.t + 2000}; Max-Age=2; Path=/; HttpOnly; SameSite=Lax`);
  assert.equal(ryw.pinned(7, undefined), true);
  assert.equal(ryw.pinned(8, undefined), false);
  c.t += 1999;
  assert.equal(ryw.pinned(7, undefined), true);
  c.t += 1;
  assert.equal(ryw.pinned(7, undefined), false);
});

test("another node's cookie pins the tenant it names until its end, capped at one window from now", () => {
  const c = clock();
  const ryw = new ReadYourWrites({ windowMs: 2000, now: c.now });
  const header = `a=1; tenantops_ryw_7=${c.t + 500}; tenantops_ryw_9=${c.t + 10_000_000}`;
  assert.equal(ryw.pinned(7, header), true);
  assert.equal(ryw.pinned(8, header), false);
  c.t += 500;
  assert.equal(ryw.pinned(7, header), false);
  // A far-future end counts as now + window: it pins no longer than a write would.
  assert.equal(ryw.pinned(9, header), true);
  assert.equal(ryw.pinned(9, 'tenantops_ryw_9=abc'), false);
  assert.equal(ryw.pinned(9, 'tenantops_ryw_99=99999999999999'), false);
});

test('a zero window turns read-your-writes off: no cookie, no pin', () => {
  const ryw = new ReadYourWrites({ windowMs: 0 });
  assert.equal(ryw.noteWrite(1), null);
  assert.equal(ryw.pinned(1, `tenantops_ryw_1=${Date.now() + 1000}`), false);
});

test('expired entries are swept once the map is large, so memory follows the tenants writing now', () => {
  const c = clock();
  const ryw = new ReadYourWrites({ windowMs: 100, now: c.now, sweepAbove: 3 });
  for (const t of [1, 2, 3]) ryw.noteWrite(t);
  c.t += 200;
  ryw.noteWrite(4);
  const size = (ryw as unknown as { until: Map<number, number> }).until.size;
  assert.equal(size, 1);
});
