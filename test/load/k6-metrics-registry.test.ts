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

// What metric.add(), check() and params.tags take, as k6 (internal/js/modules/k6/metrics/metrics.go add,
// js/common/tags.go ApplyCustomUserTags): null, NaN or no value is refused with a warning and not recorded (a
// Rate's undefined was recorded as false), null tags are no tags (they threw a TypeError), and a tag that is
// not a string, boolean or number throws (it was sent as "[object Object]").
describe('k6/metrics values and custom tags', () => {
  for (const mode of ['isolated', 'shared'])
    it(`refuses what k6 refuses, with k6's messages (${mode})`, async () => {
      const run = await runScript(
        `import { Counter, Rate } from 'k6/metrics';
import { check } from 'k6';
import http from 'k6/http';
const count = new Counter('count');
const ok = new Rate('ok');
const tried = (f) => { try { return String(f()); } catch (e) { return e.message; } };
export const options = { iterations: 1 };
export default function () {
  const out = [
    count.add(1), count.add(null), count.add(), count.add('abc'), count.add(2, null), count.add(3, { k: 'v', n: 1 }),
    ok.add(undefined), ok.add({}), ok.add(0), ok.add([]), ok.add(true),
    tried(() => count.add(1, { o: { x: 1 } })),
    tried(() => check(1, { a: true }, null)),
    tried(() => check(1, { b: true }, { t: null })),
    tried(() => http.get('http://127.0.0.1:9/', { tags: { list: [1] } })),
  ];
  console.log(out.join(' | '));
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      const tag = (key: string) =>
        `invalid value for metric tag '${key}': only String, Boolean and Number types are accepted as a metric tag values`;
      assert.deepEqual(consoleLines(run.stderr), [
        [
          'true | false | false | false | true | true',
          'false | false | true | true | true',
          `cannot add tags for the 'count' custom metric: ${tag('o')}`,
          'true',
          tag('t'),
          `invalid HTTP request metric tags: ${tag('list')}`,
        ].join(' | '),
      ]);
      for (const warning of [
        "'null' is an invalid value for metric 'count', a number or a boolean value is expected",
        "no value was provided for metric 'count', a number or a boolean value is expected",
        "'abc' is an invalid value for metric 'count', a number or a boolean value is expected",
        "'undefined' is an invalid value for metric 'ok', a number or a boolean value is expected",
        "'[object Object]' is an invalid value for metric 'ok', a number or a boolean value is expected",
      ])
        assert.ok(run.stderr.includes(`level=warning msg="${warning}"`), `${warning}\n${run.stderr}`);
      assert.equal(run.metrics.count.count, 6);
      assert.deepEqual([run.metrics.ok.passes, run.metrics.ok.fails], [2, 1]);
      assert.deepEqual(Object.keys(run.checks), ['a']);
    });
});
