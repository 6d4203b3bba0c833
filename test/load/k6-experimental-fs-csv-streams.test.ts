// k6/experimental/fs, k6/experimental/csv and k6/experimental/streams run real scripts through `tenantops load`.
// Specifications: https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/fs/,
// https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/csv/ and
// https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/streams/ (the scripts follow their examples).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './helpers/run-cli.ts';
import { runScript, type ScriptRun } from './helpers/run-script.ts';

function assertChecks(run: ScriptRun, expected: number): void {
  assert.equal(run.code, 0, `exit ${run.code}; failed checks: ${run.failed.join(' | ')}\n${run.stderr}`);
  assert.deepEqual(run.failed, []);
  assert.equal(Object.keys(run.checks).length, expected, Object.keys(run.checks).join(' | '));
}

const BONJOUR = 'Bonjour, tout le monde!\n';

describe('k6/experimental/fs', () => {
  it('awaits at the top level of the init context, as k6-experimental/fs/open and csv/parse show', async () => {
    const run = await runScript(
      `import { open } from 'k6/experimental/fs';
      import csv from 'k6/experimental/csv';
      import { check } from 'k6';
      export const options = { vus: 1, iterations: 1 };
      const file = await open('bonjour.txt');
      const info = await file.stat();
      const rows = await csv.parse(await open('data.csv'), { skipFirstLine: true });
      const late = await new Promise((resolve) => setTimeout(() => resolve('timer done'), 20));
      export default function () {
        check(info, { 'stat read before the first iteration': (i) => i.size === ${BONJOUR.length} });
        check(rows, { 'csv parsed at the top level': (r) => r.length === 2 && r[1][0] === 'b' });
        check(late, { 'a timer awaited at the top level settled': (v) => v === 'timer done' });
      }`,
      {},
      { 'bonjour.txt': BONJOUR, 'data.csv': 'name,n\na,1\nb,2\n' },
    );
    assertChecks(run, 3);
  });

  it('opens a file in the init context and reads, seeks and stats it as documented (k6-experimental/fs/file)', async () => {
    const run = await runScript(
      `import { open, SeekMode } from 'k6/experimental/fs';
      import { check } from 'k6';
      export const options = { vus: 2, iterations: 4 };
      // The documented form: k6's init context awaits through an async wrapper.
      let file;
      (async function () { file = await open('bonjour.txt'); })();
      let again;
      (async function () { again = await open('./bonjour.txt'); })();
      const missing = open('nope.txt').then(() => 'opened', (e) => e.name);
      export default async function () {
        const info = await file.stat();
        const buffer = new Uint8Array(5);
        const chunks = [];
        let total = 0;
        for (;;) {
          const n = await file.read(buffer);
          if (n === null) break;
          chunks.push(...buffer.subarray(0, n));
          total += n;
        }
        const text = String.fromCharCode(...chunks);
        const atStart = await file.seek(0, SeekMode.Start);
        const first = new Uint8Array(7);
        await file.read(first);
        const current = await file.seek(2, SeekMode.Current);
        const last = await file.seek(0, SeekMode.End);
        const one = new Uint8Array(4);
        const lastRead = await file.read(one);
        const eof = await file.read(one);
        const before = await file.seek(-1, SeekMode.Start).then(() => 'moved', (e) => e.name);
        const beyond = await file.seek(1, SeekMode.End).then(() => 'moved', (e) => e.name);
        const notBytes = await file.read([0, 0]).then(() => 'read', (e) => e.name);
        const late = await open('bonjour.txt').then(() => 'opened', (e) => e.name);
        await file.seek(0, SeekMode.Start);
        const other = new Uint8Array(3);
        await again.read(other);
        await again.seek(0, SeekMode.Start);
        check(null, {
          'stat() gives the base name and the size in bytes': () => info.name === 'bonjour.txt' && info.size === ${BONJOUR.length},
          'read() fills the buffer until the end, then resolves null': () => text === ${JSON.stringify(BONJOUR)} && total === info.size,
          'seek(0, Start) rewinds to offset 0': () => atStart === 0 && String.fromCharCode(...first) === 'Bonjour',
          'seek(n, Current) moves from the current offset': () => current === 9,
          'seek(0, End) lands on the last byte, as k6 counts it': () => last === info.size - 1 && lastRead === 1 && one[0] === 10,
          'a read at the end resolves null': () => eof === null,
          'seek() before the start or after the end rejects with a TypeError': () => before === 'TypeError' && beyond === 'TypeError',
          'read() wants a Uint8Array': () => notBytes === 'TypeError',
          'open() outside the init context rejects with ForbiddenError': () => late === 'ForbiddenError',
          'each open() has its own offset': () => String.fromCharCode(...other) === 'Bon',
        });
        check(await missing, { 'a missing file rejects with NotFoundError': (name) => name === 'NotFoundError' });
        check(SeekMode, { 'SeekMode is Start 0, Current 1, End 2': (m) => m.Start === 0 && m.Current === 1 && m.End === 2 });
      }`,
      {},
      { 'bonjour.txt': BONJOUR },
    );
    assertChecks(run, 12);
    assert.equal(run.metrics.checks.passes, 48, JSON.stringify(run.metrics.checks));
  });

  it('resolves paths against the script, not the working directory (k6-experimental/fs/open)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-fs-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      writeFileSync(join(dir, 'data.txt'), 'from the working directory');
      writeFileSync(join(dir, 'scripts', 'data.txt'), 'beside the script');
      writeFileSync(
        join(dir, 'scripts', 'script.js'),
        `import { open } from 'k6/experimental/fs';
        export const options = { iterations: 1 };
        let file;
        (async function () { file = await open('data.txt'); })();
        export default async function () {
          const buf = new Uint8Array(64);
          const n = await file.read(buf);
          const text = String.fromCharCode(...buf.subarray(0, n));
          if (text !== 'beside the script') throw new Error('read ' + text);
        }`,
      );
      const summary = join(dir, 'summary.json');
      const run = await runCli([join(dir, 'scripts', 'script.js'), '--quiet', '--summary-export', summary], {}, dir);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /level=error/, run.stderr);
      const metrics = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { count: number }> })
        .metrics;
      assert.equal(metrics.iterations.count, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const CSV = 'name,age,city\r\nAlice,30,"Paris, France"\nBob,25,"Line\none"\n\n"Carol ""C""",41,Berlin\nDan,52,Rome\n';

describe('k6/experimental/csv', () => {
  it('csv.parse() returns read-only rows with k6’s options (k6-experimental/csv/parse, csv/options)', async () => {
    const run = await runScript(
      `import { open } from 'k6/experimental/fs';
      import csv from 'k6/experimental/csv';
      import { check } from 'k6';
      export const options = { iterations: 1 };
      const files = {};
      const rows = {};
      (async function () {
        for (const key of ['all', 'skip', 'range', 'objects', 'semi', 'bad', 'ragged']) {
          files[key] = await open(key === 'semi' ? 'semi.csv' : key === 'ragged' ? 'ragged.csv' : 'people.csv');
        }
        rows.all = await csv.parse(files.all);
        rows.afterParse = await files.all.read(new Uint8Array(1));
        rows.skip = await csv.parse(files.skip, { skipFirstLine: true });
        rows.range = await csv.parse(files.range, { fromLine: 2, toLine: 3 });
        rows.objects = await csv.parse(files.objects, { asObjects: true });
        rows.semi = await csv.parse(files.semi, { delimiter: ';' });
        rows.bad = await csv.parse(files.bad, { asObjects: true, skipFirstLine: true }).then(() => 'parsed', (e) => e.message);
        rows.ragged = await csv.parse(files.ragged).then(() => 'parsed', (e) => e.message);
      })();
      export default function () {
        const { all, skip, range, objects, semi } = rows;
        check(null, {
          'without options every record is an array of strings, the header included': () =>
            JSON.stringify(all) === JSON.stringify([['name', 'age', 'city'], ['Alice', '30', 'Paris, France'], ['Bob', '25', 'Line\\none'], ['Carol "C"', '41', 'Berlin'], ['Dan', '52', 'Rome']]),
          'skipFirstLine drops the header': () => skip.length === 4 && skip[0][0] === 'Alice',
          'fromLine and toLine count records from 0 and include toLine': () =>
            JSON.stringify(range) === JSON.stringify([['Bob', '25', 'Line\\none'], ['Carol "C"', '41', 'Berlin']]),
          'asObjects keys each row by the header': () =>
            objects.length === 4 && objects[0].city === 'Paris, France' && objects[3].name === 'Dan' && objects[2].age === '41',
          'delimiter changes the separator': () => JSON.stringify(semi) === JSON.stringify([['a', 'b,c'], ['1', '2']]),
          'the rows are read-only, like a SharedArray': () => {
            // A frozen array: push() throws, an assignment is ignored (or throws in strict code).
            let pushed = true;
            try { all.push(['x']); } catch { pushed = false; }
            try { all[1][0] = 'x'; } catch { /* strict mode */ }
            return !pushed && all.length === 5 && all[1][0] === 'Alice' && Object.isFrozen(all[1]);
          },
          'parse() reads through the File: its offset ends at the end, and its bytes stay private': () =>
            rows.afterParse === null && files.all.data === undefined,
          'asObjects with skipFirstLine is refused': () => /skipFirstLine/.test(rows.bad),
          'a record with another number of fields is an error': () => /wrong number of fields/.test(rows.ragged),
        });
      }`,
      {},
      { 'people.csv': CSV, 'semi.csv': 'a;b,c\n1;2\n', 'ragged.csv': 'a,b\n1,2,3\n' },
    );
    assertChecks(run, 9);
  });

  it('new csv.Parser() reads one row per next() until {done: true} (k6-experimental/csv/parser)', async () => {
    const run = await runScript(
      `import { open } from 'k6/experimental/fs';
      import csv from 'k6/experimental/csv';
      import { check } from 'k6';
      export const options = { vus: 1, iterations: 5 };
      let parser;
      (async function () {
        const file = await open('people.csv');
        parser = new csv.Parser(file, { skipFirstLine: true });
      })();
      const seen = [];
      export default async function () {
        const { done, value } = await parser.next();
        if (!done) seen.push(value[0]);
        if (done) {
          check(value, {
            'the end resolves {done: true, value: []}': (v) => Array.isArray(v) && v.length === 0,
            'each next() gave the following row, in order': () => seen.join('|') === 'Alice|Bob|Carol "C"|Dan',
          });
        }
      }`,
      {},
      { 'people.csv': CSV },
    );
    assertChecks(run, 2);
  });
});

describe('k6/experimental/streams', () => {
  it('a ReadableStream fed by timers is read to its end within the iteration (k6-experimental/streams/readablestream)', async () => {
    const run = await runScript(
      `import { ReadableStream, WritableStream, CountQueuingStrategy } from 'k6/experimental/streams';
      import { setTimeout } from 'k6/timers';
      import { check } from 'k6';
      export const options = { iterations: 2 };
      function numbersStream() {
        let currentNumber = 0;
        return new ReadableStream({
          start(controller) {
            const fn = () => {
              if (currentNumber < 5) {
                controller.enqueue(++currentNumber);
                setTimeout(fn, 10);
                return;
              }
              controller.close();
            };
            setTimeout(fn, 10);
          },
        }, new CountQueuingStrategy({ highWaterMark: 2 }));
      }
      export default async function () {
        const reader = numbersStream().getReader();
        const received = [];
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          received.push(value);
        }
        const written = [];
        const writer = new WritableStream({ write(chunk) { written.push(chunk); } }).getWriter();
        await writer.write('a');
        await writer.write('b');
        await writer.close();
        check(null, {
          'every enqueued chunk arrives in order, then done': () => received.join(',') === '1,2,3,4,5',
          'a WritableStream receives what its writer writes': () => written.join('') === 'ab',
        });
      }`,
    );
    assertChecks(run, 2);
    assert.equal(run.metrics.checks.passes, 4, JSON.stringify(run.metrics.checks));
  });
});
