import type { Clock } from '../executors/clock.ts';
import { plannedDuration } from '../executors/planned-duration.ts';
import { runExecutor } from '../executors/run-executor.ts';
import { LOAD_EXIT, LoadError } from '../load-error.ts';
import type { RunLogger } from '../log/run-logger.ts';
import type { Metric, MetricEngine } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { RunOptions } from '../options/resolve-options.ts';
import type { ScenarioConfig } from '../options/scenario-config.ts';
import type { Output } from '../output/output.ts';
import {
  GLOBAL_CELLS,
  GLOBAL_RUN_STARTED,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type MainToWorker,
} from '../runtime/protocol.ts';
import type { ThresholdSet } from '../thresholds/threshold-set.ts';
import { VuPool, type SharedVuConfig } from '../vu/vu-pool.ts';
import { WorkerVu, type VuHost, type VuReady } from '../vu/worker-vu.ts';
import type { Insertion } from '../script/mark-throw-sites.ts';

/** The bundled script as the VU workers receive it. */
export interface PreparedScript {
  path: string;
  code: string;
  sourceMap?: string;
  insertions?: Insertion[];
  /** The first file of the script k6 runs as CommonJS (sloppy code, outside the strict bundle): VUs get a thread each. */
  commonJs?: string;
}

export interface SchedulerConfig {
  clock: Clock;
  engine: MetricEngine;
  logger: RunLogger;
  /** The VU runtime (script/worker-source.ts). */
  workerCode: string;
  script: PreparedScript;
  env: Record<string, string>;
  /** Aborts the run from outside (Ctrl-C, SIGTERM): k6's exit 105. Its reason names the signal. */
  signal?: AbortSignal;
  /** Several VUs per thread (vu/vu-pool.ts); VU 0 (init, setup, teardown) keeps a thread of its own. */
  shared?: SharedVuConfig;
}

export interface RunPlan {
  options: RunOptions;
  thresholds: ThresholdSet;
  request(req: HttpRequestMessage): Promise<HttpResponseMessage>;
  outputs: readonly Output[];
}

export interface RunAbort {
  /** k6's message for the abort, logged at the end. */
  reason: string;
  exitCode: number;
}

export interface RunOutcome {
  /** setup()'s data as JSON, when it returned some. */
  setupData?: string;
  /** From the start of setup() to the end of teardown(): k6's test run duration. */
  durationMs: number;
  abort?: RunAbort;
  /** exec.test.fail() was called. */
  markedFailed: boolean;
}

/** k6 evaluates thresholds on this tick (internal/metrics/engine: thresholdsRate). */
export const THRESHOLD_EVAL_MS = 2000;
const GAUGE_TICK_MS = 1000;
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

/**
 * Owns a run's lifecycle, like k6's execution scheduler: VU 0 and its init context, the VU pool,
 * setup(), the scenarios' executors, teardown(), the threshold tick with its abortOnFail stop, the
 * vus/vus_max gauges, and every way a run stops early (exec.test.abort(), abortOnFail, a signal, a
 * crashed VU). Every time it reads comes from the injected clock.
 */
export class RunScheduler {
  private readonly stopRun = new AbortController();
  private abortState: RunAbort | undefined;
  private markedFailed = false;
  private fatal: LoadError | undefined;
  private request: RunPlan['request'] | undefined;
  private vu0: WorkerVu;
  private pool: VuPool | undefined;
  private readonly global = new SharedArrayBuffer(4 * GLOBAL_CELLS);
  private readonly startWall: number;
  private readonly host: VuHost;
  private errorLogs = 0;
  private inSetup = false;

  constructor(private readonly cfg: SchedulerConfig) {
    this.startWall = cfg.clock.wall();
    this.host = this.createHost();
    this.vu0 = this.newVu0();
    cfg.signal?.addEventListener(
      'abort',
      () => this.abort(signalMessage(cfg.signal?.reason), LOAD_EXIT.externalAbort),
      {
        once: true,
      },
    );
  }

  /** Runs the init context in VU 0: the script's options and exported functions, or LoadError (exit 107). */
  async init(): Promise<VuReady> {
    try {
      return await this.vu0.ready;
    } catch (e) {
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script error in the init context: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** setup(), the scenarios, teardown(). Throws LoadError for script errors and setup/teardown timeouts. */
  async run(plan: RunPlan): Promise<RunOutcome> {
    const { clock, engine } = this.cfg;
    const { options } = plan;
    this.request = plan.request;
    const metric = (name: string) => engine.metrics.get(name) as Metric;
    const gauge = (name: string, value: number) => engine.add(metric(name), value, { ...options.tags }, clock.wall());
    const callCtx = { globalTags: options.tags, options: options.consolidated };

    let active = 0;
    let vusPeak = 0;
    const pool = new VuPool({
      code: this.cfg.workerCode,
      script: this.cfg.script.code,
      scriptPath: this.cfg.script.path,
      sourceMap: this.cfg.script.sourceMap,
      insertions: this.cfg.script.insertions,
      env: this.cfg.env,
      global: this.global,
      testStart: this.startWall,
      host: this.host,
      clock,
      globalTags: options.tags,
      options: options.consolidated,
      shared: this.cfg.shared,
      onActive: (n) => {
        active = n;
        vusPeak = Math.max(vusPeak, n);
      },
    });
    this.pool = pool;
    try {
      await pool.grow(options.scenarios.reduce((sum, s) => sum + plannedVus(s), 0));
    } catch (e) {
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script error while initializing VUs: ${(e as Error).message}`, {
        cause: e,
      });
    }

    // k6 starts its test-run clock, and its threshold tick, before setup().
    const runStart = clock.now();
    Atomics.store(new Int32Array(this.global), GLOBAL_RUN_STARTED, Math.round(clock.wall() - this.startWall));
    const elapsed = () => clock.now() - runStart;
    for (const o of plan.outputs) o.start?.();
    const ticking = new AbortController();
    const every = async (ms: number, tick: () => void) => {
      for (;;) {
        await clock.sleep(ms, ticking.signal);
        if (ticking.signal.aborted) return;
        tick();
      }
    };
    gauge('vus_max', pool.initialized);
    // k6 samples vus only on its 1 s tick (internal/execution/scheduler.go emitVUsAndVUsMax), so a steady test's
    // summary reads e.g. vus 10 min=10 max=10; samples on every change (ramp-up, the end's 0) would show min=0.
    let vusTicks = 0;
    const tickers = [
      every(GAUGE_TICK_MS, () => {
        vusTicks++;
        gauge('vus', active);
        gauge('vus_max', pool.initialized);
      }),
      every(THRESHOLD_EVAL_MS, () => this.checkThresholds(plan.thresholds, elapsed())),
    ];
    const stopTickers = async () => {
      ticking.abort();
      await Promise.all(tickers);
    };

    // noSetup / noTeardown skip those calls, as in k6. https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#no-setup
    const { noSetup, noTeardown } = options.consolidated;
    this.inSetup = true;
    const setup =
      noSetup === true
        ? ({ ok: true, value: undefined } as const)
        : await this.callWithTimeout(
            { t: 'call', fn: 'setup', ...callCtx },
            options.setupTimeout,
            () =>
              new LoadError(
                'TENANTOPS_E_LOAD_SETUP_TIMEOUT',
                `setup() did not finish within setupTimeout (${options.setupTimeout} ms)`,
              ),
          ).finally(() => (this.inSetup = false));
    this.inSetup = false;
    if (!setup.ok) {
      await stopTickers();
      // k6 runs no teardown() when setup() did not finish; an abort during setup() is still an abort.
      if (this.abortState) return { durationMs: elapsed(), abort: this.abortState, markedFailed: this.markedFailed };
      throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `setup() failed: ${setup.message}`);
    }
    const data = setup.value as string | undefined;

    await Promise.all(options.scenarios.map((s) => this.runScenario(s, plan, pool, data)));
    // A test shorter than one tick would have no vus at all (k6's summary leaves the metric out): its peak is shown,
    // what k6 shows for a test just over a second.
    if (vusTicks === 0) gauge('vus', vusPeak);

    // teardown() runs after an abort (threshold, exec.test.abort(), a first Ctrl-C), as in k6, but not after a crash.
    if (!this.fatal && noTeardown !== true) {
      const teardown = await this.callWithTimeout(
        { t: 'call', fn: 'teardown', arg: data, ...callCtx },
        options.teardownTimeout,
        () =>
          new LoadError(
            'TENANTOPS_E_LOAD_TEARDOWN_TIMEOUT',
            `teardown() did not finish within teardownTimeout (${options.teardownTimeout} ms)`,
          ),
      );
      if (!teardown.ok && !this.abortState) {
        await stopTickers();
        throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `teardown() failed: ${teardown.message}`);
      }
    }
    await stopTickers();
    if (this.fatal) throw this.fatal;
    return { setupData: data, durationMs: elapsed(), abort: this.abortState, markedFailed: this.markedFailed };
  }

  /** handleSummary(data) in VU 0; a VU 0 terminated by an interrupt is replaced first. */
  async handleSummary(summaryJson: string): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
    if (this.vu0.dead) {
      this.vu0 = this.newVu0();
      await this.init();
    }
    return this.vu0.call({ t: 'call', fn: 'handleSummary', arg: summaryJson, globalTags: {}, options: {} });
  }

  async close(): Promise<void> {
    await Promise.all([this.vu0.terminate(), this.pool?.close()]);
  }

  private newVu0(): WorkerVu {
    const { script, env, workerCode, clock } = this.cfg;
    const boot = {
      script: script.code,
      scriptPath: script.path,
      sourceMap: script.sourceMap,
      insertions: script.insertions,
      env,
      global: this.global,
      testStart: this.startWall,
    };
    return new WorkerVu(0, workerCode, boot, this.host, clock);
  }

  private async runScenario(s: ScenarioConfig, plan: RunPlan, pool: VuPool, data: string | undefined) {
    const { clock, engine } = this.cfg;
    await clock.sleep(s.startTime, this.stopRun.signal);
    if (this.stopRun.signal.aborted) return;
    const startTime = clock.wall();
    for (const o of plan.outputs) o.scenarioStarted?.(s.name, startTime);
    const info = {
      name: s.name,
      executor: s.executor,
      exec: s.exec,
      env: s.env,
      tags: s.tags,
      startTime,
      duration: plannedDuration(s),
      iterations:
        s.executor === 'shared-iterations'
          ? s.iterations
          : s.executor === 'per-vu-iterations'
            ? s.iterations * s.vus
            : 0,
    };
    const tags: Tags = { ...plan.options.tags, ...s.tags, scenario: s.name };
    const dropped = engine.metrics.get('dropped_iterations') as Metric;
    await runExecutor(s, {
      clock,
      vus: pool.forScenario(info, data),
      signal: this.stopRun.signal,
      dropped: () => engine.add(dropped, 1, tags, clock.wall()),
    });
    for (const o of plan.outputs) o.scenarioFinished?.(s.name);
  }

  /**
   * The 2 s threshold tick. As in k6, thresholds of metrics without samples wait for their first
   * sample, and an abortOnFail threshold stops the run once it fails after its delayAbortEval.
   * https://grafana.com/docs/k6/latest/using-k6/thresholds/#abort-a-test-when-a-threshold-is-crossed
   */
  private checkThresholds(thresholds: ThresholdSet, elapsedMs: number): void {
    const verdict = thresholds.evaluate(elapsedMs, elapsedMs, { ignoreEmpty: true });
    if (!verdict.abortBy) return;
    const metrics = [...new Set(verdict.failed.map((t) => t.key))].sort().join(', ');
    this.abort(
      `thresholds on metrics '${metrics}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`,
      LOAD_EXIT.thresholdsFailed,
    );
  }

  /** Stops the run: executors interrupt their VUs; the first reason wins. */
  abort(reason: string, exitCode: number): void {
    if (this.stopRun.signal.aborted) return;
    this.abortState = { reason, exitCode };
    this.stopRun.abort();
    // setup() is part of the run: k6 interrupts it too (teardown() is not, it runs after).
    if (this.inSetup) this.vu0.interrupt();
  }

  private async callWithTimeout(
    msg: Extract<MainToWorker, { t: 'call' }>,
    ms: number,
    onTimeout: () => LoadError,
  ): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
    const timer = new AbortController();
    const call = this.vu0.call(msg);
    try {
      return await Promise.race([
        call,
        this.cfg.clock.sleep(ms, timer.signal).then(() => {
          if (timer.signal.aborted) return call;
          this.vu0.interrupt();
          throw onTimeout();
        }),
      ]);
    } finally {
      timer.abort();
    }
  }

  private createHost(): VuHost {
    const { engine, logger } = this.cfg;
    return {
      request: (req) => {
        if (!this.request) throw new Error('HTTP requests are not available before the run starts');
        return this.request(req);
      },
      // An arrow: the workers pass it on to their batch readers unbound.
      sample: (name, value, tags, time) => {
        const m = engine.metrics.get(name);
        if (m) engine.add(m, value, tags, time);
      },
      metric(def) {
        // Each VU checks its own definitions (runtime/k6-metrics.ts); VUs that define one name differently
        // are a script error to report, not a reason to end the process from a worker's message handler.
        try {
          engine.define(def.name, def.type, def.contains);
        } catch (e) {
          logger.error((e as Error).message);
        }
      },
      log: (_vuId, level, message, fields) => {
        if (level === 'error' && ++this.errorLogs > MAX_ERROR_LOGS) {
          if (this.errorLogs === MAX_ERROR_LOGS + 1)
            logger.warn(`more than ${MAX_ERROR_LOGS} errors; further ones are not shown`);
          return;
        }
        logger.log(level, message, fields);
      },
      abort: (reason) => this.abort(`test aborted: ${reason}`, LOAD_EXIT.scriptAborted),
      markFailed: () => {
        this.markedFailed = true;
      },
      crash: (vuId, error) => {
        this.fatal ??= new LoadError('TENANTOPS_E_LOAD_SCRIPT', `VU ${vuId} crashed: ${error.message}`, {
          cause: error,
        });
        this.abort(`VU ${vuId} crashed`, LOAD_EXIT.scriptError);
      },
    };
  }
}

/** k6's message for a stop by signal ("interrupt" is Go's name for SIGINT). */
function signalMessage(reason: unknown): string {
  const name = reason === 'SIGINT' ? 'interrupt' : reason === 'SIGTERM' ? 'terminated' : 'interrupt';
  return `test run was aborted because it received a '${name}' signal`;
}
