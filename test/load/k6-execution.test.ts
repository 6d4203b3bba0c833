import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';

// exec.vu.tags as k6's tagsDynamicObject (internal/js/modules/k6/execution/execution.go): the VU's current tags.
describe('k6/execution exec.vu.tags', () => {
  for (const mode of ['isolated', 'shared'])
    it(`reads the tags the VU's samples carry and writes its own as strings (${mode})`, async () => {
      const run = await runScript(
        `import exec from 'k6/execution';
import { group } from 'k6';
export const options = {
  tags: { env: 'ci' },
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, tags: { team: 'a' } } },
};
export default function () {
  exec.vu.tags.n = 5;
  let bad;
  try { exec.vu.tags.o = {}; } catch (e) { bad = e.constructor.name + ': ' + e.message; }
  const inGroup = group('g', () => exec.vu.metrics.tags.group);
  const t = exec.vu.tags;
  console.log([t.env, t.team, t.scenario, JSON.stringify(t.group), inGroup, typeof t.n, t.n, 'scenario' in t, Object.keys(t).sort().join(','), bad].join(' | '));
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      const line = /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
      assert.equal(
        line,
        [
          'ci',
          'a',
          's',
          '\\"\\"',
          '::g',
          'string',
          '5',
          'true',
          'env,group,n,scenario,team',
          "TypeError: invalid value for metric tag 'o': only String, Boolean and Number types are accepted as a metric tag values",
        ].join(' | '),
      );
    });
});

// exec.instance.currentTestRunDuration and exec.scenario.startTime as k6 computes them
// (internal/js/modules/k6/execution/execution.go, lib/execution.go GetCurrentTestRunDuration).
describe('k6/execution clocks', () => {
  it("counts currentTestRunDuration from the test run's start (before setup(), after the VUs' init), and gives startTime in whole ms", async () => {
    const run = await runScript(
      `import exec from 'k6/execution';
// A slow init context: k6's test-run clock starts after every VU's init.
const until = Date.now() + 700;
while (Date.now() < until) {}
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };
export function setup() { console.log('setup ' + (exec.instance.currentTestRunDuration < 500)); }
export default function () {
  const start = exec.scenario.startTime;
  console.log('vu ' + Number.isInteger(start) + ' ' + (Math.abs(Date.now() - start) < 5000));
}
`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(consoleLines(run.stderr), ['setup true', 'vu true true', 'vu true true']);
  });
});

describe('k6/execution exec.scenario.progress', () => {
  for (const mode of ['isolated', 'shared'])
    it(`counts ended iterations out of all for the iteration executors, as k6's progress functions do (${mode})`, async () => {
      const run = await runScript(
        `import exec from 'k6/execution';
export const options = {
  scenarios: {
    a: { executor: 'per-vu-iterations', vus: 1, iterations: 4 },
    b: { executor: 'shared-iterations', vus: 1, iterations: 2, startTime: '1s' },
  },
};
export default function () { console.log(exec.scenario.name + ' ' + exec.scenario.progress); }
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(consoleLines(run.stderr), ['a 0', 'a 0.25', 'a 0.5', 'a 0.75', 'b 0', 'b 0.5']);
    });
});
