import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { realClock, type Clock } from './executors/clock.ts';
import { runExecutor } from './executors/run-executor.ts';
import { HttpEngine } from './http/http-engine.ts';
import { LOAD_EXIT, LoadError } from './load-error.ts';
import { BUILTIN_METRICS } from './metrics/builtin-metrics.ts';
import { MetricEngine, type Metric } from './metrics/metric-engine.ts';
import type { Tags } from './metrics/metric-types.ts';
import { resolveOptions, type CliOverrides, type RunOptions } from './options/resolve-options.ts';
import type { ScenarioConfig } from './options/scenario-config.ts';
import { HtmlOutput } from './output/html-output.ts';
import { JsonOutput } from './output/json-output.ts';
import { ProgressReporter, type ScenarioProgress } from './progress/progress-reporter.ts';
import { GLOBAL_CELLS, type SampleTuple } from './runtime/protocol.ts';
import { bundleScript } from './script/bundle-script.ts';
import { workerSource } from './script/worker-source.ts';
import { buildSummary } from './summary/build-summary.ts';
import { CheckRecorder } from './summary/check-recorder.ts';
import type { SummaryData } from './summary/summary-data.ts';
import { summaryExport } from './summary/summary-export.ts';
import { textSummary } from './summary/text-summary.ts';
import { ThresholdSet } from './thresholds/threshold-set.ts';
import { VuPool } from './vu/vu-pool.ts';
import { WorkerVu, type VuHost } from './vu/worker-vu.ts';

type Out = Writable & { isTTY?: boolean };

export interface LoadRunInput {
  script: string;
  /** -e KEY=VALUE pairs; they win over the process environment in __ENV. */
  env?: Record<string, string>;
  cli?: CliOverrides;
  summaryExport?: string;
  jsonOut?: string;
  htmlOut?: string;
  quiet?: boolean;
  stdout: Out;
  stderr: Out;
  processEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborts the run from outside (Ctrl-C): k6's exit 105. */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface LoadRunResult {
  exitCode: number;
  summary: SummaryData;
  /** Threshold keys and expressions that failed, e.g. "http_req_duration: p(95)<500". */
  failedThresholds: string[];
  abortReason?: string;
}

const THRESHOLD_EVAL_MS = 2000;
const MAX_ERROR_LOGS = 50;

/** How many VUs a scenario needs before it starts (k6 initializes them up front). */
function plannedVus(s: ScenarioConfig): number {
  switch (s.executor) {
    case 'ramping-vus':
      return Math.max(s.startVUs, ...s.stages.map((st) => st.target));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return s.preAllocatedVUs;
    default:
      return s.vus;
  }
}

function plannedMs(s: ScenarioConfig): number {
  if ('duration' in s) return s.duration;
  if ('stages' in s) return s.stages.reduce((sum, st) => sum + st.duration, 0);
  return s.maxDuration;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Runs a k6 script: init (VU 0) → options → setup → scenarios → teardown → summary.
 * Throws LoadError for script and option errors; otherwise resolves with k6's exit code.
 */
export async function runLoad(input: LoadRunInput): Promise<LoadRunResult> {
  const cwd = input.cwd ?? process.cwd();
  const scriptPath = resolve(cwd, input.script);
  if (!existsSync(scriptPath)) throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script not found: ${input.script}`);
  const [script, code] = await Promise.all([bundleScript(scriptPath), workerSource()]);
  const clock = input.clock ?? realClock;

  const engine = new MetricEngine();
  for (const [name, type, contains] of BUILTIN_METRICS) engine.define(name, type, contains);
  const metric = (name: string) => engine.metrics.get(name) as Metric;

  const stopRun = new AbortController();
  let abortReason: string | undefined;
  let abortExit: number = LOAD_EXIT.scriptAborted;
  let fatal: Error | undefined;
  const abort = (reason: string, exit: number) => {
    if (stopRun.signal.aborted) return;
    abortReason = reason;
    abortExit = exit;
    stopRun.abort();
  };
  input.signal?.addEventListener('abort', () => abort('interrupted by signal', 105), { once: true });

  let http: HttpEngine | undefined;
  const started = Date.now();
  let errorLogs = 0;
  const log = (level: string, message: string) => {
    const tag = level === 'error' ? 'ERRO' : level === 'warn' ? 'WARN' : level === 'debug' ? 'DEBU' : 'INFO';
    const secs = String(Math.floor((Date.now() - started) / 1000)).padStart(4, '0');
    input.stderr.write(`${tag}[${secs}] ${message}\n`);
  };
  const host: VuHost = {
    request: (req) => (http as HttpEngine).execute(req),
    samples(tuples: SampleTuple[]) {
      for (const [name, value, tags, time] of tuples) {
        const m = engine.metrics.get(name);
        if (m) engine.add(m, value, tags, time);
      }
    },
    metric(def) {
      engine.define(def.name, def.type, def.contains);
    },
    log(vuId, level, message) {
      if (level === 'error' && ++errorLogs > MAX_ERROR_LOGS) {
        if (errorLogs === MAX_ERROR_LOGS + 1)
          log('warn', `more than ${MAX_ERROR_LOGS} errors; further ones are not shown`);
        return;
      }
      log(level, level === 'error' ? `${message} vu=${vuId}` : `${message} source=console`);
    },
    abort: (reason) => abort(reason, LOAD_EXIT.scriptAborted),
    crash(vuId, error) {
      fatal ??= new LoadError('TENANTOPS_E_LOAD_SCRIPT', `VU ${vuId} crashed: ${error.message}`, { cause: error });
      abort(`VU ${vuId} crashed`, LOAD_EXIT.scriptError);
    },
  };

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.processEnv ?? process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, input.env);
  const global = new SharedArrayBuffer(4 * GLOBAL_CELLS);
  const vu0 = new WorkerVu(0, code, { script, scriptPath, env, global, testStart: started }, host);
  let pool: VuPool | undefined;
  try {
    let ready;
    try {
      ready = await vu0.ready;
    } catch (e) {
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script error in the init context: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const opts: RunOptions = resolveOptions(ready.options, input.cli ?? {}, ready.exports);
    engine.submetric('http_req_duration{expected_response:true}');
    const thresholds = new ThresholdSet(opts.thresholds, engine);
    http = new HttpEngine(engine);

    const checks = new CheckRecorder();
    engine.onSample(checks.listener);
    const json = input.jsonOut ? new JsonOutput(resolve(cwd, input.jsonOut)) : undefined;
    if (json) engine.onSample(json.listener);
    const html = input.htmlOut
      ? new HtmlOutput({
          path: resolve(cwd, input.htmlOut),
          script: input.script,
          scenarios: opts.scenarios,
          thresholds: thresholds.thresholds,
          // The origin of the log lines' INFO[0012] seconds too, so a log line and a chart point line up.
          start: started,
        })
      : undefined;
    if (html) engine.onSample(html.sample);

    const callCtx = { globalTags: opts.tags, options: opts.consolidated };
    let active = 0;
    let lastVusSample = 0;
    let vusPeak = 0;
    const gauge = (name: string, value: number) => engine.add(metric(name), value, { ...opts.tags }, Date.now());
    pool = new VuPool({
      code,
      script,
      scriptPath,
      env,
      global,
      testStart: started,
      host,
      globalTags: opts.tags,
      options: opts.consolidated,
      onActive: (n) => {
        active = n;
        // Between the 1 s ticks, record a new peak at once and other changes at most every 100 ms,
        // so short tests still show their VUs without a sample per arrival-rate iteration.
        const now = Date.now();
        if (n > vusPeak || now - lastVusSample >= 100) {
          vusPeak = Math.max(vusPeak, n);
          lastVusSample = now;
          gauge('vus', n);
        }
      },
    });
    try {
      await pool.grow(opts.scenarios.reduce((sum, s) => sum + plannedVus(s), 0));
    } catch (e) {
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script error while initializing VUs: ${(e as Error).message}`, {
        cause: e,
      });
    }

    // setup(): its data is JSON-copied to every VU and to teardown().
    const setup = await withTimeout(
      vu0.call({ t: 'call', fn: 'setup', ...callCtx }),
      opts.setupTimeout,
      () =>
        new LoadError(
          'TENANTOPS_E_LOAD_SETUP_TIMEOUT',
          `setup() did not finish within setupTimeout (${opts.setupTimeout} ms)`,
        ),
    );
    if (!setup.ok) {
      if (abortReason) return await finishAborted(abortReason);
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `setup() failed: ${setup.message}`);
    }
    const data = setup.value as string | undefined;

    const testStart = clock.now();
    const progress: ScenarioProgress[] = opts.scenarios.map((s) => ({
      name: s.name,
      executor: s.executor,
      plannedMs: plannedMs(s),
      plannedIterations:
        s.executor === 'shared-iterations'
          ? s.iterations
          : s.executor === 'per-vu-iterations'
            ? s.iterations * s.vus
            : 0,
      startedAt: undefined,
      finished: false,
      iterations: 0,
    }));
    const byName = new Map(progress.map((p) => [p.name, p]));
    engine.onSample((m, _v, tags) => {
      if (m.name === 'iterations') {
        const p = byName.get(tags.scenario ?? '');
        if (p) p.iterations++;
      }
    });
    const reporter = input.quiet ? undefined : new ProgressReporter(input.stderr, progress, () => active);
    reporter?.start();

    gauge('vus_max', pool.initialized);
    gauge('vus', 0);
    const ticker = setInterval(() => {
      gauge('vus', active);
      gauge('vus_max', (pool as VuPool).initialized);
    }, 1000);
    const evaluator = thresholds.hasAbortOnFail
      ? setInterval(() => {
          const elapsed = clock.now() - testStart;
          const verdict = thresholds.evaluate(elapsed, elapsed);
          if (verdict.abortBy)
            abort(
              `threshold ${verdict.abortBy.key}: '${verdict.abortBy.source}' crossed (abortOnFail)`,
              LOAD_EXIT.thresholdsFailed,
            );
        }, THRESHOLD_EVAL_MS)
      : undefined;

    await Promise.all(
      opts.scenarios.map(async (s) => {
        await clock.sleep(s.startTime, stopRun.signal);
        if (stopRun.signal.aborted) return;
        const p = byName.get(s.name) as ScenarioProgress;
        p.startedAt = clock.now();
        const info = {
          name: s.name,
          executor: s.executor,
          exec: s.exec,
          env: s.env,
          tags: s.tags,
          startTime: Date.now(),
          duration: plannedMs(s),
        };
        html?.scenarioStarted(s.name, info.startTime);
        const tags: Tags = { ...opts.tags, ...s.tags, scenario: s.name };
        await runExecutor(s, {
          clock,
          vus: (pool as VuPool).forScenario(info, data),
          signal: stopRun.signal,
          dropped: () => engine.add(metric('dropped_iterations'), 1, tags, Date.now()),
        });
        p.finished = true;
      }),
    );
    clearInterval(ticker);
    if (evaluator) clearInterval(evaluator);
    gauge('vus', 0);
    const durationMs = clock.now() - testStart;
    reporter?.stop();

    // k6 still runs teardown() after an abort from a VU or a threshold, but not after a crash.
    if (!fatal) {
      const teardown = await withTimeout(
        vu0.call({ t: 'call', fn: 'teardown', arg: data, ...callCtx }),
        opts.teardownTimeout,
        () =>
          new LoadError(
            'TENANTOPS_E_LOAD_TEARDOWN_TIMEOUT',
            `teardown() did not finish within teardownTimeout (${opts.teardownTimeout} ms)`,
          ),
      );
      if (!teardown.ok && !abortReason)
        throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `teardown() failed: ${teardown.message}`);
    }
    if (fatal) throw fatal;

    const verdict = thresholds.evaluate(durationMs);
    const summary = buildSummary({
      engine,
      thresholds,
      rootGroup: checks.root,
      trendStats: opts.summaryTrendStats,
      timeUnit: opts.summaryTimeUnit,
      durationMs,
      stdoutTTY: Boolean(input.stdout.isTTY),
      stderrTTY: Boolean(input.stderr.isTTY),
      setupData: data === undefined ? undefined : JSON.parse(data),
    });
    const exitCode = abortReason ? abortExit : verdict.failed.length ? LOAD_EXIT.thresholdsFailed : LOAD_EXIT.ok;
    if (abortReason) log('error', `test aborted: ${abortReason}`);

    await writeSummary(summary, ready.exports.includes('handleSummary'));
    if (input.summaryExport)
      await writeFile(resolve(cwd, input.summaryExport), `${JSON.stringify(summaryExport(summary), null, 2)}\n`);
    await html?.stop({ summary, exitCode, abortReason });
    await json?.close();
    return {
      exitCode,
      summary,
      failedThresholds: verdict.failed.map((t) => `${t.key}: ${t.source}`),
      abortReason,
    };
  } finally {
    await Promise.all([vu0.terminate(), pool?.close(), http?.close()]);
  }

  /** handleSummary() replaces the text summary; its result maps stdout, stderr and file paths to contents. */
  async function writeSummary(summary: SummaryData, custom: boolean): Promise<void> {
    if (custom) {
      const r = await vu0.call({
        t: 'call',
        fn: 'handleSummary',
        arg: JSON.stringify(summary),
        globalTags: {},
        options: {},
      });
      if (r.ok && r.value && typeof r.value === 'object') {
        for (const [target, content] of Object.entries(r.value as Record<string, unknown>)) {
          const body = content instanceof ArrayBuffer ? Buffer.from(content) : String(content);
          if (target === 'stdout') input.stdout.write(body);
          else if (target === 'stderr') input.stderr.write(body);
          else await writeFile(resolve(cwd, target), body);
        }
        return;
      }
      if (!r.ok) log('error', `handleSummary() failed: ${r.message}; printing the default summary`);
      else return;
    }
    input.stdout.write(textSummary(summary, { indent: ' ', enableColors: Boolean(input.stdout.isTTY) }));
  }

  async function finishAborted(reason: string): Promise<LoadRunResult> {
    log('error', `test aborted in setup(): ${reason}`);
    const summary = buildSummary({
      engine,
      thresholds: new ThresholdSet(undefined, engine),
      rootGroup: new CheckRecorder().root,
      trendStats: [],
      timeUnit: '',
      durationMs: 0,
      stdoutTTY: false,
      stderrTTY: false,
    });
    return { exitCode: abortExit, summary, failedThresholds: [], abortReason: reason };
  }
}
