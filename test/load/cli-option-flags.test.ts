// k6's option flags on the command line (internal/cmd/options.go, runtime_options.go): a k6 command line runs as
// it is, and each flag wins over the script's option of the same name. The K6_* variables (lib/options.go envconfig
// tags, read by internal/cmd/config.go readEnvConfig) sit between the two.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/run-cli.ts';
import { consoleLines, runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

describe("k6's option flags", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('set userAgent, tags, noSetup, throw, summaryTrendStats and drop thresholds, over the script', async () => {
    server.requests.length = 0;
    const run = await runScript(
      `import http from 'k6/http';
import exec from 'k6/execution';
export const options = { iterations: 1, userAgent: 'script/1', tags: { from: 'script' }, thresholds: { http_reqs: ['count>100'] } };
export function setup() { throw new Error('setup() ran'); }
export default function () {
  http.get(__ENV.BASE + '/ok');
  let thrown = 'no';
  try { http.get('http://127.0.0.1:1/'); } catch (e) { thrown = 'yes'; }
  console.log([JSON.stringify(exec.vu.tags), thrown, __ENV.HOME === undefined].join(' '));
}
`,
      { BASE: server.url, HOME: '/home/x' },
      {},
      [
        '--user-agent',
        'cli/2',
        '--tag',
        'from=cli',
        '--tag=run=7',
        '--no-setup',
        '-w',
        '--no-thresholds',
        '--summary-trend-stats',
        'avg,p(99)',
        '--no-color',
        '--include-system-env-vars=false',
        '-e',
        `BASE=${server.url}`,
      ],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests[0]?.headers['user-agent'], 'cli/2');
    assert.deepEqual(consoleLines(run.stderr), [
      '{\\"from\\":\\"cli\\",\\"run\\":\\"7\\",\\"scenario\\":\\"default\\",\\"group\\":\\"\\"} yes true',
    ]);
    assert.deepEqual(Object.keys(run.metrics.http_req_duration).sort(), ['avg', 'p(99)']);
  });

  it('reads the K6_* variables as k6 does: over the script, under the flags', async () => {
    server.requests.length = 0;
    const script = `import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } }, thresholds: { http_reqs: ['count>100'] } };
export default function () { http.get(__ENV.BASE + '/ok'); }
`;
    const env = { BASE: server.url, K6_VUS: '2', K6_ITERATIONS: '4', K6_USER_AGENT: 'env/1', K6_NO_THRESHOLDS: 'true' };
    const run = await runScript(script, env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.metrics.http_reqs.count, 4);
    assert.deepEqual([...new Set(server.requests.map((r) => r.headers['user-agent']))], ['env/1']);
    server.requests.length = 0;
    const flags = await runScript(script, env, {}, ['--user-agent', 'cli/1', '--duration', '300ms', '--vus', '1']);
    assert.equal(flags.code, 0, flags.stderr);
    assert.ok(flags.metrics.http_reqs.count > 4, 'the --duration flag replaces K6_ITERATIONS');
    assert.deepEqual([...new Set(server.requests.map((r) => r.headers['user-agent']))], ['cli/1']);
  });

  it("reads K6_STAGES and K6_TAGS in k6's forms (duration:target and name:value, comma-separated), under the flags", async () => {
    const script = `import exec from 'k6/execution';
export const options = { iterations: 50, tags: { from: 'script' } };
export default function () {
  if (exec.scenario.iterationInTest === 0) console.log(exec.scenario.executor + ' ' + JSON.stringify(exec.vu.tags));
}
`;
    const env = { K6_STAGES: '300ms:1,:5,0.2s:0', K6_TAGS: 'team:core,env:ci' };
    const run = await runScript(script, env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.metrics.iterations.count > 50, JSON.stringify(run.metrics.iterations));
    assert.deepEqual(consoleLines(run.stderr), [
      'ramping-vus {\\"team\\":\\"core\\",\\"env\\":\\"ci\\",\\"scenario\\":\\"default\\",\\"group\\":\\"\\"}',
    ]);
    const flags = await runScript(script, env, {}, ['--iterations', '3', '--tag', 'from=cli']);
    assert.equal(flags.code, 0, flags.stderr);
    assert.equal(flags.metrics.iterations.count, 3, 'the --iterations flag replaces K6_STAGES');
    assert.deepEqual(consoleLines(flags.stderr), [
      'shared-iterations {\\"from\\":\\"cli\\",\\"scenario\\":\\"default\\",\\"group\\":\\"\\"}',
    ]);
    for (const [name, value, message] of [
      ['K6_STAGES', '30:1', 'K6_STAGES: invalid duration "30" in stage "30:1"'],
      ['K6_STAGES', '30s', "K6_STAGES: stage 1 doesn't have a target"],
      ['K6_TAGS', 'team=core', 'K6_TAGS: invalid map item: "team=core"'],
    ]) {
      const bad = await runScript(script, { [name]: value });
      assert.equal(bad.code, 104, bad.stderr);
      assert.ok(bad.stderr.includes(message), bad.stderr);
    }
  });

  it('reads an empty K6_STAGES as stages set to empty (k6: one iteration in one VU, with its warning), an empty K6_TAGS as unset', async () => {
    // k6: envconfig sets a present but blank variable's slice or map to an empty one; Options.Apply lets empty
    // stages replace the script's execution options but ignores empty tags (lib/options.go), and
    // DeriveScenariosFromShortcuts runs explicitly empty stages as 1 iteration in 1 VU, warning.
    const script = `import exec from 'k6/execution';
export const options = { vus: 3, iterations: 50, tags: { from: 'script' } };
export default function () {
  console.log(exec.scenario.executor + ' ' + JSON.stringify(exec.vu.tags));
}
`;
    for (const stages of ['', ' ', ':5']) {
      const run = await runScript(script, { K6_STAGES: stages, K6_TAGS: '' });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.metrics.iterations.count, 1, `K6_STAGES=${JSON.stringify(stages)}`);
      assert.deepEqual(consoleLines(run.stderr), [
        'per-vu-iterations {\\"from\\":\\"script\\",\\"scenario\\":\\"default\\",\\"group\\":\\"\\"}',
      ]);
      assert.ok(
        run.stderr.includes(
          '`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU',
        ),
        run.stderr,
      );
    }
    // A flag among duration, iterations and stages replaces the empty K6_STAGES, as in k6.
    const withFlag = await runScript(script, { K6_STAGES: '' }, {}, ['--iterations', '4']);
    assert.equal(withFlag.metrics.iterations.count, 4, withFlag.stderr);
  });

  it('writes the files K6_SUMMARY_EXPORT and K6_OUT name, unless --summary-export and --out name others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-k6-env-'));
    try {
      const script = join(dir, 'script.js');
      writeFileSync(script, 'export const options = { iterations: 1 };\nexport default function () {}\n');
      const env = {
        K6_SUMMARY_EXPORT: join(dir, 'env-summary.json'),
        K6_OUT: `json=${join(dir, 'env.json')},html=${join(dir, 'env.html')}`,
      };
      const run = await runCli([script, '--quiet'], env, dir);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readdirSync(dir).sort(), ['env-summary.json', 'env.html', 'env.json', 'script.js']);
      for (const f of ['env-summary.json', 'env.html', 'env.json']) rmSync(join(dir, f));
      const flags = await runCli(
        [
          script,
          '--quiet',
          '--summary-export',
          join(dir, 'cli-summary.json'),
          '--out',
          `json=${join(dir, 'cli.json')}`,
        ],
        env,
        dir,
      );
      assert.equal(flags.code, 0, flags.stderr);
      // One --out replaces K6_OUT's whole list, as k6's Config.Apply replaces `out`.
      assert.deepEqual(readdirSync(dir).sort(), ['cli-summary.json', 'cli.json', 'script.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints no summary, runs no handleSummary() and writes no --summary-export with --summary-mode=disabled', async () => {
    const script = `export const options = { iterations: 1 };
export default function () {}
export function handleSummary() { return { stdout: 'custom summary\\n' }; }
`;
    const shown = await runScript(script);
    assert.equal(shown.stdout, 'custom summary\n');
    assert.ok(shown.metrics.iterations, 'the export is written by default');
    const hidden = await runScript(script, {}, {}, ['--summary-mode=disabled']);
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.equal(hidden.stdout, '');
    assert.deepEqual(hidden.metrics, {});
  });

  it('replaces the execution options with --stage, as --duration does', async () => {
    const run = await runScript(
      `export const options = { iterations: 50 };
export default function () {}
`,
      {},
      {},
      ['--stage', '300ms:1', '-s', '200ms:0'],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.metrics.iterations.count > 50, JSON.stringify(run.metrics.iterations));
  });
});
