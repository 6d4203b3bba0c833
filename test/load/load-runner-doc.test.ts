import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UNSUPPORTED_OPTIONS, unsupportedOptionWarning } from '../../src/load/options/unsupported-options.ts';
import { runCli } from './helpers/run-cli.ts';

type Status = 'supported' | 'partial' | 'not supported';

/** The rows of the markdown table that follows `| <first> | status | notes |` in docs/load-runner.md. */
function table(first: string): { name: string; status: Status }[] {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/load-runner.md', import.meta.url)), 'utf8');
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\|\\s*${first}\\s*\\|\\s*status\\s*\\|`).test(l));
  assert.ok(start >= 0, `docs/load-runner.md has a "${first}" table`);
  const rows: { name: string; status: Status }[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [name, status] = line
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    assert.match(status, /^(supported|partial|not supported)$/, line);
    rows.push({ name: name.replace(/^`|`$/g, ''), status: status as Status });
  }
  return rows;
}

/** A valid setting of each option the docs call supported or partial, and what proves it took effect. */
const SAMPLES: Record<string, { options: Record<string, unknown>; env?: Record<string, string>; minMs?: number }> = {
  vus: { options: { vus: 2, iterations: 2 } },
  duration: { options: { duration: '100ms' } },
  iterations: { options: { iterations: 2 } },
  stages: { options: { stages: [{ duration: '100ms', target: 1 }] } },
  scenarios: { options: { scenarios: { one: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } } },
  thresholds: { options: { iterations: 1, thresholds: { iterations: ['count==1'] } } },
  setupTimeout: { options: { iterations: 1, setupTimeout: '10s' } },
  teardownTimeout: { options: { iterations: 1, teardownTimeout: '10s' } },
  // setup() and teardown() throw when they run: exit 0 proves they were skipped.
  noSetup: { options: { iterations: 1, noSetup: true }, env: { FAIL_SETUP: '1' } },
  noTeardown: { options: { iterations: 1, noTeardown: true }, env: { FAIL_TEARDOWN: '1' } },
  minIterationDuration: { options: { iterations: 2, minIterationDuration: '200ms' }, minMs: 400 },
  tags: { options: { iterations: 1, tags: { team: 'ops' } } },
  summaryTrendStats: { options: { iterations: 1, summaryTrendStats: ['avg', 'p(99)', 'count'] } },
  summaryTimeUnit: { options: { iterations: 1, summaryTimeUnit: 'ms' } },
  maxRedirects: { options: { iterations: 1, maxRedirects: 3 } },
  discardResponseBodies: { options: { iterations: 1, discardResponseBodies: true } },
  userAgent: { options: { iterations: 1, userAgent: 'doc-test/1.0' } },
  // test/load/k6-http-defaults.test.ts measures both limits on a server.
  batch: { options: { iterations: 1, batch: 10 } },
  throw: { options: { iterations: 1, throw: true } },
  batchPerHost: { options: { iterations: 1, batchPerHost: 2 } },
  noCookiesReset: { options: { iterations: 1, noCookiesReset: true } },
  insecureSkipTLSVerify: { options: { iterations: 1, insecureSkipTLSVerify: true } },
  tlsVersion: { options: { iterations: 1, tlsVersion: 'tls1.2' } },
  tlsCipherSuites: { options: { iterations: 1, tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] } },
  // Read when a connection is made; test/load/k6-http-auth-tls.test.ts makes one against a server that checks it.
  tlsAuth: { options: { iterations: 1, tlsAuth: [{ domains: ['example.com'], cert: 'PEM', key: 'PEM' }] } },
};

// The docs' tables of modules and options (docs/load-runner.md#k6-modules-and-options) say what k6's
// https://grafana.com/docs/k6/latest/javascript-api/ and
// https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/ get from this runner; these tests hold them to it.
describe('docs/load-runner.md: the k6 modules and options tables', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantops-doc-'));
    writeFileSync(
      join(dir, 'options.js'),
      [
        'export const options = JSON.parse(__ENV.OPTIONS);',
        "export function setup() { if (__ENV.FAIL_SETUP) throw new Error('setup() ran'); }",
        "export function teardown() { if (__ENV.FAIL_TEARDOWN) throw new Error('teardown() ran'); }",
        'export default function () {}',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const script = (module: string): string => {
    const file = join(dir, `import-${module.replace(/[^\w]/g, '_')}.js`);
    writeFileSync(
      file,
      [
        `import * as m from '${module}';`,
        'export const options = { iterations: 1 };',
        "export default function () { if (typeof m !== 'object' || Object.keys(m).length === 0) throw new Error('empty module'); }",
        '',
      ].join('\n'),
    );
    return file;
  };

  it('imports every module marked supported or partial', async () => {
    const usable = table('module').filter((r) => r.status !== 'not supported');
    assert.ok(usable.length >= 10);
    for (const { name } of usable) {
      const run = await runCli([script(name), '--quiet']);
      assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /level=error/, `${name}: ${run.stderr}`);
    }
  });

  it('stops with exit 107 and the documented message on every module marked not supported', async () => {
    const refused = table('module').filter((r) => r.status === 'not supported');
    assert.ok(refused.length >= 5);
    for (const { name } of refused) {
      const run = await runCli([script(name), '--quiet']);
      assert.equal(run.code, 107, `${name}: ${run.stderr}`);
      const message = name.startsWith('https://')
        ? `remote module "${name}" cannot be fetched`
        : `unsupported module "${name}"`;
      assert.ok(run.stderr.includes(message), `${name}: ${run.stderr}`);
    }
  });

  it('runs a script with each option marked supported or partial, without a warning', async () => {
    for (const { name } of table('option').filter((r) => r.status !== 'not supported')) {
      const sample = SAMPLES[name];
      assert.ok(sample, `the test needs a sample setting of "${name}"`);
      const run = await runCli([join(dir, 'options.js'), '--quiet'], {
        OPTIONS: JSON.stringify(sample.options),
        ...sample.env,
      });
      assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /is not supported/, `${name}: ${run.stderr}`);
      if (sample.minMs) assert.ok(run.ms >= sample.minMs, `${name}: the run took ${run.ms} ms`);
    }
  });

  it('warns once, naming it, for each option marked not supported, and lists exactly the runner’s own list', async () => {
    const refused = table('option')
      .filter((r) => r.status === 'not supported')
      .map((r) => r.name);
    assert.deepEqual([...refused].sort(), [...UNSUPPORTED_OPTIONS].sort());
    for (const name of refused) {
      const run = await runCli([join(dir, 'options.js'), '--quiet'], {
        OPTIONS: JSON.stringify({ iterations: 1, [name]: 1 }),
      });
      assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('is not supported'));
      assert.equal(warnings.length, 1, run.stderr);
      assert.ok(warnings[0].includes('level=warning'), warnings[0]);
      assert.ok(
        warnings[0].includes(JSON.stringify(unsupportedOptionWarning(name)).slice(1, -1)),
        `${name}: ${warnings[0]}`,
      );
    }
  });

  it('does not warn about an unsupported option set to a value that asks for nothing (noConnectionReuse: false)', async () => {
    const run = await runCli([join(dir, 'options.js'), '--quiet'], {
      OPTIONS: JSON.stringify({
        iterations: 1,
        noConnectionReuse: false,
        noVUConnectionReuse: false,
        rps: 0,
        hosts: {},
      }),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /is not supported/);
  });
});
