import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asyncVuTransform } from '../../src/load/script/async-vu-transform.ts';
import { runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// The shared VU mode (--vu-mode shared): several VUs per thread, the script's API still synchronous.
const SHARED = ['--vu-mode', 'shared', '--vu-threads', '1'];

describe('the async VU transform', () => {
  it('keeps every line where it was and gives plain functions a twin', () => {
    const code = [
      'var import_http = __toESM(__k6_require("k6/http"));',
      'function get(u) {',
      '  return import_http.default.get(u);',
      '}',
      'function stdin_default() {',
      '  [1, 2].map((i) => get(`/x/${i}`));',
      '}',
      'module.exports = { default: stdin_default };',
    ].join('\n');
    const t = asyncVuTransform(code);
    assert.ok(t.ok);
    assert.equal(t.code.split('\n').length, code.split('\n').length);
    assert.equal(t.twins, 3);
    assert.match(t.code, /async function stdin_default__k6tw\(\) \{/);
    // The synchronous original stays callable under its own name, on its first line, the twin declared beside it.
    assert.match(
      t.code.split('\n')[1],
      /^function get\(u\) \{\s+return import_http\.default\.get\(u\);\s+\}async function get__k6tw\(u\) \{$/,
    );
    // The two are paired where their scope starts (before its code can replace the function), with the
    // original text for toString().
    assert.ok(t.code.startsWith('__k6_twin(get, get__k6tw, void 0, "function get(u) {\\n  return'), t.code);
  });

  for (const [what, code, reason] of [
    ['promises', 'Promise.resolve(1);', 'it uses Promise'],
    ['timers', 'setTimeout(() => 1, 10);', 'it uses setTimeout'],
    ['async functions', 'async function f() {}', 'it uses async functions or generators'],
    ['generators', 'function* f() { yield 1; }', 'it uses async functions or generators'],
    ['asyncRequest', 'http.asyncRequest("GET", "x");', 'it uses .asyncRequest'],
    ['globalThis', 'globalThis.x = 1;', 'it uses globalThis'],
    ['modules with promises', 'var ws = __k6_require("k6/websockets");', 'it imports k6/websockets'],
  ] as const) {
    it(`refuses scripts with ${what}, which keep one thread per VU`, () => {
      const t = asyncVuTransform(code);
      assert.equal(t.ok, false);
      assert.equal(t.ok ? '' : t.reason, reason);
    });
  }

  it('accepts a property named like a refused global', () => {
    assert.ok(asyncVuTransform('var o = { process: 1, Promise: 2 }; o.process;').ok);
  });
});

describe('VUs sharing a thread', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const params = (from: number) =>
    server.requests.slice(from).map((r) => Object.fromEntries(new URL(r.url, server.url).searchParams));

  for (const threads of ['1', '2'])
    it(`gives each VU its own module instance, __VU and __ITER (${threads} thread${threads === '1' ? '' : 's'})`, async () => {
      const from = server.requests.length;
      const run = await runScript(
        `import http from 'k6/http';
       import exec from 'k6/execution';
       const state = { count: 0, inits: 0 };
       state.inits++;
       const mine = [];
       export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 3 } } };
       export default function () {
         state.count++;
         mine.push(__ITER);
         http.get(\`\${__ENV.BASE_URL}/ok?vu=\${__VU}&iter=\${__ITER}&count=\${state.count}&inits=\${state.inits}&mine=\${mine.join('-')}&id=\${exec.vu.idInTest}\`);
       }`,
        { BASE_URL: server.url },
        {},
        ['--vu-mode', 'shared', '--vu-threads', threads],
      );
      assert.equal(run.code, 0, run.stderr);
      const seen = params(from);
      assert.equal(seen.length, 12);
      for (const vu of ['1', '2', '3', '4']) {
        const own = seen.filter((q) => q.vu === vu);
        assert.deepEqual(
          own.map((q) => [q.iter, q.count, q.inits, q.mine, q.id]),
          [
            ['0', '1', '1', '0', vu],
            ['1', '2', '1', '0-1', vu],
            ['2', '3', '1', '0-1-2', vu],
          ],
          `VU ${vu}`,
        );
      }
    });

  for (const mode of ['shared', 'isolated'])
    it(`keeps the runtime's own names and gc out of the script's globals (${mode})`, async () => {
      // A worker's code runs as a script: its top-level names would be the thread's globals, and the
      // shared thread's full collection before the first start (runtime/full-gc.ts) holds a gc function.
      const from = server.requests.length;
      const run = await runScript(
        `import http from 'k6/http';
       const atInit = [typeof gc, typeof boot, typeof stack, typeof state].join('-');
       export const options = { scenarios: {
         first: { executor: 'per-vu-iterations', vus: 2, iterations: 1 },
         later: { executor: 'per-vu-iterations', vus: 3, iterations: 1, startTime: '200ms' },
       } };
       export default function () {
         http.get(\`\${__ENV.BASE_URL}/ok?init=\${atInit}&iter=\${[typeof gc, typeof boot, typeof stack, typeof state].join('-')}\`);
       }`,
        { BASE_URL: server.url },
        {},
        ['--vu-mode', mode, '--vu-threads', '1'],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /one thread per VU/);
      const seen = params(from);
      assert.equal(seen.length, 5);
      const none = 'undefined-undefined-undefined-undefined';
      for (const q of seen) assert.deepEqual([q.init, q.iter], [none, none]);
    });

  it('returns responses from k6 calls made inside callbacks, groups, checks and helpers', async () => {
    const from = server.requests.length;
    const run = await runScript(
      `import http from 'k6/http';
       import { check, group } from 'k6';
       const base = __ENV.BASE_URL;
       const get = (step) => http.get(\`\${base}/ok?step=\${step}\`);
       function statusOf(step) { return get(step).status; }
       export const options = { vus: 2, iterations: 2 };
       export default function () {
         const mapped = ['map1', 'map2'].map((s) => get(s).status);
         let forEachCount = 0;
         ['each'].forEach((s) => { if (get(s).status === 200) forEachCount++; });
         const sum = ['r1', 'r2'].reduce((acc, s) => acc + statusOf(s), 0);
         const kept = ['f1', 'f2'].filter((s) => statusOf(s) === 200);
         const found = ['s1', 's2'].some((s) => statusOf(s) === 200);
         const viaCall = statusOf.call(null, 'call');
         const inGroup = group('outer', () => group('inner', () => get('group').json('ok')));
         const batch = http.batch([\`\${base}/ok?step=b1\`, \`\${base}/ok?step=b2\`]).map((r) => r.status);
         const ok = check(get('check'), {
           'mapped': () => mapped.join() === '200,200',
           'forEach': () => forEachCount === 1,
           'reduce': () => sum === 400,
           'filter': () => kept.length === 2,
           'some': () => found === true,
           'call': () => viaCall === 200,
           'group': () => inGroup === true,
           'batch': () => batch.join() === '200,200',
           'a predicate that makes a request': () => get('predicate').status === 200,
         });
         if (!ok) throw new Error('checks failed');
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.failed, []);
    assert.equal(Object.keys(run.checks).length, 9);
    // In each iteration the calls ran in the script's order.
    const steps = params(from).map((q) => q.step);
    const order = [
      'map1',
      'map2',
      'each',
      'r1',
      'r2',
      'f1',
      'f2',
      's1',
      'call',
      'group',
      'b1',
      'b2',
      'check',
      'predicate',
    ];
    assert.equal(steps.length, 2 * order.length);
    for (const step of order) assert.equal(steps.filter((s) => s === step).length, 2, step);
  });

  it('reports exceptions with their stack, runs finally blocks, and restores the group', async () => {
    const from = server.requests.length;
    const run = await runScript(
      `import http from 'k6/http';
       import { check, group } from 'k6';
       export const options = { vus: 1, iterations: 2 };
       function explode() {
         throw new Error('boom ' + __ITER);
       }
       export default function () {
         try {
           group('g', () => {
             http.get(\`\${__ENV.BASE_URL}/ok?step=try\`);
             explode();
           });
         } finally {
           http.get(\`\${__ENV.BASE_URL}/ok?step=finally\`);
           check(1, { 'root group after the throw': () => true });
         }
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      params(from).map((q) => q.step),
      ['try', 'finally', 'try', 'finally'],
    );
    assert.match(run.stderr, /Error: boom 0\\n\\tat explode \(file:\/\/\/.*script\.js:5:16\)/);
    assert.match(run.stderr, /Error: boom 1/);
    assert.equal(run.metrics.iterations.count, 2);
    // The check ran outside the group that threw.
    assert.deepEqual(Object.keys(run.checks), ['root group after the throw']);
  });

  it("lets a VU's sleep and requests overlap another's, in each VU's own order", async () => {
    const from = server.requests.length;
    const run = await runScript(
      `import http from 'k6/http';
       import { sleep } from 'k6';
       export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };
       export default function () {
         if (__VU === 1) {
           http.get(\`\${__ENV.BASE_URL}/ok?vu=1&step=before\`);
           sleep(0.5);
           http.get(\`\${__ENV.BASE_URL}/ok?vu=1&step=after\`);
         } else {
           sleep(0.1);
           for (let i = 0; i < 3; i++) http.get(\`\${__ENV.BASE_URL}/ok?vu=2&step=\${i}\`);
         }
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    const steps = params(from).map((q) => `${q.vu}:${q.step}`);
    // VU 2 ran while VU 1 slept: one thread, no VU blocking it.
    assert.deepEqual(steps, ['1:before', '2:0', '2:1', '2:2', '1:after']);
    assert.ok(run.metrics.iteration_duration.max >= 500, JSON.stringify(run.metrics.iteration_duration));
  });

  it('runs k6 calls from getters and class methods synchronously, with the same results', async () => {
    const from = server.requests.length;
    const run = await runScript(
      `import http from 'k6/http';
       import { check } from 'k6';
       class Api {
         constructor(base) { this.base = base; }
         get health() { return http.get(\`\${this.base}/ok?step=getter\`).status; }
         fetch(step) { return http.get(\`\${this.base}/ok?step=\${step}\`).json('ok'); }
       }
       export const options = { vus: 2, iterations: 4 };
       export default function () {
         const api = new Api(__ENV.BASE_URL);
         check(null, { getter: () => api.health === 200, method: () => api.fetch('method') === true });
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.failed, []);
    assert.equal(params(from).length, 8);
  });

  it('gives each VU its own Math.random after randomSeed', async () => {
    const from = server.requests.length;
    const run = await runScript(
      `import http from 'k6/http';
       import { randomSeed } from 'k6';
       randomSeed(__VU === 1 ? 7 : 8);
       export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
       export default function () {
         http.get(\`\${__ENV.BASE_URL}/ok?vu=\${__VU}&r=\${Math.random()}\`);
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    const seen = params(from);
    const of = (vu: string) => seen.filter((q) => q.vu === vu).map((q) => q.r);
    // mulberry32 from seeds 7 and 8: the same sequence as when each VU had its thread.
    assert.notDeepEqual(of('1'), of('2'));
    assert.equal(new Set(of('1')).size, 2);
  });

  it('interrupts a sleeping VU at the end of gracefulStop', async () => {
    const start = performance.now();
    const run = await runScript(
      `import { sleep } from 'k6';
       export const options = { scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s' } } };
       export default function () { sleep(30); }`,
      {},
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    const ms = performance.now() - start;
    assert.ok(ms < 10_000, `the sleeping VUs must be interrupted, took ${ms} ms`);
  });

  // Constructs the transform treats differently (classes, super, getters, constructors, optional chains, block
  // functions, switch, default parameters and arguments, recursion, tagged templates, native callbacks, object
  // methods and arrows, destructuring defaults, nested groups in map, errors, closures, http.url): one run in each
  // mode, the same values, checks and groups.
  it('gives the same results as one thread per VU on a script of awkward constructs', async () => {
    const results: Record<string, string[]> = {};
    const groups: Record<string, unknown> = {};
    for (const mode of ['isolated', 'shared']) {
      const run = await runScript(
        `import http from 'k6/http';
import { check, group, sleep, fail } from 'k6';
import exec from 'k6/execution';
import { Client, Sub, Counter } from './lib.js';
const base = __ENV.BASE;
const out = [];
function g(x = 1) { return x + arguments.length; }
function rec(n) { return n <= 0 ? http.get(\`\${base}/ok?rec=1\`).status : rec(n - 1); }
const tag = (s, ...v) => s.raw.join('|') + v.join(',');
export const options = { vus: 2, iterations: 2 };
export default function () {
  const r = [];
  const c = new Client(base);
  r.push(c.get('/ok?a=1').status, c.ok, Client.make(base).get('/ok?b=1').status);
  r.push(new Sub(base).get('/ok?x=1').status);
  const k = new Counter(); r.push(k.inc(), k.inc());
  const res = http.get(\`\${base}/ok?q=1\`);
  r.push(res?.json()?.ok, res.json('ok'), res?.status);
  for (const p of ['/ok?f=1', '/ok?f=2']) r.push(http.get(base + p).status);
  if (true) { function inner(v) { return http.get(\`\${base}/ok?inner=\${v}\`).status; } r.push(inner(1)); }
  switch (r.length) { default: { const z = () => http.get(\`\${base}/ok?sw=1\`).status; r.push(z()); } }
  r.push(g(), g(5), g(undefined, 2));
  r.push(rec(3));
  r.push(tag\`a\${1}b\${2}c\`);
  r.push(Array.from({ length: 2 }, (_, i) => http.get(\`\${base}/ok?from=\${i}\`).status).join());
  r.push([3, 1, 2].sort((a, b) => a - b).join());
  r.push(JSON.stringify(JSON.parse('{"a":1}', (key, v) => (key === 'a' ? http.get(\`\${base}/ok?rev=1\`).status : v))));
  const obj = { n: 2, twice() { return this.n * 2; }, get three() { return 3; }, arrow: () => typeof this };
  r.push(obj.twice(), obj.three, obj.arrow());
  const { a = http.get(\`\${base}/ok?d=1\`).status } = {};
  r.push(a);
  r.push(group('G', () => [1, 2].map((i) => group('H' + i, () => http.get(\`\${base}/ok?gh=\${i}\`).status)).join()));
  try { fail('boom'); } catch (e) { r.push(String(e.message)); }
  try { null.x(); } catch (e) { r.push(e instanceof TypeError); }
  try { const u = undefined; u(); } catch (e) { r.push(e.constructor.name); }
  r.push(typeof exec.vu.idInTest, __ITER, [1, 2, 3].reduce((s, v) => s + v), [1, 2].find((v) => v > 1), [1, 2].findIndex((v) => v > 5));
  r.push(((x) => (y) => x + y)(1)(2));
  r.push((function () { return this === undefined ? 'u' : typeof this; })());
  r.push(http.url\`\${base}/ok?u=\${1}\`.name);
  r.push(check(res, { 'c1': (x) => x.status === 200 }));
  r.push([..."ab"].map((ch) => ch.toUpperCase()).join(''));
  r.push(String(Object.keys(http).length > 5));
  sleep(0.01);
  console.log(\`VU \${__VU} ITER \${__ITER} \${JSON.stringify(r)}\`);
}
`,
        { BASE: server.url },
        {
          'lib.js': `import http from 'k6/http';
export class Client {
  static make(base) { return new Client(base); }
  constructor(base) { this.base = base; this.n = 0; }
  get ok() { return http.get(\`\${this.base}/ok?g=1\`).status === 200; }
  get(path) { this.n++; return http.get(\`\${this.base}\${path}\`); }
}
export class Sub extends Client {
  get(path) { return super.get(path + '&sub=1'); }
}
export function Counter() { this.c = 0; }
Counter.prototype.inc = function () { this.c++; return http.get(\`\${__ENV.BASE}/ok?c=\${this.c}\`).status; };
`,
        },
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      results[mode] = run.stderr
        .split('\n')
        .filter((l) => l.includes('source=console'))
        .map((l) => l.replace(/^time="[^"]*" /, ''))
        .sort();
      groups[mode] = { checks: run.checks, reqs: run.metrics.http_reqs.count };
    }
    assert.equal(results.shared.length, 2);
    assert.deepEqual(results.shared, results.isolated);
    assert.deepEqual(groups.shared, groups.isolated);
  });

  it('runs a script the transform refuses with one thread per VU, and says why', async () => {
    const run = await runScript(
      `import http from 'k6/http';
       export const options = { vus: 2, iterations: 2 };
       export default function () {
         setTimeout(() => http.get(\`\${__ENV.BASE_URL}/ok\`), 1);
       }`,
      { BASE_URL: server.url },
      {},
      SHARED,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /VU mode: isolated \(one thread per VU\): the script cannot share threads because it uses setTimeout/,
    );
    assert.equal(run.metrics.http_reqs.count, 2);
  });

  it('says which mode it chose with --verbose', async () => {
    const run = await runScript(
      `export const options = { vus: 2, iterations: 2 };
       export default function () {}`,
      {},
      {},
      [...SHARED, '--verbose'],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /VU mode: shared \(VUs spread over 1 thread;/);
  });
});
