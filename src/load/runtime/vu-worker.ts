// Entry of a VU worker thread. It is bundled by esbuild (script/worker-source.ts) and
// started with `eval: true`, so it needs no TypeScript loader in the worker.
import { dirname } from 'node:path';
import { runInThisContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { EventLoop } from './event-loop.ts';
import { initOpen } from './init-open.ts';
import { formatConsole } from './format-console.ts';
import { commonJsRunner } from './common-js-module.ts';
import { createK6Core } from './k6-core.ts';
import { createK6Crypto } from './k6-crypto.ts';
import { createK6Data } from './k6-data.ts';
import { createK6Encoding } from './k6-encoding.ts';
import { createK6Execution } from './k6-execution.ts';
import { createK6ExperimentalCsv } from './k6-experimental-csv.ts';
import { createK6ExperimentalFs } from './k6-experimental-fs.ts';
import { createK6ExperimentalStreams } from './k6-experimental-streams.ts';
import { createK6Html } from './k6-html.ts';
import { createK6Http } from './k6-http.ts';
import { createK6Metrics } from './k6-metrics.ts';
import { createK6Redis } from './k6-redis.ts';
import { createK6Summary } from './k6-summary.ts';
import { createK6Websockets } from './k6-websockets.ts';
import { createK6Ws } from './k6-ws.ts';
import { parseDuration } from '../options/parse-duration.ts';
import { moduleFunctionHead } from '../script/module-function.ts';
import { CELL_STATE, RUN, type MainToWorker, type WorkerBoot } from './protocol.ts';
import { ScriptStack } from './script-stack.ts';
import { AbortTestSignal, InterruptSignal } from './signals.ts';
import { VuState } from './vu-state.ts';
import { patchWebCrypto } from './web-crypto.ts';

type ScriptFn = (arg?: unknown) => unknown;

const boot = workerData as WorkerBoot;
const state = new VuState(boot);
const scriptDir = dirname(boot.scriptPath);
const nodeSetInterval = globalThis.setInterval;
const loop = new EventLoop();
state.loop = loop;
// The bundle runs inside a one-line wrapper (below), hence lineOffset 1.
const stack = new ScriptStack({
  file: boot.scriptPath,
  lineOffset: 1,
  sourceMap: boot.sourceMap,
  dir: scriptDir,
  insertions: boot.insertions,
});
const k6Timers = {
  setTimeout: loop.setTimeout,
  clearTimeout: loop.clearTimeout,
  setInterval: loop.setInterval,
  clearInterval: loop.clearInterval,
};

const modules: Record<string, unknown> = {
  k6: createK6Core(state),
  'k6/http': createK6Http(state),
  'k6/html': createK6Html(),
  'k6/metrics': createK6Metrics(state),
  'k6/execution': createK6Execution(state),
  'k6/data': createK6Data(state),
  'k6/timers': k6Timers,
  'k6/encoding': createK6Encoding(),
  'k6/crypto': createK6Crypto(),
  'k6/experimental/fs': createK6ExperimentalFs(scriptDir, state),
  'k6/experimental/csv': createK6ExperimentalCsv(),
  'k6/experimental/streams': createK6ExperimentalStreams(),
  'k6/ws': createK6Ws(state),
  'k6/websockets': createK6Websockets(state),
  'k6/experimental/websockets': createK6Websockets(state),
  'k6/experimental/redis': createK6Redis(state),
  'k6-summary': createK6Summary(),
  commonjs: commonJsRunner(stack),
};

const env: Record<string, string> = { ...boot.env };
const g = globalThis as Record<string, unknown>;
g.__ENV = env;
// k6 sets __VU once per VU and __ITER at each iteration as plain globals (internal/js/bundle.go, runner.go):
// a script may assign them, and in strict code an assignment to a getter-only global would throw. A value
// the script gives __ITER lasts until the next iteration.
g.__VU = boot.vuId;
let iterSet: { iter: number; value: unknown } | undefined;
Object.defineProperty(g, '__ITER', {
  get: () => (iterSet?.iter === state.iter ? iterSet.value : state.iter),
  set: (value: unknown) => {
    iterSet = { iter: state.iter, value };
  },
  configurable: true,
});
// VU 0's init runs first, as k6's first (options) init: the one k6 prints open()'s deprecation warning in.
g.open = initOpen(scriptDir, state, stack, (message) => {
  if (boot.vuId === 0) state.post({ t: 'log', level: 'warn', message });
});
// The script's timers belong to its event loop: an iteration waits for them, as in k6.
Object.assign(g, k6Timers);
patchWebCrypto(globalThis);
for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
  const mapped = level === 'log' ? 'info' : level;
  console[level] = (...args: unknown[]) =>
    state.post({ t: 'log', level: mapped, message: formatConsole(args), fields: { source: 'console' } });
}
// Samples recorded by async code reach the engine even while the iteration waits (see VuState.flushIfDue).
nodeSetInterval(() => state.flushIfDue(), 200).unref();

/** k6's "Uncaught (in promise)" error: a rejection nobody handled ends the call that caused it. */
class UncaughtRejection {
  constructor(readonly reason: unknown) {}
}
process.on('unhandledRejection', (reason) => loop.fail(new UncaughtRejection(reason)));
process.on('uncaughtException', (error) => loop.fail(error));

const describe = (e: unknown): string =>
  e instanceof UncaughtRejection ? `Uncaught (in promise) ${stack.describe(e.reason)}` : stack.describe(e);

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null &&
  (typeof v === 'object' || typeof v === 'function') &&
  typeof (v as PromiseLike<unknown>).then === 'function';

/** Runs fn to its end as k6 does: its promise, and every timer and async operation it started. */
async function runToEnd(fn: ScriptFn, arg: unknown): Promise<unknown> {
  loop.reset();
  try {
    const value = fn(arg);
    if (!isThenable(value)) {
      await loop.settle();
      return value;
    }
    const settled = Promise.resolve(value);
    await loop.settle(settled);
    return await settled;
  } finally {
    loop.reset();
  }
}

let exported: Record<string, unknown> = {};

/**
 * Runs the init context. The bundle is an ES module turned into the body of an async function
 * (script/bundle-script.ts), so top-level `await` works as in k6; init ends when that function and every timer and
 * promise it started have settled. The main thread sends nothing before 'ready'.
 */
async function init(): Promise<void> {
  try {
    const wrapper = runInThisContext(`(${moduleFunctionHead()}\n${boot.code}\n})`, {
      filename: boot.scriptPath,
    }) as (
      m: { exports: Record<string, unknown> },
      e: Record<string, unknown>,
      r: (n: string) => unknown,
      t: (v: unknown) => unknown,
    ) => Promise<void>;
    const mod = { exports: {} as Record<string, unknown> };
    await runToEnd(() => wrapper(mod, mod.exports, (name) => modules[name], stack.recordThrow), undefined);
    exported = mod.exports;
    state.inInit = false;
    const options = exported.options === undefined ? {} : JSON.parse(JSON.stringify(exported.options));
    const fns = Object.keys(exported).filter((k) => typeof exported[k] === 'function');
    state.post({ t: 'ready', options, exports: fns });
  } catch (e) {
    state.post({ t: 'init-error', message: describe(e) });
  }
}
void init();

const dataCache = new Map<string, unknown>();
let currentScenario = '';

function enterScenario(msg: Extract<MainToWorker, { t: 'loop' }>): void {
  state.globalTags = msg.globalTags;
  state.options = msg.options;
  if (msg.data !== undefined) dataCache.set(msg.scenario.name, JSON.parse(msg.data));
  if (currentScenario !== msg.scenario.name) {
    currentScenario = msg.scenario.name;
    state.iter = 0;
    // Scenario env vars are visible through __ENV while the scenario runs, as in k6.
    for (const k of Object.keys(env)) delete env[k];
    Object.assign(env, boot.env, msg.scenario.env);
  }
  state.scenario = msg.scenario;
}

/** Runs one iteration; returns false when the loop must end (interrupt or test abort). */
async function iterate(fn: ScriptFn, data: unknown): Promise<boolean> {
  state.groupPath = '';
  const start = performance.now();
  try {
    await runToEnd(fn, data);
  } catch (e) {
    if (!state.iterationThrew(e, describe)) return false;
  }
  state.iterationEnded(start);
  // minIterationDuration: a shorter iteration is followed by a sleep for the rest of it (interruptible).
  // https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#minimum-iteration-duration
  const left = minIterationMs - (performance.now() - start);
  if (left > 0) {
    try {
      state.sleep(left / 1000);
    } catch (e) {
      if (!(e instanceof InterruptSignal)) throw e;
    }
  }
  return !state.interrupted();
}

let minIterationMs = 0;

async function runLoop(msg: Extract<MainToWorker, { t: 'loop' }>): Promise<void> {
  enterScenario(msg);
  minIterationMs = parseDuration(state.options.minIterationDuration ?? 0) ?? 0;
  const fn = exported[msg.scenario.exec] as ScriptFn;
  const data = dataCache.get(msg.scenario.name);
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
    if (!(await iterate(fn, data))) {
      interrupted = true;
      break;
    }
  }
  state.flush();
  state.post({ t: 'idle', iterations: n, interrupted });
}

async function call(msg: Extract<MainToWorker, { t: 'call' }>): Promise<void> {
  state.globalTags = msg.globalTags;
  state.options = msg.options;
  state.scenario = undefined;
  state.groupPath = '';
  const fn = exported[msg.fn] as ScriptFn | undefined;
  try {
    const arg = msg.arg === undefined ? undefined : JSON.parse(msg.arg);
    const value = fn ? await runToEnd(fn, arg) : undefined;
    state.flush();
    // setup() data is JSON-copied to every VU and to teardown(), exactly as k6 does.
    const out = msg.fn === 'setup' ? (value === undefined ? undefined : JSON.stringify(value)) : value;
    state.post({ t: 'result', ok: true, value: out });
  } catch (e) {
    state.flush();
    state.post({
      t: 'result',
      ok: false,
      message: e instanceof AbortTestSignal ? `aborted: ${e.message}` : describe(e),
    });
  }
}

parentPort?.on('message', (msg: MainToWorker) => {
  if (msg.t === 'interrupt') loop.interrupt();
  else void (msg.t === 'loop' ? runLoop(msg) : call(msg));
});
