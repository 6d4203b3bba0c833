import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLoadArgs } from '../../src/cli/load-command.ts';
import { LoadError } from '../../src/load/load-error.ts';
import { parseDuration } from '../../src/load/options/parse-duration.ts';
import { resolveOptions } from '../../src/load/options/resolve-options.ts';

const fns = ['default', 'api'];

describe('durations', () => {
  it('reads k6 (Go) durations into milliseconds', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('100us'), 0.1);
    assert.equal(parseDuration(2000), 2000);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['', 's', '10 s', '1x', '-1s', null]) assert.equal(parseDuration(bad), undefined, String(bad));
  });
});

describe('options to scenarios', () => {
  it('turns the shortcuts into one default scenario like k6', () => {
    // Nothing at all: one iteration of one VU, k6's per-vu-iterations default (shared-iterations before).
    const none = resolveOptions({}, {}, fns).scenarios;
    assert.deepEqual(
      none.map((s) => [s.executor, s.name, 'vus' in s && s.vus, 'iterations' in s && s.iterations]),
      [['per-vu-iterations', 'default', 1, 1]],
    );
    // vus alone: that many VUs share that many iterations (k6 ≥ 2.1; it stopped the run with exit 104 here).
    const bare = resolveOptions({ vus: 3 }, {}, fns).scenarios[0];
    assert.deepEqual(
      [bare.executor, 'vus' in bare && bare.vus, 'iterations' in bare && bare.iterations],
      ['shared-iterations', 3, 3],
    );
    const cv = resolveOptions({ vus: 5, duration: '10s' }, {}, fns).scenarios[0];
    assert.deepEqual(
      [cv.executor, 'vus' in cv && cv.vus, 'duration' in cv && cv.duration],
      ['constant-vus', 5, 10_000],
    );
    const si = resolveOptions({ vus: 2, iterations: 10, duration: '5s' }, {}, fns).scenarios[0];
    assert.deepEqual([si.executor, 'maxDuration' in si && si.maxDuration], ['shared-iterations', 5000]);
    const rv = resolveOptions({ stages: [{ duration: '1s', target: 3 }] }, {}, fns).scenarios[0];
    assert.deepEqual([rv.executor, 'startVUs' in rv && rv.startVUs], ['ramping-vus', 1]);
  });

  it('applies k6 defaults to scenarios', () => {
    const [s] = resolveOptions(
      { scenarios: { load: { executor: 'constant-arrival-rate', rate: 5, duration: '1m', preAllocatedVUs: 2 } } },
      {},
      fns,
    ).scenarios;
    assert.deepEqual(s, {
      name: 'load',
      executor: 'constant-arrival-rate',
      startTime: 0,
      gracefulStop: 30_000,
      exec: 'default',
      env: {},
      tags: {},
      rate: 5,
      timeUnit: 1000,
      duration: 60_000,
      preAllocatedVUs: 2,
      maxVUs: 2,
    });
    const opts = resolveOptions({}, {}, fns);
    assert.deepEqual(opts.summaryTrendStats, ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    assert.deepEqual([opts.setupTimeout, opts.teardownTimeout], [60_000, 60_000]);
  });

  it('lets CLI --duration/--iterations replace the scenarios and --vus override', () => {
    const script = { scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s' } } };
    const s = resolveOptions(script, { vus: 4, duration: '2s' }, fns).scenarios;
    assert.equal(s.length, 1);
    assert.deepEqual([s[0].name, s[0].executor, 'vus' in s[0] && s[0].vus], ['default', 'constant-vus', 4]);
  });

  it("lets vus without duration, iterations or stages replace the scenarios, with k6 ≥ 2.1's warning", () => {
    const script = { scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s' } } };
    for (const [opts, cli] of [
      [{ ...script, vus: 2 }, {}],
      [script, { vus: 2 }],
    ] as const) {
      const r = resolveOptions(opts, cli, fns);
      const [s] = r.scenarios;
      assert.deepEqual(
        [r.scenarios.length, s.name, s.executor, 'vus' in s && s.vus, 'iterations' in s && s.iterations],
        [1, 'default', 'shared-iterations', 2, 2],
      );
      assert.deepEqual(r.warnings, ['`vus=2` overrides scenarios configuration']);
    }
    assert.deepEqual(resolveOptions(script, {}, fns).warnings, []);
  });

  it('refuses invalid options with exit 104', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ duration: '1s', scenarios: { a: { executor: 'constant-vus', duration: '1s' } } }, /simultaneously/],
      [{ scenarios: { a: { executor: 'externally-controlled' } } }, /not supported/],
      [{ scenarios: { a: { executor: 'constant-vus' } } }, /scenarios\.a\.duration is required/],
      [
        { scenarios: { a: { executor: 'shared-iterations', vus: 5, iterations: 2 } } },
        /can't be less than the number of VUs/,
      ],
      [{ scenarios: { a: { executor: 'constant-vus', duration: '1s', exec: 'nope' } } }, /no function "nope"/],
      [{ scenarios: { a: { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, maxVUs: 0, stages: [] } } }, /maxVUs/],
      [{ scenarios: { 'bad name': { executor: 'constant-vus', duration: '1s' } } }, /scenario names/],
      [{ duration: 'soon' }, /"soon" is not a duration/],
      [{ summaryTrendStats: ['p95'] }, /summaryTrendStats/],
    ];
    for (const [opts, message] of bad) {
      assert.throws(
        () => resolveOptions(opts, {}, fns),
        (e: unknown) => e instanceof LoadError && e.exitCode === 104 && message.test(e.message),
        JSON.stringify(opts),
      );
    }
  });
});

describe('command line', () => {
  it("parses k6's flags, repeated -e and --out", () => {
    const a = parseLoadArgs([
      's.js',
      '-e',
      'A=1',
      '--env=B=x=y',
      '-u',
      '3',
      '--duration=5s',
      '--out',
      'json=p.ndjson',
      '-o',
      'html=r.html',
      '-q',
      '-v',
    ]);
    assert.deepEqual(a, {
      script: 's.js',
      env: { A: '1', B: 'x=y' },
      cli: { vus: 3, duration: '5s' },
      jsonOut: 'p.ndjson',
      htmlOut: 'r.html',
      quiet: true,
      verbose: true,
      help: false,
    });
    assert.throws(() => parseLoadArgs(['s.js', '--out', 'csv=x']), /json=FILE or html=FILE/);
    assert.throws(() => parseLoadArgs(['s.js', '--frobnicate']), /unknown flag/);
    assert.throws(() => parseLoadArgs([]), /exactly one SCRIPT/);
    assert.throws(() => parseLoadArgs(['s.js', '-e', 'NOVALUE']), /KEY=VALUE/);
  });
});
