import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SummaryData } from '../../src/load/summary/summary-data.ts';
import { textSummary } from '../../src/load/summary/text-summary.ts';

const data = JSON.parse(readFileSync(new URL('./fixtures/summary-data.json', import.meta.url), 'utf8')) as SummaryData;

// The expected text is what k6's own renderer (internal/js/summary.js, the default "compact" end-of-test
// summary of k6 ≥ 1.0) prints for the same data. https://grafana.com/docs/k6/latest/results-output/end-of-test/
describe("the end-of-test summary in k6's compact form", () => {
  it('matches k6 line for line: rates as percentages, a trend count without a unit, counter rates per second', () => {
    const expected = [
      '',
      '  █ THRESHOLDS ',
      '',
      '    errors_by_kind',
      "    ✓ 'rate!=0' rate!=33.33%",
      '',
      '    http_req_duration',
      "    ✓ 'p(99)<100' p(99)=99.99ms",
      "    ✗ 'count>10' count=4",
      '',
      '      {expected_response:true}',
      "      ✓ 'p(95)<500' p(95)=3ms",
      '',
      '    http_req_failed',
      "    ✗ 'rate<0.01' rate=50.00%",
      '',
      '    http_reqs',
      "    ✗ 'rate>1' rate=0.065041/s",
      '',
      '      {status:200}',
      "      ✓ 'count>=2' count=2",
      '',
      '',
      '  █ TOTAL RESULTS ',
      '',
      '    checks_total.......: 10     0.162602/s',
      '    checks_succeeded...: 90.00% 9 out of 10',
      '    checks_failed......: 10.00% 1 out of 10',
      '',
      '    ✗ status is 200',
      '      ↳  83% — ✓ 5 / ✗ 1',
      '    ✓ has body',
      '',
      '    CUSTOM',
      '    basket.........................: avg=12.345679 min=1     med=10     max=30    p(90)=25.5   p(95)=28     count=9',
      '    errors_by_kind.................: 33.33%   1 out of 3',
      '    queue_depth....................: 3.141593 min=1      max=42',
      '',
      '    HTTP',
      '    http_req_duration..............: avg=1.23s     min=400ns med=750µs  max=1m15s p(90)=1m2s   p(95)=1h0m1s count=4',
      '      { expected_response:true }...: avg=2ms       min=1ms   med=2ms    max=3ms   p(90)=3ms    p(95)=3ms    count=2',
      '    http_req_failed................: 50.00%   2 out of 4',
      '    http_reqs......................: 4        0.065041/s',
      '      { status:200 }...............: 2        0.03252/s',
      '',
      '    EXECUTION',
      '    iteration_duration.............: avg=30.75s    min=500ms med=30.75s max=1m1s  p(90)=54.95s p(95)=57.97s count=2',
      '    iterations.....................: 2        0.03252/s',
      '    vus............................: 0        min=0      max=10',
      '    vus_max........................: 10       min=10     max=10',
      '',
      '    NETWORK',
      '    data_received..................: 1.2 MB   20 kB/s',
      '    data_sent......................: 7 B      0.11 B/s',
      '',
      '',
    ].join('\n');
    assert.equal(textSummary(data, { enableColors: false }), expected);
  });

  it('uses summaryTimeUnit for every time value, and colours marks, values and titles on a terminal', () => {
    const inMs = textSummary({ ...data, options: { ...data.options, summaryTimeUnit: 'ms' } }, { enableColors: false });
    assert.match(inMs, /http_req_duration\.+: avg=1234\.50ms +min=0\.00ms +med=0\.75ms +max=75000\.00ms/);
    const coloured = textSummary(data);
    assert.ok(coloured.includes('  █ \x1b[1mTHRESHOLDS\x1b[0m \n'), coloured);
    assert.ok(
      coloured.includes("    \x1b[31m✗\x1b[0m \x1b[37m'rate<0.01'\x1b[0m \x1b[37mrate\x1b[0m=\x1b[36m50.00%\x1b[0m"),
      coloured,
    );
  });
});
