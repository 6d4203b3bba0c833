// jslib modules imported by URL run offline from implementations shipped with the runner.
// Specification: https://grafana.com/docs/k6/latest/javascript-api/jslib/ (utils, httpx, papaparse, url).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runScript, type ScriptRun } from './helpers/run-script.ts';

function assertChecks(run: ScriptRun, expected: number): void {
  assert.equal(run.code, 0, `exit ${run.code}; failed checks: ${run.failed.join(' | ')}\n${run.stderr}`);
  assert.deepEqual(run.failed, []);
  assert.equal(Object.keys(run.checks).length, expected, Object.keys(run.checks).join(' | '));
}

describe('jslib modules', () => {
  let server: Server;
  let url = '';
  const seen: { path: string; headers: Record<string, unknown> }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, session: req.headers['x-session'] ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('provides k6-utils at any version (jslib/utils)', async () => {
    const run = await runScript(
      `import { randomIntBetween, randomItem, randomString, uuidv4, findBetween, normalDistributionStages, check as acheck } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';
      import { randomIntBetween as again } from 'https://jslib.k6.io/k6-utils/1.0.0/index.js';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'] } };
      export default async function () {
        const ints = Array.from({ length: 200 }, () => randomIntBetween(3, 5));
        const stages = normalDistributionStages(100, 60, 4);
        check(null, {
          'randomIntBetween stays in [min, max] and reaches both': () =>
            ints.every((n) => Number.isInteger(n) && n >= 3 && n <= 5) && ints.includes(3) && ints.includes(5),
          'any version maps to the same module': () => again === randomIntBetween,
          'randomItem picks from the array': () => ['a', 'b'].includes(randomItem(['a', 'b'])),
          'randomString length and charset': () => /^[xy]{12}$/.test(randomString(12, 'xy')) && /^[a-z]{8}$/.test(randomString(8)),
          'uuidv4 is a v4 UUID': () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4()),
          'secure uuidv4 too': () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4(true)),
          'findBetween first match': () => findBetween('<b>one</b><b>two</b>', '<b>', '</b>') === 'one',
          'findBetween repeat': () => JSON.stringify(findBetween('<b>one</b><b>two</b>', '<b>', '</b>', true)) === '["one","two"]',
          'findBetween none': () => findBetween('abc', '<', '>') === null,
          'normalDistributionStages shape': () =>
            stages.length === 6 && stages[0].duration === '10s' && stages[1].duration === '10s' &&
            stages[2].target === 100 && stages[3].target === 61 && stages[0].target === 14 && stages[5].target === 0,
        });
        await acheck(Promise.resolve(7), { 'async check awaits the value': (v) => v === 7 });
      }`,
    );
    assertChecks(run, 11);
  });

  it('provides papaparse (jslib/papaparse)', async () => {
    const run = await runScript(
      `import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'] } };
      const rows = papaparse.parse(open('./users.csv'), { header: true, skipEmptyLines: true }).data;
      export default function () {
        check(rows, {
          'parsed with header': (r) => r.length === 2 && r[1].name === 'Bo, Jr.' && r[0].id === '1',
          'unparse round trip': (r) => papaparse.unparse(r).split('\\r\\n')[2] === '2,"Bo, Jr."',
        });
      }`,
      {},
      { 'users.csv': 'id,name\n1,Al\n2,"Bo, Jr."\n' },
    );
    assertChecks(run, 2);
  });

  it('provides httpx sessions with baseURL, headers and tags, and url (jslib/httpx, jslib/url)', async () => {
    seen.length = 0;
    const run = await runScript(
      `import { Httpx, Get } from 'https://jslib.k6.io/httpx/0.1.0/index.js';
      import { URL, URLSearchParams } from 'https://jslib.k6.io/url/1.0.0/index.js';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'], 'http_reqs{api:v1}': ['count==3'] } };
      const session = new Httpx({ baseURL: __ENV.BASE, headers: { 'X-Session': 'abc' }, tags: { api: 'v1' }, timeout: 5000 });
      export default function () {
        const res = session.get('/things?x=1');
        check(res, { 'baseURL and session header': (r) => r.json().path === '/things?x=1' && r.json().session === 'abc' });
        session.clearHeader('X-Session');
        const [a, b] = session.batch([new Get('/a'), ['GET', '/b']]);
        check(null, { 'batch with baseURL': () => a.json().path === '/a' && b.json().path === '/b' && a.json().session === null });
        const u = new URL('https://example.com/p?q=1');
        u.searchParams.append('r', '2');
        check(u, { 'url module': (x) => x.search === '?q=1&r=2' && new URLSearchParams('a=1').get('a') === '1' });
      }`,
      { BASE: url },
    );
    assertChecks(run, 3);
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/things?x=1', '/a', '/b'],
    );
  });

  it('refuses an unknown remote import in one line that says how to vendor it, with exit 107', async () => {
    const run = await runScript(
      `import { expect } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';
      export default function () { expect(1).to.equal(1); }`,
    );
    assert.equal(run.code, 107);
    const line =
      run.stderr
        .trim()
        .split('\n')
        .find((l) => l.includes('k6chaijs')) ?? '';
    assert.match(line, /remote module "https:\/\/jslib\.k6\.io\/k6chaijs\/4\.3\.4\.3\/index\.js" cannot be fetched/);
    assert.match(line, /curl -fsSL -o \.\/k6chaijs\.js 'https:\/\/jslib\.k6\.io\/k6chaijs\/4\.3\.4\.3\/index\.js'/);
    assert.match(line, /\('\.\/k6chaijs\.js'\)/);
    assert.match(line, /import it by relative path/);
  });
});
