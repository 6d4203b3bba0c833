// Entry of a thread that runs several VUs (the "shared" VU mode). Bundled like vu-worker.ts
// (script/worker-source.ts). The script arrives transformed by script/async-vu-transform.ts: each VU
// runs its own instance of the module (its own init context and module state), and a VU that waits
// for a response or a sleep lets the thread's other VUs run meanwhile.
import { dirname } from 'node:path';
import { runInThisContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { parseDuration } from '../options/parse-duration.ts';
import { moduleFunctionHead } from '../script/module-function.ts';
import { callAsync, collectArgs, installBuiltinForms, pairTwin, Pending } from './async-calls.ts';
import { formatConsole } from './format-console.ts';
import { initOpen } from './init-open.ts';
import { fullGc } from './full-gc.ts';
import { commonJsRunner } from './common-js-module.ts';
import { createK6Core } from './k6-core.ts';
import { createK6Crypto } from './k6-crypto.ts';
import { createK6Data } from './k6-data.ts';
import { createK6Encoding } from './k6-encoding.ts';
import { createK6Execution } from './k6-execution.ts';
import { createK6Html } from './k6-html.ts';
import { createK6Http } from './k6-http.ts';
import { createK6Metrics } from './k6-metrics.ts';
import { createK6Summary } from './k6-summary.ts';
import { CELL_STATE, RUN, type SharedMainToWorker, type SharedWorkerBoot, type WorkerToMain } from './protocol.ts';
import { ScriptStack } from './script-stack.ts';
import { InterruptSignal } from './signals.ts';
import { flushThreadSamples, recordThreadSample, recordThreadSamples, useThreadHttp, VuState } from './vu-state.ts';
import { HttpEngine } from '../http/http-engine.ts';
import { patchWebCrypto } from './web-crypto.ts';

type ScriptFn = (arg?: unknown) => unknown;
type LoopMessage = Extract<SharedMainToWorker, { t: 'loop' }>;

const boot = workerData as SharedWorkerBoot;
const scriptDir = dirname(boot.scriptPath);
const post = (m: WorkerToMain & { vu?: number }) => parentPort?.postMessage(m);

installBuiltinForms();
patchWebCrypto(globalThis);
for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
  const mapped = level === 'log' ? 'info' : level;
  console[level] = (...args: unknown[]) =>
    post({ t: 'log', level: mapped, message: formatConsole(args), fields: { source: 'console' } });
}

const stack = new ScriptStack({
  file: boot.scriptPath,
  lineOffset: 1,
  sourceMap: boot.sourceMap,
  dir: scriptDir,
  insertions: boot.insertions,
  outerInsertions: boot.asyncInsertions,
});

// This thread runs its own HTTP engine for the requests its VUs await (no hop through the main
// thread); a request made from code that must block still goes to the main thread's engine.
// Samples leave every 200 ms even while every VU waits.
useThreadHttp((req) => http.execute(req));
const http = new HttpEngine({ add: recordThreadSample, addMany: recordThreadSamples });
setInterval(flushThreadSamples, 200).unref();

// Scripts of this mode start no promises of their own (the transform refuses them), so a rejection
// nobody handled is the runtime's: it is logged, not pinned on a VU.
process.on('unhandledRejection', (reason) =>
  post({ t: 'log', level: 'error', message: `Uncaught (in promise) ${stack.describe(reason)}` }),
);

interface VuScope {
  id: number;
  env: Record<string, string>;
  open: (path: string, mode?: string) => string | ArrayBuffer;
  Math: Math;
  setIter: (n: number) => void;
}
type ModuleFn = (
  m: { exports: Record<string, unknown> },
  e: Record<string, unknown>,
  r: (n: string) => unknown,
  t: (v: unknown) => unknown,
) => Promise<void>;

/**
 * One factory per thread, compiled once: every VU calls it for its own module instance, so the
 * JIT's feedback is shared by all the VUs of the thread. The per-VU globals (__VU, __ITER, __ENV,
 * open, Math for randomSeed) are bindings of the factory's scope, assignable as k6's globals are; the header
 * stays on one line.
 */
const factory = runInThisContext(
  `(function (__k6_vu, __k6_c, __k6_A, __k6_W, __k6_twin) { let __k6_t, __k6_o; let __VU = __k6_vu.id, __ENV = __k6_vu.env, open = __k6_vu.open, Math = __k6_vu.Math, __ITER = 0; __k6_vu.setIter = (n) => { __ITER = n; }; return ${moduleFunctionHead()}\n${boot.code}\n}; })`,
  { filename: boot.scriptPath },
) as (vu: VuScope, c: typeof callAsync, a: typeof collectArgs, w: typeof Pending, twin: typeof pairTwin) => ModuleFn;

class SharedVu {
  readonly state: VuState;
  readonly scope: VuScope;
  exported: Record<string, unknown> = {};
  private readonly dataCache = new Map<string, unknown>();
  private currentScenario = '';
  private minIterationMs = 0;

  constructor(
    readonly id: number,
    control: SharedArrayBuffer,
  ) {
    this.state = new VuState({ ...boot, vuId: id, control }, true);
    const state = this.state;
    // A copy of Math with the same own properties (not an empty object inheriting them), so that
    // Object.keys(Math) and getOwnPropertyNames(Math) are what they are with one thread per VU, and a
    // seeded random stays non-enumerable.
    const math = Object.create(Object.getPrototypeOf(Math), Object.getOwnPropertyDescriptors(Math)) as Math;
    this.scope = {
      id,
      env: { ...boot.env },
      Math: math,
      setIter: () => undefined,
      open: initOpen(scriptDir, state, stack, (message) => {
        if (id === 0) state.post({ t: 'log', level: 'warn', message });
      }),
    };
    const modules: Record<string, unknown> = {
      k6: createK6Core(state, math),
      'k6/http': createK6Http(state),
      'k6/html': createK6Html(),
      'k6/metrics': createK6Metrics(state),
      'k6/execution': createK6Execution(state),
      'k6/data': createK6Data(state),
      'k6/encoding': createK6Encoding(),
      'k6/crypto': createK6Crypto(),
      'k6-summary': createK6Summary(),
      commonjs: commonJsRunner(stack),
    };
    this.modules = modules;
  }

  private readonly modules: Record<string, unknown>;

  async init(): Promise<void> {
    try {
      const run = factory(this.scope, callAsync, collectArgs, Pending, pairTwin);
      const mod = { exports: {} as Record<string, unknown> };
      await run(mod, mod.exports, (name) => this.modules[name], stack.recordThrow);
      this.exported = mod.exports;
      this.state.inInit = false;
      const options = this.exported.options === undefined ? {} : JSON.parse(JSON.stringify(this.exported.options));
      const fns = Object.keys(this.exported).filter((k) => typeof this.exported[k] === 'function');
      this.state.post({ t: 'ready', options, exports: fns });
    } catch (e) {
      this.state.post({ t: 'init-error', message: stack.describe(e) });
    }
  }

  private enterScenario(msg: LoopMessage): void {
    const state = this.state;
    state.globalTags = msg.globalTags;
    state.options = msg.options;
    if (msg.data !== undefined) this.dataCache.set(msg.scenario.name, JSON.parse(msg.data));
    if (this.currentScenario !== msg.scenario.name) {
      this.currentScenario = msg.scenario.name;
      state.iter = 0;
      const env = this.scope.env;
      for (const k of Object.keys(env)) delete env[k];
      Object.assign(env, boot.env, msg.scenario.env);
    }
    state.scenario = msg.scenario;
  }

  /** As vu-worker.ts's iterate(), with the default function's twin awaited instead of blocking. */
  private async iterate(fn: ScriptFn, data: unknown): Promise<boolean> {
    const state = this.state;
    state.groupPath = '';
    const start = performance.now();
    try {
      this.scope.setIter(state.iter);
      const r = callAsync(undefined, fn, [data], 'the exported function');
      if (r instanceof Pending) await r.p;
    } catch (e) {
      if (!state.iterationThrew(e, (x) => stack.describe(x))) return false;
    }
    state.iterationEnded(start);
    const left = this.minIterationMs - (performance.now() - start);
    if (left > 0) {
      try {
        await state.sleepShared(left / 1000);
      } catch (e) {
        if (!(e instanceof InterruptSignal)) throw e;
      }
    }
    return !state.interrupted();
  }

  async runLoop(msg: LoopMessage): Promise<void> {
    const state = this.state;
    this.enterScenario(msg);
    this.minIterationMs = parseDuration(state.options.minIterationDuration ?? 0) ?? 0;
    const fn = this.exported[msg.scenario.exec] as ScriptFn;
    const data = this.dataCache.get(msg.scenario.name);
    const counter = new Int32Array(msg.counter);
    state.scenarioCounter = counter;
    const mode = msg.mode;
    let n = 0;
    let interrupted = false;
    for (;;) {
      if (Atomics.load(state.control, CELL_STATE) !== RUN) break;
      if ((mode.kind === 'count' && n >= mode.max) || (mode.kind === 'once' && n >= 1)) break;
      state.iterationInTest = Atomics.add(counter, 0, 1);
      if (mode.kind === 'shared' && state.iterationInTest >= mode.total) break;
      n++;
      if (!(await this.iterate(fn, data))) {
        interrupted = true;
        break;
      }
    }
    state.flush();
    state.post({ t: 'idle', iterations: n, interrupted });
  }
}

const vus = new Map<number, SharedVu>();

/**
 * VUs told to start together (a scenario's start: one 'loop' message each, delivered in one batch)
 * start one per turn of the event loop, not back to back in one task. Started in one task, every VU's
 * first request waited for all the others' first iterations (cold code, a new connection each), and
 * their responses then came back together, so the first waves of iterations queued behind one
 * another for the first half second and set the run's p99. A VU's iteration_duration counts from its
 * own start, so the few ms a start waits for its turn are not measured, as a goroutine's are not in k6.
 */
const starts: (() => void)[] = [];
function startNext(): void {
  const start = starts.shift();
  if (!start) return;
  collectInitGarbage();
  start();
  if (starts.length) setImmediate(startNext);
}

/**
 * Initialising the VUs (one module instance each, about 10 MB for 50 VUs here) leaves its garbage and
 * its survivors in the young generation; left there, the first scavenges of the run copy them while
 * iterations are in flight, and those pauses (5–15 ms, measured with --trace-gc) land in the first
 * second's iterations. One full collection before the first VU of the thread starts pays that once,
 * before any iteration is timed. Never while a VU of this thread runs: there it would stall them all.
 */
let initGarbage = false;
let running = 0;
function collectInitGarbage(): void {
  if (!initGarbage || running > 0) return;
  initGarbage = false;
  fullGc();
}
function startSoon(start: () => void): void {
  starts.push(start);
  if (starts.length === 1) setImmediate(startNext);
}

parentPort?.on('message', (msg: SharedMainToWorker) => {
  switch (msg.t) {
    case 'add': {
      const vu = new SharedVu(msg.vu, msg.control);
      vus.set(msg.vu, vu);
      initGarbage = true;
      void vu.init();
      return;
    }
    case 'loop': {
      const vu = vus.get(msg.vu);
      if (vu)
        startSoon(() => {
          running++;
          void vu.runLoop(msg).finally(() => running--);
        });
      return;
    }
    case 'interrupt':
      vus.get(msg.vu)?.state.interruptWaits();
      return;
    case 'remove':
      vus.delete(msg.vu);
      return;
  }
});
