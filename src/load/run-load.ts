import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { realClock, type Clock } from './executors/clock.ts';
import { HttpEngine } from './http/http-engine.ts';
import { LOAD_EXIT, LoadError } from './load-error.ts';
import { RunLogger } from './log/run-logger.ts';
import { BUILTIN_METRICS } from './metrics/builtin-metrics.ts';
import { MetricEngine } from './metrics/metric-engine.ts';
import type { CounterSink } from './metrics/metric-sink.ts';
import { resolveOptions, type CliOverrides } from './options/resolve-options.ts';
import { isUnsetValue, UNSUPPORTED_OPTIONS, unsupportedOptionWarning } from './options/unsupported-options.ts';
import { HtmlOutput } from './output/html-output.ts';
import { JsonOutput } from './output/json-output.ts';
import type { Output } from './output/output.ts';
import { SummaryExportOutput } from './output/summary-export-output.ts';
import { ProgressReporter } from './progress/progress-reporter.ts';
import { RunScheduler, type PreparedScript } from './scheduler/run-scheduler.ts';
import { prepareScript } from './script/prepare-script.ts';
import { asyncVuTransform, type AsyncVuResult } from './script/async-vu-transform.ts';
import { workerSource } from './script/worker-source.ts';
import type { SharedVuConfig } from './vu/vu-pool.ts';
import { buildSummary } from './summary/build-summary.ts';
import { CheckRecorder } from './summary/check-recorder.ts';
import { handleSummaryResult } from './summary/handle-summary-result.ts';
import type { SummaryData } from './summary/summary-data.ts';
import { textSummary } from './summary/text-summary.ts';
import { ThresholdSet } from './thresholds/threshold-set.ts';

type Out = Writable & { isTTY?: boolean };

export interface LoadRunInput {
  script: string;
  /** -e KEY=VALUE pairs; they win over the process environment in __ENV. */
  env?: Record<string, string>;
  cli?: CliOverrides;
  summaryExport?: string;
  /**
   * false (k6's --summary-mode=disabled, --no-summary): no end-of-test summary, no handleSummary() and no
   * --summary-export, as k6 builds all three only when the summary is enabled (internal/cmd/run.go).
   */
  summary?: boolean;
  jsonOut?: string;
  htmlOut?: string;
  quiet?: boolean;
  /** --verbose: debug log lines, console.debug() included. */
  verbose?: boolean;
  /** --no-color: plain log lines and summary on a terminal (default: NO_COLOR set and not empty, as k6). */
  noColor?: boolean;
  stdout: Out;
  stderr: Out;
  processEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborts the run from outside (Ctrl-C): k6's exit 105. Its reason may name the signal ("SIGINT"). */
  signal?: AbortSignal;
  clock?: Clock;
  /**
   * How VUs map to threads: `isolated`, one thread per VU; `shared`, several VUs per thread when
   * script/async-vu-transform.ts accepts the script (one thread per VU otherwise, with a warning);
   * `auto` (the default), the same without the warning.
   */
  vuMode?: VuMode;
  /** Threads that carry the VUs in the shared mode (default: one per core). */
  vuThreads?: number;
}

export type VuMode = 'isolated' | 'shared' | 'auto';

export interface LoadRunResult {
  exitCode: number;
  summary: SummaryData;
  /** Threshold keys and expressions that failed, e.g. "http_req_duration: p(95)<500". */
  failedThresholds: string[];
  abortReason?: string;
}

/**
 * Runs a k6 script: init (VU 0) → options → setup → scenarios → teardown → summary. The scheduler
 * owns the run; outputs (NDJSON, summary export, HTML report, progress) receive its samples.
 * Throws LoadError for script and option errors; otherwise resolves with k6's exit code.
 */
export async function runLoad(input: LoadRunInput): Promise<LoadRunResult> {
  const cwd = input.cwd ?? process.cwd();
  const scriptPath = resolve(cwd, input.script);
  if (!existsSync(scriptPath)) throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `script not found: ${input.script}`);
  const clock = input.clock ?? realClock;
  // Second 0 of the log lines' INFO[0012] and of the HTML report's charts, so they line up.
  const startedAt = clock.wall();
  // k6 drops its colours when NO_COLOR is set and not empty (https://no-color.org), or with --no-color.
  const noColor = input.noColor ?? !!(input.processEnv ?? process.env).NO_COLOR;
  const logger = new RunLogger({ out: input.stderr, clock, verbose: input.verbose, noColor });
  const [script, workerCode] = await Promise.all([prepareScript(scriptPath), workerSource()]);

  const engine = new MetricEngine();
  for (const [name, type, contains] of BUILTIN_METRICS) engine.define(name, type, contains);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.processEnv ?? process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, input.env);

  const shared = await sharedVus(script, input, logger);
  const scheduler = new RunScheduler({ clock, engine, logger, workerCode, script, env, signal: input.signal, shared });
  let http: HttpEngine | undefined;
  try {
    const ready = await scheduler.init();
    const opts = resolveOptions(ready.options, input.cli ?? {}, ready.exports);
    for (const w of opts.warnings) logger.warn(w);
    for (const name of UNSUPPORTED_OPTIONS)
      if (!isUnsetValue(ready.options[name])) logger.warn(unsupportedOptionWarning(name));
    engine.submetric('http_req_duration{expected_response:true}');
    const thresholds = new ThresholdSet(opts.thresholds, engine);
    http = new HttpEngine(engine);
    const engineHttp = http;

    const checks = new CheckRecorder();
    engine.onSample(checks.listener);
    const outputs: Output[] = [];
    if (input.jsonOut) outputs.push(new JsonOutput(resolve(cwd, input.jsonOut)));
    if (input.summaryExport && input.summary !== false)
      outputs.push(new SummaryExportOutput(resolve(cwd, input.summaryExport)));
    if (input.htmlOut) {
      const html = new HtmlOutput({
        path: resolve(cwd, input.htmlOut),
        script: input.script,
        scenarios: opts.scenarios,
        thresholds: thresholds.thresholds,
        start: startedAt,
      });
      // HtmlOutput keeps a private `start` field, so it is adapted rather than passed as an Output.
      outputs.push({
        sample: html.sample,
        scenarioStarted: (name, time) => html.scenarioStarted(name, time),
        stop: (end) => html.stop(end),
      });
    }
    if (!input.quiet) {
      const vus = engine.metrics.get('vus');
      const active = () => (vus?.sink && 'value' in vus.sink ? vus.sink.value : 0);
      outputs.push(new ProgressReporter(input.stderr, opts.scenarios, active, clock));
    }
    for (const o of outputs) if (o.sample) engine.onSample(o.sample);

    const outcome = await scheduler.run({
      options: opts,
      thresholds,
      request: (req) => engineHttp.execute(req),
      outputs,
    });

    // The final evaluation judges every threshold, metrics without samples included, over the whole run.
    const verdict = thresholds.evaluate(outcome.durationMs);
    const summary = buildSummary({
      engine,
      thresholds,
      rootGroup: checks.root,
      trendStats: opts.summaryTrendStats,
      timeUnit: opts.summaryTimeUnit,
      durationMs: outcome.durationMs,
      stdoutTTY: Boolean(input.stdout.isTTY),
      stderrTTY: Boolean(input.stderr.isTTY),
      noColor,
      setupData: outcome.setupData === undefined ? undefined : JSON.parse(outcome.setupData),
    });
    const abort = outcome.abort;
    // As k6's cmd/run.go: a test marked failed exits 110 even when thresholds were crossed too.
    const exitCode = abort
      ? abort.exitCode
      : outcome.markedFailed
        ? LOAD_EXIT.markedAsFailed
        : verdict.failed.length
          ? LOAD_EXIT.thresholdsFailed
          : LOAD_EXIT.ok;
    const iterations = (engine.metrics.get('iterations')?.sink as CounterSink | undefined)?.count ?? 0;
    if (!abort && iterations === 0)
      logger.warn('No script iterations fully finished, consider making the test duration longer');

    for (const o of outputs) await o.stop({ summary, exitCode, abortReason: abort?.reason });
    if (input.summary !== false) await writeSummary(summary, ready.exports.includes('handleSummary'));
    // k6 ends with the error that decided the exit code.
    if (abort) logger.error(abort.reason);
    else if (outcome.markedFailed) logger.error('test run was marked as failed');
    else if (verdict.failed.length) {
      const metrics = [...new Set(verdict.failed.map((t) => t.key))].sort().join(', ');
      logger.error(`thresholds on metrics '${metrics}' have been crossed`);
    }
    return {
      exitCode,
      summary,
      failedThresholds: verdict.failed.map((t) => `${t.key}: ${t.source}`),
      abortReason: abort?.reason,
    };
  } finally {
    await Promise.all([scheduler.close(), http?.close()]);
  }

  /**
   * handleSummary() replaces the text summary; its result maps stdout, stderr and file paths to contents.
   * Without it, k6 prints the text summary framed by blank lines (summary-wrapper.js).
   */
  async function writeSummary(summary: SummaryData, custom: boolean): Promise<void> {
    if (custom) {
      const r = await scheduler.handleSummary(JSON.stringify(summary));
      const result = r.ok ? handleSummaryResult(r.value) : undefined;
      if (result?.kind === 'outputs') {
        for (const [target, body] of result.outputs) {
          if (target === 'stdout') input.stdout.write(body);
          else if (target === 'stderr') input.stderr.write(body);
          else await writeFile(resolve(cwd, target), body);
        }
        return;
      }
      if (result?.kind === 'error') {
        logger.error('failed to handle the end-of-test summary', { error: result.message });
        return;
      }
      // k6 (js/runner.go runUserProvidedHandleSummaryCallback) logs the exception as an iteration's, with
      // source=stacktrace, and goes on to print the default summary.
      if (!r.ok) logger.error(r.message, { source: 'stacktrace' });
    }
    input.stdout.write(`\n${textSummary(summary, { enableColors: Boolean(input.stdout.isTTY) && !noColor })}\n\n`);
  }
}

/**
 * The shared VU mode's configuration, or undefined for one thread per VU. The chosen mode is
 * always said at debug level (--verbose), and a script refused under `--vu-mode shared` with a warning.
 */
async function sharedVus(
  script: PreparedScript,
  input: LoadRunInput,
  logger: RunLogger,
): Promise<SharedVuConfig | undefined> {
  // The environment variable sets the default, e.g. to run a whole CI job or test suite in one mode.
  const fromEnv = process.env.TENANTOPS_LOAD_VU_MODE;
  const mode =
    input.vuMode ?? (fromEnv === 'shared' || fromEnv === 'auto' || fromEnv === 'isolated' ? fromEnv : 'auto');
  if (mode === 'isolated') {
    logger.debug('VU mode: isolated (one thread per VU)');
    return undefined;
  }
  // Sloppy code could make globals or reach the global object through a plain call's this, which the
  // transform's refusals (script/shared-state-refusal.ts) count on strict code to throw for.
  const t: AsyncVuResult =
    script.commonJs === undefined
      ? asyncVuTransform(script.code)
      : { ok: false, reason: `it bundles ${script.commonJs}, CommonJS that runs as sloppy code, as in k6` };
  if (!t.ok) {
    const line = `VU mode: isolated (one thread per VU): the script cannot share threads because ${t.reason}`;
    if (mode === 'shared') logger.warn(line);
    else logger.debug(line);
    return undefined;
  }
  // One per core: the main thread of a shared run only aggregates samples (bench:load, shared:1 vs shared:2).
  const threads = input.vuThreads ?? availableParallelism();
  logger.debug(
    `VU mode: shared (VUs spread over ${threads} thread${threads === 1 ? '' : 's'}; ${t.twins} functions with async twins, ${t.calls} call sites)`,
  );
  return { code: await workerSource('shared-vu-worker'), script: t.code, insertions: t.insertions, threads };
}
