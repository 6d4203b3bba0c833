// The progress reporter's plain (non-TTY) lines: quiet for a short job, every few seconds for a long one, and a
// line naming each phase as it starts once the job has run a moment.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { progressReporter } from '../../src/cli/progress.ts';

function capture(isTTY: boolean) {
  const out: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(String(chunk));
        cb();
      },
    }),
    { isTTY },
  );
  let now = 1_000_000;
  return { out, stream, tick: (ms: number) => (now += ms), clock: () => now };
}

test('a short job prints nothing to a log', () => {
  const c = capture(false);
  const bar = progressReporter(c.stream, 'restore', c.clock);
  bar.update({ phase: 'verify', done: 0, total: 100, unit: 'bytes' });
  c.tick(300);
  bar.update({ phase: 'compare', done: 0, total: 10, unit: 'rows' });
  c.tick(300);
  bar.update({ phase: 'compare', done: 10, total: 10, unit: 'rows' });
  bar.update({ phase: 'apply', done: 0, total: 10, unit: 'rows' });
  bar.done();
  assert.deepEqual(c.out, []);
});

test('a long job names each later phase as it starts and prints a line every few seconds', () => {
  const c = capture(false);
  const bar = progressReporter(c.stream, 'restore', c.clock);
  bar.update({ phase: 'verify', done: 0, total: 100, unit: 'bytes' });
  c.tick(100);
  bar.update({ phase: 'compare', done: 0, total: 1000, unit: 'rows' });
  c.tick(3000);
  bar.update({ phase: 'compare', done: 300, total: 1000, unit: 'rows' });
  c.tick(2500);
  bar.update({ phase: 'compare', done: 600, total: 1000, unit: 'rows' });
  bar.update({ phase: 'apply', done: 0, total: 40, unit: 'rows' });
  c.tick(1000);
  bar.update({ phase: 'apply', done: 20, total: 40, unit: 'rows' });
  bar.update({ phase: 'check', done: 0, total: 1, unit: 'tables' });
  assert.deepEqual(c.out, [
    'restore compare: 60% 600 rows of 1000 rows, 109 rows/s ETA 4 s\n',
    'restore apply: started, 40 rows\n',
    'restore check: started\n',
  ]);
});

test('a phase with nothing to do gets no line', () => {
  const c = capture(false);
  const bar = progressReporter(c.stream, 'restore', c.clock);
  bar.update({ phase: 'compare', done: 0, total: 10, unit: 'rows' });
  c.tick(2500);
  bar.update({ phase: 'safety', done: 0, total: 0, unit: 'rows' });
  bar.update({ phase: 'apply', done: 0, total: 0, unit: 'rows' });
  assert.deepEqual(c.out, []);
});

test('a TTY gets a bar redrawn in place and no phase lines', () => {
  const c = capture(true);
  const bar = progressReporter(c.stream, 'backup', c.clock);
  bar.update({ phase: '', done: 0, total: 10, unit: 'rows' });
  c.tick(3000);
  bar.update({ phase: '', done: 5, total: 10, unit: 'rows' });
  bar.done();
  assert.equal(c.out.length, 3);
  assert.ok(c.out.every((l) => l.startsWith('\r') && !l.includes('\n')));
  assert.match(c.out[1]!, /^\rbackup \[#{10}-{10}\] 50% 5 rows of 10 rows, 2 rows\/s ETA 3 s/);
});

// `db seed` reports its first figure only after a few tenants are written: the rate was that figure over the
// millisecond since it arrived ('200000 rows of 200000 rows, 200000000 rows/s').
test("the first phase's rate counts from the start of the job, not from its first figure", () => {
  const c = capture(false);
  const bar = progressReporter(c.stream, 'seeding', c.clock);
  c.tick(6000);
  bar.update({ phase: '', done: 200000, total: 200000, unit: 'rows' });
  assert.deepEqual(c.out, ['seeding: 100% 200000 rows of 200000 rows, 33333 rows/s\n']);
});
