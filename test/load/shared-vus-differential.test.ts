import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asyncVuTransform } from '../../src/load/script/async-vu-transform.ts';
import { runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/**
 * The top of the case scripts: a request helper, and runCases, which logs each case's value or exception as
 * VU|ITER|name|out. The same text in every script, so its lines (and stack positions) are the same.
 */
const CASES = `const base = __ENV.BASE;
const get = (t) => http.get(\`\${base}/ok?t=\${t}\`);
const st = (t) => get(t).status;
function show(v) {
  if (typeof v === 'function') return 'fn:' + v.name + '/' + v.length;
  return JSON.stringify(v, (k, x) => (typeof x === 'function' ? 'fn:' + x.name : x === undefined ? '<u>' : x));
}
function runCases(cases) {
  for (const [name, fn] of Object.entries(cases)) {
    let out;
    try {
      out = 'ok ' + show(fn());
    } catch (e) {
      out = 'threw ' + (e && e.constructor && e.constructor.name) + ': ' + String((e && e.message) || e);
    }
    console.log(\`\${__VU}|\${__ITER}|\${name}|\${out}\`);
  }
}
`;

// Differential tests of the shared VU mode: each script runs once with one thread per VU (isolated, the
// reference: k6's synchronous semantics) and once with its VUs sharing a thread (the async transform), and
// everything a k6 user can observe must be the same. The scripts put k6 calls inside the JavaScript features
// an async transform can get wrong; each case logs `VU|ITER|case|result` (or what it threw), so a
// difference names its case.

/** What a run shows its user, in a form that does not depend on timing or on which VU ran first. */
interface Observed {
  code: number;
  /** Console lines by VU, in each VU's order (the scripts start every line with `${__VU}|`). */
  console: Record<string, string[]>;
  /** Uncaught exceptions and the final error, sorted: VUs interleave differently in the two modes. */
  errors: string[];
  checks: Record<string, { passes: number; fails: number }>;
  metrics: Record<string, Record<string, number>>;
  /** handleSummary()'s stdout (the text summary is left out: it shows timings). */
  stdout: string;
  /** The error that ended the run early (an init error), with its stack. */
  failure: string;
}

/** Custom metrics and the fields of them that do not depend on timing or VU order. */
const METRIC_FIELDS: Record<string, string[]> = {
  c_count: ['count'],
  c_trend: ['avg', 'min', 'max', 'med'],
  c_rate: ['passes', 'fails', 'value'],
  c_gauge: ['min', 'max'],
  http_reqs: ['count'],
  iterations: ['count'],
};

const message = (line: string) => /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line;

describe('the shared VU mode, differentially against the isolated one', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** refused: the reason the shared mode must give for running the script with one thread per VU. */
  async function observe(
    mode: string,
    script: string,
    files: Record<string, string>,
    refused?: string,
  ): Promise<Observed> {
    const run = await runScript(script, { BASE: server.url }, files, [
      '--vu-mode',
      mode,
      '--vu-threads',
      '1',
      '--verbose',
    ]);
    const lines = run.stderr.split('\n');
    // The comparison means something only if the shared run did share its thread.
    if (mode === 'shared' && refused)
      assert.ok(run.stderr.includes(`the script cannot share threads because ${refused}`), run.stderr);
    else if (mode === 'shared') assert.match(run.stderr, /VU mode: shared \(/, run.stderr);
    const console: Record<string, string[]> = {};
    for (const line of lines.filter((l) => l.includes('source=console'))) {
      const msg = message(line);
      (console[msg.slice(0, msg.indexOf('|'))] ??= []).push(msg);
    }
    const errors = lines
      .filter((l) => l.includes('level=error') && !l.includes('source=console'))
      .map((l) => l.replace(/^time="[^"]*" /, '').replace(/tenantops-k6-\w+/g, 'DIR'))
      .sort();
    const metrics: Observed['metrics'] = {};
    for (const [name, fields] of Object.entries(METRIC_FIELDS))
      if (run.metrics[name]) metrics[name] = Object.fromEntries(fields.map((f) => [f, run.metrics[name][f]]));
    const stdout = script.includes('export function handleSummary') ? run.stdout : '';
    const failedAt = run.stderr.indexOf('tenantops load: ');
    const failure = failedAt === -1 ? '' : run.stderr.slice(failedAt).replace(/tenantops-k6-\w+/g, 'DIR');
    return { code: run.code, console, errors, checks: run.checks, metrics, stdout, failure };
  }

  /** Runs the script in both modes and compares what they show; returns the isolated run's. */
  async function differential(script: string, files: Record<string, string> = {}, refused?: string): Promise<Observed> {
    const isolated = await observe('isolated', script, files);
    const shared = await observe('shared', script, files, refused);
    for (const vu of new Set([...Object.keys(isolated.console), ...Object.keys(shared.console)]))
      assert.deepEqual(shared.console[vu], isolated.console[vu], `console of VU ${vu}`);
    assert.deepEqual(shared, isolated);
    return isolated;
  }

  /** The result each case logged in the first iteration of VU 1, by case. */
  const results = (o: Observed) =>
    Object.fromEntries(
      o.console['1']
        .filter((m) => m.startsWith('1|0|'))
        .map((m) => {
          const [, , name, ...rest] = m.split('|');
          return [name, rest.join('|')];
        }),
    );

  it('runs classes, getters, iterators, callbacks, closures and function objects the same way', async () => {
    const observed = await differential(`import http from 'k6/http';
import { check, group, sleep } from 'k6';
import exec from 'k6/execution';
${CASES}class Base {
  constructor(t) { this.t = t; this.s = st('ctor' + t); }
  get g() { return st('getter'); }
  set v(x) { this._v = st('setter' + x); }
  m(x) { return st('m' + x) + this.t; }
  static s() { return st('static'); }
  #p() { return st('private'); }
  callP() { return this.#p(); }
}
class Sub extends Base {
  constructor() { super('sub'); this.k = st('subctor'); }
  m(x) { return 'sub:' + super.m(x); }
}
function Legacy(x) { if (!new.target) return 'no-new'; this.x = x + st('legacy'); }
Legacy.prototype.get = function () { return this.x; };
function fact(n) { return n <= 1 ? st('fact') : n * fact(n - 1); }
// A named function expression whose default parameter names it.
const fexp = function named(n, me = named) { return n > 0 ? me(n - 1) : 'done ' + typeof me; };
const tag = (s, ...v) => s.raw.join('|') + v.join(',') + st('tag');
const cases = {
  classes: () => { const b = new Base('x'); b.v = 3; return [b.s, b.g, b._v, b.m(1), Base.s(), b.callP()]; },
  subclass: () => { const s = new Sub(); return [s.t, s.s, s.k, s.m(2), s instanceof Base]; },
  newTarget: () => [new Legacy(1).get(), Legacy(2)],
  recursion: () => fact(4),
  namedExpressionInItsDefault: () => fexp(2),
  iterators: () => {
    const it = { [Symbol.iterator]() { let i = 0; return { next: () => (i < 2 ? { value: st('it' + i++), done: false } : { done: true }) }; } };
    const r = [];
    for (const v of it) r.push(v);
    return [r, [...it], Array.from(it, (x) => x + st('from')), Math.max(...new Set([1, 2]))];
  },
  destructuringDefaults: () => { const { a = st('d1'), b: [c = st('d2')] = [] } = {}; return [a, c]; },
  defaultParameters: () => ((x = st('dp'), y = x + 1) => [x, y])(),
  taggedTemplate: () => tag\`a\${1}b\${st('tv')}\`,
  letClosures: () => { const fs = []; for (let i = 0; i < 3; i++) fs.push(() => i + st('cl')); return fs.map((f) => f()); },
  labels: () => {
    const r = [];
    outer: for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) { if (j === 1) continue outer; if (i === 2) break outer; r.push(st('lb') + i + j); }
    }
    return r;
  },
  finallyOverridesReturn: () => { const f = () => { try { return 'try' + st('t'); } finally { st('fin'); return 'finally'; } }; return f(); },
  finallyAfterCatch: () => { const f = () => { try { throw new Error('x'); } catch (e) { return 'caught' + st('c'); } finally { st('fin2'); } }; return f(); },
  argumentsObject: () => { function f() { return arguments.length + st('args') + Array.prototype.slice.call(arguments).join(); } return f(1, 2, 3); },
  thisBinding: () => {
    const o = { n: 5, m: function () { return this.n + st('tm'); }, a: () => typeof this, d() { return this.n; } };
    const m = o.m;
    let detached;
    try { detached = m(); } catch (e) { detached = e.message; }
    return [o.m(), o.a(), o.d(), detached];
  },
  arrayCallbacks: () => {
    const a = [3, 1, 2];
    return [a.map((x) => x + st('map')), a.filter((x) => st('f') && x > 1), a.reduce((s, x) => s + x + st('r'), 0),
      a.some((x) => st('s') && x === 1), a.every((x) => st('e') && x > 0), a.find((x) => st('fi') && x === 1),
      a.findLast((x) => st('fl') && x > 1), a.findIndex((x) => x === 2), a.findLastIndex((x) => x === 2),
      [...a].sort((x, y) => x - y + 0 * st('sort')), a.flatMap((x) => [x, st('fm')]), a.reduceRight((s, x) => s + x, '')];
  },
  forEachMutating: () => { const a = [1, 2, 3]; const seen = []; a.forEach((x, i) => { seen.push(x); if (i === 0) { a.push(9); a[2] = 7; } st('fe'); }); return seen; },
  findReturnsTheElementItSaw: () => { const a = [1, 2, 3]; return a.find((x, i) => { if (i === 0) a[0] = 100; st('fm'); return true; }); },
  reduceSkipsDeleted: () => { const a = [1, 2, 3, 4]; return a.reduce((s, x, i) => { if (i === 1) { delete a[2]; a[3] = 40; } st('rm'); return s + x; }, 0); },
  reduceRightSkipsDeleted: () => { const a = [1, 2, 3, 4]; return a.reduceRight((s, x, i) => { if (i === 3) delete a[1]; st('rr'); return s + x; }); },
  mapKeepsItsLength: () => { const a = [1, 2]; const m = a.map((x, i, arr) => { if (i === 0) arr.push(3); return x + st('mg'); }); return [m.length, m]; },
  sparse: () => { const a = [1, , 3]; return [a.map((x) => x * 2 + st('sp')), a.filter(() => true), a.find((x) => x === undefined), a.findIndex((x) => x === undefined)]; },
  emptyReduce: () => [].reduce((a, b) => a + b),
  nativeCallbacks: () => ['a-b'.replace(/-/g, () => '+' + st('rep')), JSON.parse('{"a":1,"b":[2]}', (k, v) => (k === 'a' ? st('rev') : v)),
    JSON.stringify({ a: 1, b: { toJSON() { return st('tojson'); } } }, (k, v) => (k === 'a' ? st('repl') : v))],
  definedGetter: () => { const o = {}; Object.defineProperty(o, 'x', { get: () => st('dpg') }); return o.x; },
  storedFunctions: () => { const o = { later: null }; o.later = function () { return st('later'); }; const arr = [() => st('arr')]; return [o.later(), arr[0](), o['later']()]; },
  checkValues: () => { const pred = (r) => r.status === 200; const r = get('cv'); return [check(r, { pred, other: function (x) { return st('cv2') === x.status; } }), check(r, { bad: () => false })]; },
  checkThrows: () => check(get('ct'), { boom: () => { throw new Error('inside check'); } }),
  groupThrows: () => group('gt', () => { st('gt'); throw new Error('inside group'); }),
  nestedGroups: () => group('o', () => [group('i1', () => st('g1')), group('i2', () => 'v2' + st('g2'))]),
  execFields: () => [exec.vu.idInTest, exec.vu.iterationInScenario, exec.scenario.name, exec.scenario.executor, typeof exec.scenario.iterationInTest],
  iterInNestedFunctions: () => { function inner() { return (() => __ITER + '/' + __VU)(); } const before = inner(); sleep(0.001); return [before, inner()]; },
  sequence: () => (st('c1'), st('c2'), 'last'),
  optionalCalls: () => { const o = { fn: () => st('oc'), n: null }; return [o?.fn?.(), o.n?.x(), o.nope?.(), o?.['fn']()]; },
  conditional: () => (st('cond') === 200 ? st('yes') : st('no')),
  shortCircuit: () => { let x = 0; const r = [false && st('sc1'), true && st('sc2'), null ?? st('sc3'), 0 || st('sc4')]; x ||= st('sc5'); return [r, x]; },
  deleteOperator: () => { const o = { a: st('del') }; return [delete o.a, o.a]; },
  functionToString: () => {
    // prettier-style line breaks inside the functions: toString() gives them back as written.
    function multi(a,
      b) {
      return a + b;
    }
    const arrow = (x) =>
      x * 2;
    const text = \`line1
line2\`;
    const withTemplate = () => \`\${text}
\${st('tpl')}\`;
    return [multi.toString(), String(arrow), \`\${fact}\`, withTemplate.toString(), withTemplate(), fact.toString.toString()];
  },
  functionNames: () => {
    function f(a, b = 1, ...c) { return [a, b, c]; }
    const g = (x) => x;
    let x;
    x = () => 0;
    let y;
    y ??= function () {};
    const { z = () => 1 } = {};
    const p = (q = () => 1) => q.name;
    const o = { a: () => 1, b: function () {}, ['c' + 1]: () => 2, 'd-e': () => 3, 5: () => 4, __proto__: { inherited: 1 } };
    return [typeof f, f.length, f.name, g.name, g.length, typeof st, st.name, (() => {}).name, fexp.name, fexp.length,
      o.a.name, o.b.name, o.c1.name, o['d-e'].name, o[5].name, x.name, y.name, z.name, p(), o.inherited, f.bind(null).name];
  },
  ownKeys: () => { function f() {} const g = () => 1; return [Reflect.ownKeys(f).map(String), Reflect.ownKeys(g).map(String), Object.getOwnPropertySymbols(Array.prototype.map).length, Object.getOwnPropertySymbols(http.get).length]; },
  frozenFunction: () => { const f = Object.freeze(function () { return st('frz'); }); return [f(), Object.isFrozen(f)]; },
  notAFunctionMessages: () => {
    const o = { a: { b: 1 } };
    const r = [];
    for (const f of [() => o.a.b(), () => o['a']['b'](), () => st('x')(), () => (0, o.a.b)(), () => (o.a).b(), () => o.a
      .b(), () => 'str'.foo(), () => undefined(), () => get('nf').nope(), () => [1, 2].foo(), () => ({}).foo(), () => o.a[\`b\`](),
      () => o[1](), () => (o.a.b || o.a.b)(), () => (() => 1)()(), () => group('no function'), () => o[o.a.b]()]) {
      try { f(); } catch (e) { r.push(e.constructor.name + ': ' + e.message); }
    }
    return r;
  },
  callApplyBind: () => {
    function f(a, b) { return [this && this.k, a, b, st('bca')]; }
    const o = { k: 'K' };
    const applyErrors = [];
    for (const args of [5, 'ab']) { try { f.apply(null, args); } catch (e) { applyErrors.push(e.constructor.name + ': ' + e.message); } }
    return [f.call(o, 1, 2), f.apply(o, [3, 4]), f.apply(o, new Set([1])), f.apply(o, { length: 2, 0: 'x' }), f.bind(o, 5)(6), f.bind(o).name, Reflect.apply(f, o, [7, 8]), applyErrors];
  },
  batch: () => http.batch([\`\${base}/ok?t=b1\`, ['GET', \`\${base}/ok?t=b2\`]]).map((r) => r.status),
};
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default function () {
  runCases(cases);
}
`);
    assert.equal(observed.code, 0);
    const r = results(observed);
    // A few cases checked against their known values too, so a shared run cannot agree with a broken isolated one.
    assert.equal(r.namedExpressionInItsDefault, 'ok \\"done function\\"');
    assert.equal(r.findReturnsTheElementItSaw, 'ok 1');
    assert.equal(r.reduceSkipsDeleted, 'ok 43');
    // The function's lines as the bundle has them, not the one-line copy the transform runs.
    assert.ok(
      r.functionToString.startsWith('ok [\\"function multi(a, b) {\\\\n      return a + b;'),
      r.functionToString,
    );
    assert.match(r.notAFunctionMessages, /TypeError: st\(\.\.\.\) is not a function/);
    assert.equal(Object.keys(r).length, 44);
  });

  it('runs declarations, module state, open(), groups and checks that throw the same way', async () => {
    const observed = await differential(
      `import http from 'k6/http';
import { check, group, sleep, fail, randomSeed } from 'k6';
import { SharedArray } from 'k6/data';
import * as lib from './lib.js';
${CASES}const data = open('./data.txt');
const arr = new SharedArray('a', () => [1, 2, 3].map((x) => x * 2));
const moduleState = { n: 0 };
randomSeed(__VU);
// Code that runs before a declaration's line: it freezes or replaces the hoisted function.
Object.freeze(frozenDecl);
function frozenDecl() { return st('frozenDecl'); }
memo = ((f) => { let calls = 0; return function memoized() { calls++; return 'memo' + calls + ':' + f(); }; })(memo);
function memo() { return st('memo'); }
const topThis = typeof this;
const deep = (n) => (n === 0 ? 0 : 1 + deep(n - 1));
const cases = {
  frozenDeclaration: () => [frozenDecl(), Object.isFrozen(frozenDecl)],
  replacedDeclaration: () => [memo(), memo(), memo.name],
  moduleStatePerVu: () => ++moduleState.n,
  topLevelThis: () => topThis,
  openData: () => data.trim() + arr.length + arr[1],
  moduleExports: () => [lib.value, lib.fn(), lib.counter(), lib.counter(), lib.getterFn.name, typeof lib.fn, Object.keys(lib).sort()],
  groupWithoutFunction: () => group('nofn'),
  groupWithNonFunction: () => group('nonfn', 5),
  checkNull: () => check(get('cn'), null),
  checkNonFunctions: () => check(1, { a: true, b: 0, c: 'x' }),
  checkOrderAndThrow: () => {
    const seen = [];
    try { check(1, { a: () => (seen.push('a'), st('ca')) === 200, b: () => { seen.push('b'); throw new Error('bb'); }, c: () => (seen.push('c'), true) }); } catch (e) { seen.push(e.message); }
    return seen;
  },
  groupReturnsValue: () => group('gr', function () { return { v: st('gr'), t: typeof this }; }),
  groupsNestedThrow: () => {
    const r = [];
    group('a', () => { r.push(st('a')); group('b', () => { r.push(st('b')); try { group('c', () => { throw new Error('cc'); }); } catch (e) { r.push(e.message); } }); r.push(st('a2')); });
    return r;
  },
  failMessage: () => fail('failing ' + st('fail')),
  throwString: () => { throw 'str' + st('ts'); },
  gettersAndSetters: () => {
    class A { static get s() { return st('sg'); } get [Symbol.toStringTag]() { return 'AA' + st('tst'); } }
    const o = { _x: 0, set x(v) { this._x = v + st('sx'); }, get x() { return this._x; } };
    o.x = 1; o.x += 1;
    return [A.s, String(new A()), o.x];
  },
  superProperty: () => { const p = { hi() { return 'p' + st('sp'); } }; const c = { __proto__: p, hi() { return 'c' + super.hi(); } }; return c.hi(); },
  classFields: () => { class K { f = () => st('field'); static s = 1; #x = 2; px() { return this.#x; } static { K.t = st('static block'); } } const k = new K(); return [k.f(), k.px(), K.s, K.t, k.f.name]; },
  argumentsAliasing: () => { function f(a) { arguments[0] = 9; return [a, st('am')]; } function outer() { const inner = () => arguments[0] + st('aa'); return inner(); } return [f(1), outer(5)]; },
  closureCounter: () => { const mk = () => { let n = 0; return () => { n++; st('cc'); return n; }; }; const c = mk(); c(); c(); return c(); },
  loops: () => {
    let i = 0; const r = [];
    while (i < 3) { if (i++ === 1) continue; r.push(st('w' + i)); }
    do { r.push('do'); } while (false);
    for (const k in { a: 1, b: 2 }) r.push(k + st('fi'));
    return r;
  },
  switchWithDeclaration: () => { switch (1) { case 1: function sd() { return st('sd'); } return sd(); } },
  labeledBlock: () => { lbl: { function lb() { return st('lb'); } if (lb()) break lbl; } return 'out'; },
  calledBeforeItsLine: () => { const r = later(); function later() { return st('later'); } return r; },
  constructorFunction: () => { function P(x) { this.v = x + st('np'); } P.prototype.g = function () { return this.v; }; return [new P(1).g(), new P(2) instanceof P]; },
  customErrors: () => { class E extends Error { constructor(m) { super(m); this.name = 'E'; } } try { (() => { st('e'); throw new E('custom'); })(); } catch (e) { return [e instanceof E, e.name, e.message]; } },
  evaluationOrder: () => {
    const log = [];
    const o = { get f() { log.push('get'); return (...a) => (log.push('call' + a.join()), 1); } };
    const arg = (x) => (log.push('arg' + x), x);
    o.f(arg(1), arg(2)); o['f'](arg(3));
    const f = (x) => { log.push('f' + x); return (y) => log.push('g' + y); };
    f(1)(f(2));
    return log;
  },
  callbackThisArg: () => { const o = { n: 1, go() { return [1].map(function () { return this && this.n; }, o); } }; return [o.go(), [1, 2].map(function (x) { return x + this.k + st('mta'); }, { k: 10 })]; },
  arraySubclass: () => { class A2 extends Array {} const a = A2.from([1, 2]); const m = a.map((x) => x + st('sa')); return [m instanceof A2, [...m]]; },
  batchObject: () => Object.keys(http.batch({ x: \`\${base}/ok?t=bx\`, y: { method: 'GET', url: \`\${base}/ok?t=by\` } })),
  deepRecursion: () => deep(5000),
  seededMath: () => [Math.random(), Object.keys(Math), Object.getOwnPropertyNames(Math).length, Object.getPrototypeOf(Math) === Object.prototype, String(Math)],
  sleepInGetter: () => { const o = { get s() { sleep(0.001); return st('gs'); } }; return o.s; },
};
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default function () {
  runCases(cases);
}
`,
      {
        'lib.js': `import http from 'k6/http';
let n = 0;
export const value = 'v' + __VU;
export const fn = () => http.get(\`\${__ENV.BASE}/ok?t=lib\`).status;
export function counter() {
  return ++n;
}
export const getterFn = function () {};
`,
        'data.txt': 'hello\n',
      },
    );
    assert.equal(observed.code, 0);
    const r = results(observed);
    assert.equal(r.frozenDeclaration, 'ok [200,true]');
    assert.equal(r.replacedDeclaration, 'ok [\\"memo1:200\\",\\"memo2:200\\",\\"memoized\\"]');
    assert.equal(r.groupWithoutFunction, 'threw Error: group() requires a callback as a second argument');
  });

  it('gives the same logs, exceptions, metrics, checks, setup data, summary and exit code', async () => {
    const observed = await differential(`import http from 'k6/http';
import { check, group, sleep, fail } from 'k6';
import { Counter, Trend, Rate, Gauge } from 'k6/metrics';
import exec from 'k6/execution';
${CASES}const count = new Counter('c_count');
const trend = new Trend('c_trend');
const rate = new Rate('c_rate');
const gauge = new Gauge('c_gauge');
export const options = {
  scenarios: {
    main: { executor: 'per-vu-iterations', vus: 2, iterations: 3 },
    other: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'other', env: { WHO: 'other' }, startTime: '100ms' },
  },
  thresholds: { c_rate: ['rate>0.9'] },
};
const helper2 = function (a,
  b) { return a + b; };
// Thrown from the synchronous copy of a function (called by a getter) and, after a request, through a
// member call written over two lines: the stack positions must be the script's lines in both modes.
function helper(x) {
  const y = x + 1;
  if (y > 1) {
    throw new Error('helper threw ' + y);
  }
  return y;
}
class K {
  get viaGetter() { return helper(1); }
}
const failAfterRequest = () => {
  st('before fail');
  fail('fail in vu ' + __VU);
};
// A function assigned to a member has no name, but V8 shows one in its frames: api.run.
const api = {};
api.run = function () { st('run'); throw new Error('after a request'); };
export function setup() {
  return { s: st('setup'), list: [1, 2] };
}
export default function (data) {
  const arrow = (x) => x;
  function decl(a, b) {
    return a;
  }
  console.log(\`\${__VU}|\${__ITER}|data|\`, data);
  console.log(\`\${__VU}|\${__ITER}|functions|\`, arrow, decl, helper2, { arrow, n: 1 }, [decl], String(arrow), \`\${decl}\`, helper2 + '');
  console.log(\`\${__VU}|\${__ITER}|error|\`, new Error('e1'));
  count.add(1 + __ITER, { vu: String(__VU) });
  trend.add(st('trend') + __ITER);
  rate.add(__ITER !== 1);
  gauge.add(__VU * 10 + __ITER);
  group('g', () => {
    check(null, { ['c' + __ITER]: () => st('c') === 200 });
  });
  const thrower = () => { throw new Error('arrow threw ' + __ITER); };
  if (__ITER === 1) thrower();
  // An anonymous callback waiting for a function that fails after a request: V8 shows its frame as
  // \`at async file:…\`.
  if (__ITER === 2 && __VU % 2 === 0) [1].map(() => failAfterRequest());
  if (__ITER === 2 && __VU % 2 === 1) { const o = {}; o.nested.call(); }
  sleep(0.001);
  if (__ITER === 0 && __VU % 2 === 0) new K().viaGetter;
  if (__ITER === 0 && __VU % 2 === 1) api
    .run();
}
// Keyed 'other', not by VU: which free VU takes a scenario that starts later depends on timing, in k6 too.
export const other = () => {
  console.log(\`other|\${__ITER}|other|\${__ENV.WHO} \${exec.scenario.name} \${exec.scenario.executor}\`);
  if (__ITER === 1) undefinedHelper();
};
export function teardown(data) {
  console.log(\`0|0|teardown|\${JSON.stringify(data)}\`);
}
export function handleSummary(d) {
  return { stdout: JSON.stringify({ metrics: Object.keys(d.metrics).sort(), count: d.metrics.c_count.values.count, checks: d.root_group.groups.map((g) => g.name) }) };
}
`);
    // The rate threshold fails (two false of six) in both modes.
    assert.equal(observed.code, 99);
    assert.deepEqual(observed.metrics.c_count, { count: 12 });
    assert.equal(observed.errors.length, 8, observed.errors.join('\n'));
    assert.ok(
      observed.errors.some((e) => e.includes('at thrower (file:///')),
      observed.errors.join('\n'),
    );
  });

  // The VUs of a shared thread each run their own module, but share the thread's global object and built-ins.
  it('runs a script that makes globals or changes built-ins with one thread per VU, and says why', async () => {
    const observed = await differential(
      `import http from 'k6/http';
const base = __ENV.BASE;
// A console wrapper and a helper on Array.prototype, as scripts add them: made once per VU, in its init.
const original = console.log;
console.log = (...a) => original(...a, '(wrapped by VU ' + __VU + ')');
Array.prototype.sum = function () { return this.reduce((a, b) => a + b, 0) + __VU * 100; };
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 2 } } };
export default function () {
  const seen = [];
  for (let i = 0; i < 3; i++) {
    http.get(\`\${base}/ok?i=\${i}\`);
    seen.push(i);
  }
  console.log(\`\${__VU}|\${__ITER}|globals|\${seen.join()} \${[1, 2].sum()}\`);
}
`,
      {},
      'it changes the built-in console, which the VUs of a thread share',
    );
    assert.deepEqual(observed.console['2'], [
      '2|0|globals|0,1,2 203 (wrapped by VU 2)',
      '2|1|globals|0,1,2 203 (wrapped by VU 2)',
    ]);
  });

  it('names the frames of functions assigned to members and of callbacks as V8 does with one thread per VU', async () => {
    const observed = await differential(`import http from 'k6/http';
const base = __ENV.BASE;
// Frames of functions the transform rewrote, called from a getter (their synchronous copies) and by a
// native sort.
function Counter() { this.n = 0; }
Counter.prototype.inc = function () {
  throw new Error('inc');
};
const api = {};
api.sync = function () { throw new Error('api.sync'); };
// A named function stored under another key: V8 shows 'Object.doLogin [as login]'.
function doLogin() {
  http.get(\`\${base}/ok\`);
  throw new Error('login failed');
}
const client = { login: doLogin };
const o = { get viaGetter() { return new Counter().inc(); }, get viaGetter2() { return api.sync(); } };
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 5 } } };
export default function () {
  http.get(\`\${base}/ok\`);
  if (__ITER === 0) o.viaGetter;
  if (__ITER === 1) o.viaGetter2;
  if (__ITER === 2) [2, 1].sort(() => api.sync());
  if (__ITER === 4) client.login();
  if (__ITER === 3) console.log(\`1|3|names|\${api.sync.name}|\${Counter.prototype.inc.name}|\${typeof (api.x = function () {})}\`);
}
`);
    assert.equal(observed.errors.length, 4, observed.errors.join('\n'));
    // V8 writes 'Object.doLogin [as login]' with one thread per VU; the shared mode's twin cannot show it
    // in strict code (runtime/script-stack.ts), and k6 never writes it: both leave it out.
    assert.ok(
      observed.errors.some((e) => e.includes('at Object.doLogin (file:///')),
      observed.errors.join('\n'),
    );
    assert.ok(
      observed.errors.every((e) => !e.includes(' [as ')),
      observed.errors.join('\n'),
    );
    // The sort callback has no name: V8 had named its copy after the transform's next assignment.
    assert.ok(
      observed.errors.every((e) => !e.includes('__k6')),
      observed.errors.join('\n'),
    );
    assert.ok(
      observed.errors.some((e) => e.includes('at Counter.inc (file:///')),
      observed.errors.join('\n'),
    );
  });

  it('reports an init error the same way', async () => {
    const observed = await differential(`import http from 'k6/http';
// A VU that fails in its init: the error and its stack, in a function the init context calls (its synchronous copy).
function loadUsers(n) {
  const users = [];
  for (let i = 0; i < n; i++) users.push('u' + i);
  if (__VU === 2) {
    throw new Error('cannot load users for VU ' + __VU);
  }
  return users;
}
const users = loadUsers(3);
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } } };
export default function () {
  http.get(\`\${__ENV.BASE}/ok?u=\${users[0]}\`);
}
`);
    assert.equal(observed.code, 107);
    assert.match(observed.failure, /cannot load users for VU 2\n\tat loadUsers \(file:\/\/\/.*script\.js:7:11\)/);
  });

  it('runs strict code in both modes, as k6 runs an ES module', async () => {
    // Each case was silent before (sloppy code): a global i, this the global object (the VUs of a shared
    // thread shared one token), a lost write, arguments.callee. In k6 each throws.
    const observed = await differential(`import http from 'k6/http';
${CASES}function Client(name) { this.token = name + '-' + __VU; return this; }
const topThis = this;
const frozen = Object.freeze({ a: 1 });
const cases = {
  undeclaredAssignment: () => { for (i = 0; i < 2; i++) st('u'); return 'no error'; },
  thisWriterWithoutNew: () => { const c = Client('t'); st('tw'); return c.token; },
  thisWriterWithNew: () => new Client('n').token,
  readOnlyWrite: () => { frozen.a = 2; return frozen.a; },
  calleeAccess: () => (function () { return typeof arguments.callee; })(),
  topLevelThis: () => String(topThis),
  functionThis: () => (function () { return String(this); })(),
};
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };
export default function () {
  http.get(\`\${base}/ok\`);
  console.log(\`\${__VU}|\${__ITER}|defaultThis|\${this === undefined}\`);
  runCases(cases);
  if (__VU === 2) undeclaredCounter = 1;
}
`);
    const r = results(observed);
    assert.equal(r.undeclaredAssignment, 'threw ReferenceError: i is not defined');
    assert.equal(r.thisWriterWithoutNew, "threw TypeError: Cannot set properties of undefined (setting 'token')");
    assert.equal(r.thisWriterWithNew, 'ok \\"n-1\\"');
    assert.equal(r.readOnlyWrite, "threw TypeError: Cannot assign to read only property 'a' of object '#<Object>'");
    assert.match(
      r.calleeAccess,
      /^threw TypeError: 'caller', 'callee', and 'arguments' properties may not be accessed/,
    );
    assert.equal(r.topLevelThis, 'ok \\"undefined\\"');
    assert.equal(r.functionThis, 'ok \\"undefined\\"');
    assert.deepEqual(
      observed.console['2'].filter((l) => l.includes('defaultThis')),
      ['2|0|defaultThis|true'],
    );
    // An uncaught one ends the iteration with k6's "ReferenceError: NAME is not defined" and its frame.
    assert.equal(observed.errors.length, 1, observed.errors.join('\n'));
    assert.match(
      observed.errors[0],
      /msg="ReferenceError: undeclaredCounter is not defined\\n\\tat default \(file:\/\/\/[^)]*script\.js:\d+:\d+\)"/,
    );
  });

  it('lets a script assign __VU, __ITER, __ENV and open, which k6 sets as plain globals', async () => {
    // With one thread per VU, __VU and __ITER were getters: assigning them threw in strict code.
    const observed = await differential(`import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default function () {
  const before = __ITER;
  __ITER = 'i' + __ITER;
  __VU = __VU * 10;
  __ENV = { EXTRA: 'e' + exec.vu.idInTest };
  open = () => 'mine';
  console.log(\`\${exec.vu.idInTest}|\${before}|assign|\${__ITER} \${__VU} \${__ENV.EXTRA} \${open()}\`);
}
`);
    assert.deepEqual(observed.console['2'], ['2|0|assign|i0 20 e2 mine', '2|1|assign|i1 200 e2 mine']);
    assert.deepEqual(observed.errors, []);
  });

  it('runs a CommonJS file as sloppy code, as k6 does, with one thread per VU', async () => {
    // k6 wraps a file without import or export in a sloppy function: an old library's implicit global and a
    // plain call's this (the global object) work there, where strict code would throw.
    const observed = await differential(
      `import legacy from './legacy.js';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default function () {
  console.log(\`\${__VU}|\${__ITER}|cjs|\${legacy.rootIsExports} \${legacy.tally()} \${legacy.plainThis()}\`);
}
`,
      {
        'legacy.js': `var root = this;
function tally() { total = (typeof total === 'number' ? total : 0) + 1; return total; }
module.exports = { rootIsExports: root === module.exports, tally: tally, plainThis: function () { return typeof this; } };
`,
      },
      'it bundles legacy.js, CommonJS that runs as sloppy code, as in k6',
    );
    assert.deepEqual(observed.console['2'], ['2|0|cjs|true 1 object', '2|1|cjs|true 2 object']);
    assert.deepEqual(observed.errors, []);
  });

  it('runs a script whose objects have a then method with one thread per VU, and says why', async () => {
    // Returned from a twin (an async function), the object was taken for a promise: its then ran and the
    // call gave 'resolved' (and a then that never calls back left the VU waiting for ever).
    const observed = await differential(
      `import http from 'k6/http';
const base = __ENV.BASE;
// A fluent object whose then calls back at once.
const fluent = { value: 1, then(resolve) { this.value++; resolve('resolved'); } };
const make = () => fluent;
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } };
export default function () {
  http.get(\`\${base}/ok\`);
  const r = make();
  console.log(\`1|0|thenable|\${JSON.stringify(r)} \${r === fluent ? 1 : 0}\`);
}
`,
      {},
      'it defines a then method (an object with one would be taken for a promise)',
    );
    assert.deepEqual(observed.console['1'], ['1|0|thenable|{\\"value\\":1} 1']);
  });
});

describe('the async VU transform and what a thread of VUs cannot keep apart', () => {
  for (const [code, reason] of [
    // Names the global object has: assigned without a declaration, they are written there.
    [
      'structuredClone = (x) => x;',
      'it assigns structuredClone without declaring it, a global the VUs of a thread would share',
    ],
    [
      'function f() { [a, atob] = [1, 2]; } let a;',
      'it assigns atob without declaring it, a global the VUs of a thread would share',
    ],
    ['for (toString in {}) {}', 'it assigns toString without declaring it, a global the VUs of a thread would share'],
    ['console.log = () => {};', 'it changes the built-in console, which the VUs of a thread share'],
    ['Array.prototype.sum = function () {};', 'it changes the built-in Array, which the VUs of a thread share'],
    ['JSON.count++;', 'it changes the built-in JSON, which the VUs of a thread share'],
    ['delete Date.now;', 'it changes the built-in Date, which the VUs of a thread share'],
    [
      "Object.defineProperty(String.prototype, 'x', {});",
      'it changes the built-in String, which the VUs of a thread share',
    ],
    ['Object.assign(console, {});', 'it changes the built-in console, which the VUs of a thread share'],
    [
      '[].__proto__.x = 1;',
      'it changes an object through __proto__, maybe a built-in prototype the VUs of a thread share',
    ],
    // A twin is an async function: what it returns is asked for `then` (a proxy's get trap runs, a revoked
    // one threw), and a call site's instanceof asked a proxy for its prototype.
    ['const p = new Proxy({}, {});', 'it uses Proxy'],
    [
      'const o = { then(resolve) { resolve(1); } };',
      'it defines a then method (an object with one would be taken for a promise)',
    ],
    ["class Q { ['then']() {} }", 'it defines a then method (an object with one would be taken for a promise)'],
    ["o['then'] = f;", 'it uses .then'],
    [
      "Object.defineProperty(o, 'then', { value: f });",
      'it defines a then method (an object with one would be taken for a promise)',
    ],
    // Set while the function runs: its twin runs instead (isolated gives 'outer' and 2, shared gave null).
    ['function inner() { return inner.caller; }', 'it uses .caller'],
    ['function f(a) { return f.arguments.length; }', 'it uses .arguments'],
  ] as const)
    it(`refuses \`${code}\``, () => {
      const t = asyncVuTransform(code);
      assert.equal(t.ok ? 'accepted' : t.reason, reason);
    });

  it('accepts declared names, objects of its own and Math (each VU has its own)', () => {
    const code = [
      // Undeclared names the global object does not have, and this written in a function called without
      // new: strict code throws for both in either mode.
      'for (u = 0; u < 3; u++) {} function Client(n) { this.token = n; return this; } const c = Client(1);',
      'let i; for (i = 0; i < 3; i++) {}',
      'var j; j = 1; const o = {}; o.x = 1; o.y++; delete o.x;',
      'function C() {} C.prototype.inc = function () {}; Object.assign(o, {}); Object.defineProperty(o, "z", {});',
      'try {} catch (e) { e = 1; } ({ a: i, ...j } = {}); Math.random = () => 0.5; module.exports = {}; exports.x = 1;',
      // Called with new, or checking how it was called.
      'function P(x) { this.x = x; } new P(1); function Q() { if (!new.target) return "no"; this.q = 1; } Q();',
      'function R() { if (!(this instanceof R)) return new R(); this.r = 1; } R();',
    ].join('\n');
    const t = asyncVuTransform(code);
    assert.equal(t.ok ? 'accepted' : t.reason, 'accepted');
  });
});
