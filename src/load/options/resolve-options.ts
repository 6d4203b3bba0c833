import { LoadError } from '../load-error.ts';
import { parseDuration } from './parse-duration.ts';
import type { ScenarioConfig, Stage } from './scenario-config.ts';
import { TlsOptionError, tlsSettings } from '../http/tls-settings.ts';

/** What the command line may override, as k6's --vus, --duration and --iterations do. */
export interface CliOverrides {
  vus?: number;
  duration?: string;
  iterations?: number;
  /** -s/--stage: like --duration, replaces the script's execution options. */
  stages?: { duration: string; target: number }[];
  /** k6's option flags (--user-agent, --tag, --no-setup…): each replaces the script's option of that name. */
  options?: Record<string, unknown>;
}

export interface RunOptions {
  scenarios: ScenarioConfig[];
  thresholds: unknown;
  summaryTrendStats: string[];
  summaryTimeUnit: string;
  setupTimeout: number;
  teardownTimeout: number;
  tags: Record<string, string>;
  maxRedirects: number;
  /** The consolidated options object, as exec.test.options shows it. */
  consolidated: Record<string, unknown>;
  /** What k6 warns about while it consolidates the options. */
  warnings: string[];
}

type Raw = Record<string, unknown>;

const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
const EXECUTORS = new Set([
  'shared-iterations',
  'per-vu-iterations',
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
]);

function bad(message: string): LoadError {
  return new LoadError('TENANTOPS_E_LOAD_OPTIONS', message);
}

function duration(raw: Raw, key: string, where: string, fallback?: string): number {
  const value = raw[key] ?? fallback;
  if (value === undefined) throw bad(`${where}.${key} is required`);
  const ms = parseDuration(value);
  if (ms === undefined) throw bad(`${where}.${key}: "${String(value)}" is not a duration (e.g. "30s", "1m30s")`);
  return ms;
}

function int(raw: Raw, key: string, where: string, fallback?: number, min = 0): number {
  const value = raw[key] ?? fallback;
  if (value === undefined) throw bad(`${where}.${key} is required`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw bad(`${where}.${key}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${where}: expected an object of strings`);
  return Object.fromEntries(Object.entries(value as Raw).map(([k, v]) => [k, String(v)]));
}

function stages(raw: Raw, where: string): Stage[] {
  const list = raw.stages;
  if (!Array.isArray(list) || list.length === 0) throw bad(`${where}.stages is required (a non-empty array)`);
  return list.map((s: unknown, i) => {
    const stage = (s ?? {}) as Raw;
    return {
      duration: duration(stage, 'duration', `${where}.stages[${i}]`),
      target: int(stage, 'target', `${where}.stages[${i}]`),
    };
  });
}

function scenario(name: string, raw: Raw, exported: ReadonlySet<string>): ScenarioConfig {
  const where = `scenarios.${name}`;
  if (!/^[0-9A-Za-z_-]+$/.test(name)) throw bad(`${where}: scenario names may use letters, digits, "_" and "-" only`);
  const executor = raw.executor;
  if (typeof executor !== 'string' || !EXECUTORS.has(executor)) {
    throw bad(`${where}.executor: "${String(executor)}" is not supported (use one of ${[...EXECUTORS].join(', ')})`);
  }
  const exec = raw.exec === undefined ? 'default' : String(raw.exec);
  if (!exported.has(exec)) throw bad(`${where}.exec: the script exports no function "${exec}"`);
  const base = {
    name,
    startTime: duration(raw, 'startTime', where, '0s'),
    gracefulStop: duration(raw, 'gracefulStop', where, '30s'),
    exec,
    env: stringMap(raw.env, `${where}.env`),
    tags: stringMap(raw.tags, `${where}.tags`),
  };
  switch (executor) {
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = int(raw, 'vus', where, 1, 1);
      const iterations = int(raw, 'iterations', where, 1, 1);
      if (executor === 'shared-iterations' && iterations < vus) {
        throw bad(`${where}: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`);
      }
      return { ...base, executor, vus, iterations, maxDuration: duration(raw, 'maxDuration', where, '10m') };
    }
    case 'constant-vus':
      return { ...base, executor, vus: int(raw, 'vus', where, 1, 1), duration: duration(raw, 'duration', where) };
    case 'ramping-vus':
      return {
        ...base,
        executor,
        startVUs: int(raw, 'startVUs', where, 1),
        stages: stages(raw, where),
        gracefulRampDown: duration(raw, 'gracefulRampDown', where, '30s'),
      };
    default: {
      const preAllocatedVUs = int(raw, 'preAllocatedVUs', where, undefined, 0);
      const maxVUs = int(raw, 'maxVUs', where, preAllocatedVUs, 0);
      if (maxVUs < preAllocatedVUs)
        throw bad(`${where}: maxVUs (${maxVUs}) can't be less than preAllocatedVUs (${preAllocatedVUs})`);
      if (maxVUs < 1) throw bad(`${where}: preAllocatedVUs or maxVUs must be at least 1`);
      const timeUnit = duration(raw, 'timeUnit', where, '1s');
      if (timeUnit <= 0) throw bad(`${where}.timeUnit must be positive`);
      if (executor === 'constant-arrival-rate') {
        const rate = raw.rate;
        if (typeof rate !== 'number' || !(rate > 0)) throw bad(`${where}.rate is required (a positive number)`);
        return {
          ...base,
          executor,
          rate,
          timeUnit,
          duration: duration(raw, 'duration', where),
          preAllocatedVUs,
          maxVUs,
        };
      }
      return {
        ...base,
        executor: 'ramping-arrival-rate',
        startRate: int(raw, 'startRate', where, 0),
        timeUnit,
        stages: stages(raw, where),
        preAllocatedVUs,
        maxVUs,
      };
    }
  }
}

/**
 * Turns script options plus CLI flags into scenarios, the way k6 consolidates them:
 * CLI shortcuts replace the script's execution config; the shortcuts (vus, duration,
 * iterations, stages) become one "default" scenario; mixing them with `scenarios`
 * in the same place is refused, as k6 does.
 */
export function resolveOptions(script: Raw, cli: CliOverrides, exported: readonly string[]): RunOptions {
  const opts: Raw = { ...script, ...cli.options };
  if (cli.duration !== undefined || cli.iterations !== undefined || cli.stages !== undefined) {
    for (const k of ['scenarios', 'stages', 'duration', 'iterations']) delete opts[k];
    if (cli.duration !== undefined) opts.duration = cli.duration;
    if (cli.iterations !== undefined) opts.iterations = cli.iterations;
    if (cli.stages !== undefined) opts.stages = cli.stages;
  }
  if (cli.vus !== undefined) opts.vus = cli.vus;
  const exportedSet = new Set(exported);
  // k6 (lib/executor/execution_config_shortcuts.go) tells unset stages from stages explicitly set to an empty
  // list (`stages: []`, `K6_STAGES=`): an empty list is no shortcut, and it keeps `vus` from being one too.
  const emptyStages = Array.isArray(opts.stages) && opts.stages.length === 0;
  if (emptyStages) delete opts.stages;
  const shortcuts = ['duration', 'iterations', 'stages'].filter((k) => opts[k] !== undefined && opts[k] !== null);
  const warnings: string[] = [];
  const vusAlone = opts.vus !== undefined && opts.vus !== null && shortcuts.length === 0 && !emptyStages;
  if (vusAlone && opts.scenarios !== undefined && opts.scenarios !== null) {
    // k6 ≥ 2.1 (lib/executor/execution_config_shortcuts.go, commit c9592bf3): vus without duration,
    // iterations or stages is the shared-iterations shortcut, and it replaces the scenarios, with a warning.
    warnings.push(`\`vus=${String(opts.vus)}\` overrides scenarios configuration`);
    delete opts.scenarios;
  }
  let scenarios: ScenarioConfig[];
  if (opts.scenarios !== undefined && opts.scenarios !== null) {
    if (shortcuts.length) {
      throw bad(
        `using an execution configuration shortcut (${shortcuts.join(', ')}) and "scenarios" simultaneously is not allowed`,
      );
    }
    if (typeof opts.scenarios !== 'object' || Array.isArray(opts.scenarios)) throw bad('scenarios must be an object');
    scenarios = Object.entries(opts.scenarios as Record<string, Raw>).map(([n, s]) =>
      scenario(n, s ?? {}, exportedSet),
    );
    if (scenarios.length === 0) throw bad('scenarios is empty');
  } else {
    if (emptyStages && shortcuts.length === 0)
      warnings.push('`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU');
    scenarios = [scenario('default', shortcutScenario(opts, emptyStages), exportedSet)];
  }
  // TLS options are read per request in the VUs; a malformed one is refused here, before the test (exit 104).
  try {
    tlsSettings(opts);
  } catch (e) {
    if (e instanceof TlsOptionError) throw bad(e.message);
    throw e;
  }
  const stats = opts.summaryTrendStats ?? DEFAULT_TREND_STATS;
  if (
    !Array.isArray(stats) ||
    !stats.every((s) => typeof s === 'string' && /^(avg|min|med|max|count|p\(\d+(\.\d+)?\))$/.test(s))
  ) {
    throw bad(`summaryTrendStats: expected stats among avg, min, med, max, count, p(N); got ${JSON.stringify(stats)}`);
  }
  return {
    scenarios,
    thresholds: opts.thresholds,
    summaryTrendStats: stats as string[],
    summaryTimeUnit: typeof opts.summaryTimeUnit === 'string' ? opts.summaryTimeUnit : '',
    setupTimeout: duration(opts, 'setupTimeout', 'options', '60s'),
    teardownTimeout: duration(opts, 'teardownTimeout', 'options', '60s'),
    tags: stringMap(opts.tags, 'options.tags'),
    maxRedirects: int(opts, 'maxRedirects', 'options', 10),
    consolidated: { ...opts, scenarios: Object.fromEntries(scenarios.map((s) => [s.name, s])) },
    warnings,
  };
}

function shortcutScenario(opts: Raw, emptyStages: boolean): Raw {
  const vus = opts.vus ?? 1;
  // Stages explicitly empty, and no duration or iterations: k6's default of one iteration in one VU, whatever vus.
  if (emptyStages && opts.iterations === undefined && opts.duration === undefined)
    return { executor: 'per-vu-iterations', vus: 1, iterations: 1 };
  if (opts.stages !== undefined) return { executor: 'ramping-vus', startVUs: vus, stages: opts.stages };
  if (opts.iterations !== undefined) {
    const s: Raw = { executor: 'shared-iterations', vus, iterations: opts.iterations };
    if (opts.duration !== undefined) s.maxDuration = opts.duration;
    return s;
  }
  if (opts.duration !== undefined) return { executor: 'constant-vus', vus, duration: opts.duration };
  // vus alone: that many VUs share that many iterations (k6 ≥ 2.1; before, vus was ignored with a warning).
  if (opts.vus !== undefined && opts.vus !== null) return { executor: 'shared-iterations', vus, iterations: vus };
  // Nothing at all: k6's default scenario is one iteration of one VU, per-vu-iterations.
  return { executor: 'per-vu-iterations', vus: 1, iterations: 1 };
}
