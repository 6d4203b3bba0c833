import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// check() and group() as k6 has them (internal/js/modules/k6/k6.go): what they refuse, with k6's texts, and
// a predicate that throws counting as a failed check.
describe('check() and group(), as in k6', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const mode of ['isolated', 'shared'])
    it(`counts a check whose predicate throws as failed, and refuses what k6 refuses (${mode})`, async () => {
      const run = await runScript(
        `import http from 'k6/http';
import { check, group } from 'k6';
const tried = (f) => { try { return 'ok ' + f(); } catch (e) { return 'threw ' + e.message; } };
const init = [tried(() => check(1, { early: true })), tried(() => group('g', () => 1))];
export const options = { iterations: 1, thresholds: { checks: ['rate>0.9'] } };
export default function () {
  console.log('init|' + init.join('|'));
  const status = () => http.get(__ENV.BASE + '/ok').status;
  console.log('throwing|' + tried(() => check(1, { good: () => status() === 200, bad: () => { status(); throw new Error('boom'); }, never: () => true })));
  console.log('separator|' + tried(() => check(1, { before: true, 'a::b': true, skipped: true })));
  console.log('no checks|' + [tried(() => check(1)), tried(() => check(null, 12345))].join('|'));
  console.log('group|' + [tried(() => group('nofn')), tried(() => group('x', 5)), tried(() => group('a::b', () => 1))].join('|'));
}
`,
        { BASE: server.url },
        {},
        ['--vu-mode', mode, '--verbose'],
      );
      if (mode === 'shared') assert.match(run.stderr, /VU mode: shared \(/);
      assert.deepEqual(consoleLines(run.stderr), [
        'init|threw Using check() in the init context is not supported|threw Using group() in the init context is not supported',
        'throwing|threw boom',
        "separator|threw group and check names may not contain '::'",
        'no checks|threw no checks provided to `check`|ok true',
        "group|threw group() requires a callback as a second argument|threw group() requires a callback as a second argument|threw group and check names may not contain '::'",
      ]);
      const counts = Object.fromEntries(Object.entries(run.checks).map(([n, c]) => [n, [c.passes, c.fails]]));
      assert.deepEqual(counts, { good: [1, 0], bad: [0, 1], before: [1, 0] });
      // The failed check crosses checks' rate>0.9 (2 of 3 passed): exit 99, as in k6.
      assert.equal(run.code, 99);
    });

  it('refuses async functions in check() and group() with k6 messages', async () => {
    const run = await runScript(`import { check, group } from 'k6';
const tried = (f) => { try { return 'ok ' + f(); } catch (e) { return 'threw ' + e.message; } };
export const options = { iterations: 1 };
export default function () {
  console.log(tried(() => check(1, { a: async () => true })));
  console.log(tried(() => group('g', async () => 1)));
}
`);
    const lines = consoleLines(run.stderr);
    assert.match(lines[0], /^threw the built-in check\(\) does not support async functions as arguments\./);
    assert.match(lines[1], /^threw group\(\) does not support async functions as arguments,/);
    assert.deepEqual(run.checks, {});
  });
});

// sleep() of no number returns at once, as in k6; an isolated VU slept forever (Atomics.wait took NaN as
// no timeout), so the run never ended.
describe('sleep() of what is not a number', () => {
  for (const mode of ['isolated', 'shared'])
    it(`returns at once (${mode})`, async () => {
      const run = await runScript(
        `import { sleep } from 'k6';
export const options = { iterations: 1 };
export default function () {
  sleep(); sleep(undefined); sleep('abc');
  console.log('awake');
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /msg=awake source=console/);
    });
});
