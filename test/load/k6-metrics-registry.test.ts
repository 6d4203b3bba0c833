import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';

// Custom metrics are registered as in k6 (metrics/registry.go NewMetric, internal/js/modules/k6/metrics):
// a bad name, or a known name with another type or value kind, is an exception in the script.
describe('k6/metrics definitions', () => {
  for (const mode of ['isolated', 'shared'])
    it(`refuses bad names and redefinitions with k6's messages, as exceptions the script can catch (${mode})`, async () => {
      const run = await runScript(
        `import { Counter, Rate, Trend } from 'k6/metrics';
const tried = (f) => { try { f(); return 'ok'; } catch (e) { return e.message; } };
const timing = new Trend('timing', true);
const init = [
  tried(() => new Counter('http_req_duration')),
  tried(() => new Trend('login-time')),
  tried(() => new Counter('x')),
  tried(() => new Rate('timing')),
  tried(() => new Trend('timing')),
  tried(() => new Trend('timing', true)),
  tried(() => timing.add(1)),
];
export const options = { iterations: 1 };
export default function () {
  console.log(init.join(' | '));
  console.log(tried(() => new Counter('late')));
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      const rule =
        'Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.';
      assert.deepEqual(consoleLines(run.stderr), [
        [
          "metric 'http_req_duration' already exists but with type trend, instead of counter",
          `Invalid metric name: 'login-time'. ${rule}`,
          `Invalid metric name: 'x'. ${rule}`,
          "metric 'timing' already exists but with type trend, instead of rate",
          "metric 'timing' already exists but with a value type time, instead of default",
          'ok',
          'Adding to metrics in the init context is not supported',
        ].join(' | '),
        'metrics must be declared in the init context',
      ]);
    });

  it('stops with exit 107 and the message when a definition is not caught', async () => {
    const run = await runScript(`import { Counter } from 'k6/metrics';
const hits = new Counter('http_reqs-total');
export default function () { hits.add(1); }
`);
    assert.equal(run.code, 107);
    assert.match(run.stderr, /Invalid metric name: 'http_reqs-total'\./);
  });
});
