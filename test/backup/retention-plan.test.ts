// [fleet] prune's retention rules on archives with crafted timestamps: last N, newest per day and per ISO week,
// and a tenant's newest archive is never deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoWeek, retentionPlan, type ArchiveEntry } from '../../src/backup/index.ts';
import { pickArchive } from '../../src/backup/fleet/pick-archive.ts';

function archive(tenant: string, iso: string): ArchiveEntry {
  const takenAt = new Date(iso);
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return {
    file: `tenant-${tenant}-${stamp}.tnt`,
    path: `/x/${stamp}`,
    tenant,
    takenAt,
    rows: 1,
    bytes: 10,
    source: 'index',
  };
}

const kept = (plan: ReturnType<typeof retentionPlan>) =>
  plan.keep.map((d) => d.archive.takenAt.toISOString().slice(0, 16)).sort();

// Tenant 1: two archives a day (02:00 and 14:00) from Mon 2025-03-03 to Sun 2025-03-16 (two ISO weeks, 10 and 11),
// plus one in week 9 (Fri 2025-02-28).
const days = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2025, 2, 3 + i)).toISOString().slice(0, 10));
const t1 = [
  archive('1', '2025-02-28T02:00:00Z'),
  ...days.flatMap((d) => [archive('1', `${d}T02:00:00Z`), archive('1', `${d}T14:00:00Z`)]),
];

test('ISO weeks start on Monday and belong to the year of their Thursday', () => {
  assert.equal(isoWeek(new Date('2025-03-02T23:59:59Z')), '2025-W09'); // Sunday
  assert.equal(isoWeek(new Date('2025-03-03T00:00:00Z')), '2025-W10'); // Monday
  assert.equal(isoWeek(new Date('2024-12-30T12:00:00Z')), '2025-W01');
  assert.equal(isoWeek(new Date('2021-01-03T12:00:00Z')), '2020-W53');
});

test('--keep-last keeps the N newest archives of each tenant and deletes the rest', () => {
  const plan = retentionPlan(t1, { keepLast: 3, keepDaily: 0, keepWeekly: 0 });
  assert.deepEqual(kept(plan), ['2025-03-15T14:00', '2025-03-16T02:00', '2025-03-16T14:00']);
  assert.equal(plan.delete.length, t1.length - 3);
});

test('--keep-daily keeps the newest archive of each of the last D days that have one', () => {
  const plan = retentionPlan(t1, { keepLast: 0, keepDaily: 3, keepWeekly: 0 });
  assert.deepEqual(kept(plan), ['2025-03-14T14:00', '2025-03-15T14:00', '2025-03-16T14:00']);
  // Days without archives do not count: a gap is skipped over, not spent.
  const gappy = t1.filter((a) => !a.takenAt.toISOString().startsWith('2025-03-15'));
  assert.deepEqual(kept(retentionPlan(gappy, { keepLast: 0, keepDaily: 3, keepWeekly: 0 })), [
    '2025-03-13T14:00',
    '2025-03-14T14:00',
    '2025-03-16T14:00',
  ]);
});

test('--keep-weekly keeps the newest archive of each of the last W ISO weeks', () => {
  const plan = retentionPlan(t1, { keepLast: 0, keepDaily: 0, keepWeekly: 3 });
  assert.deepEqual(kept(plan), ['2025-02-28T02:00', '2025-03-09T14:00', '2025-03-16T14:00']);
});

test('rules add up, an archive kept by several says so, and every archive is either kept or deleted', () => {
  const plan = retentionPlan(t1, { keepLast: 2, keepDaily: 2, keepWeekly: 2 });
  assert.deepEqual(kept(plan), ['2025-03-09T14:00', '2025-03-15T14:00', '2025-03-16T02:00', '2025-03-16T14:00']);
  const newest = plan.keep.find((d) => d.archive.takenAt.toISOString() === '2025-03-16T14:00:00.000Z')!;
  assert.deepEqual(newest.reasons, ['last', 'daily', 'weekly', 'newest']);
  assert.equal(plan.keep.length + plan.delete.length, t1.length);
});

test("a tenant's newest archive is never deleted, even with every rule at 0, and tenants are planned apart", () => {
  const t2 = [archive('2', '2024-01-01T02:00:00Z'), archive('2', '2024-01-02T02:00:00Z')];
  const plan = retentionPlan([...t1, ...t2], { keepLast: 0, keepDaily: 0, keepWeekly: 0 });
  assert.deepEqual(
    plan.keep.map((d) => [d.archive.tenant, d.archive.takenAt.toISOString(), d.reasons]),
    [
      ['1', '2025-03-16T14:00:00.000Z', ['newest']],
      ['2', '2024-01-02T02:00:00.000Z', ['newest']],
    ],
  );
  // Tenant 2's old archives are not pushed out by tenant 1's newer ones.
  assert.equal(
    retentionPlan([...t1, ...t2], { keepLast: 2, keepDaily: 0, keepWeekly: 0 }).keep.filter(
      (d) => d.archive.tenant === '2',
    ).length,
    2,
  );
});

test('restore --at picks the newest archive taken at or before the time', () => {
  assert.equal(pickArchive(t1, new Date('2025-03-10T13:59:59Z'))!.takenAt.toISOString(), '2025-03-10T02:00:00.000Z');
  assert.equal(pickArchive(t1, new Date('2025-03-10T14:00:00Z'))!.takenAt.toISOString(), '2025-03-10T14:00:00.000Z');
  assert.equal(pickArchive(t1, new Date('2025-02-01T00:00:00Z')), null);
});

test('a damaged archive counts for no rule, does not protect older ones as the newest, and is not deleted', () => {
  const list = [
    archive('1', '2025-03-01T02:00:00Z'),
    archive('1', '2025-03-02T02:00:00Z'),
    { ...archive('1', '2025-03-03T02:00:00Z'), problem: 'archive is corrupt: truncated' },
  ];
  const plan = retentionPlan(list, { keepLast: 1, keepDaily: 0, keepWeekly: 0 });
  assert.deepEqual(
    plan.keep.map((d) => [d.archive.takenAt.toISOString().slice(0, 10), d.reasons]),
    [['2025-03-02', ['last', 'newest']]],
  );
  assert.deepEqual(
    plan.delete.map((d) => d.archive.takenAt.toISOString().slice(0, 10)),
    ['2025-03-01'],
  );
  assert.deepEqual(
    plan.damaged.map((a) => a.takenAt.toISOString().slice(0, 10)),
    ['2025-03-03'],
  );
});

test('two databases backed up into one directory are planned apart: neither newer one costs the other its archives', () => {
  const of = (database: string, iso: string): ArchiveEntry => ({ ...archive('1', iso), database });
  // Production's runs stopped on 2025-03-02; staging went on nightly. Counted as one tenant 1, --keep-last 3 kept
  // three of staging's and deleted every production archive, its newest included.
  const prod = ['2025-02-28', '2025-03-01', '2025-03-02'].map((d) => of('mysql://db1/prod', `${d}T02:00:00Z`));
  const staging = days.map((d) => of('mysql://db2/staging', `${d}T03:00:00Z`));
  const plan = retentionPlan([...prod, ...staging], { keepLast: 2, keepDaily: 0, keepWeekly: 0 });
  const keptOf = (db: string) =>
    plan.keep.filter((d) => d.archive.database === db).map((d) => d.archive.takenAt.toISOString().slice(0, 10));
  assert.deepEqual(keptOf('mysql://db1/prod'), ['2025-03-01', '2025-03-02']);
  assert.deepEqual(keptOf('mysql://db2/staging'), ['2025-03-15', '2025-03-16']);
  assert.equal(plan.delete.length, prod.length + staging.length - 4);
});
