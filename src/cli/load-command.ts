import type { Command, CliIo } from './command.ts';
// Only the error and exit codes statically: the runner (esbuild, acorn, undici) is loaded when `load` runs, so the
// other commands do not pay for it at start-up.
import { LOAD_EXIT, LoadError } from '../load/load-error.ts';
import type { CliOverrides, VuMode } from '../load/index.ts';
import { envStages } from './env-stages.ts';
import { envTags } from './env-tags.ts';

const USAGE =
  'load SCRIPT [-e KEY=VALUE]... [--vus N --duration D | --iterations N] [--summary-export FILE] [--out json=FILE] [--out html=FILE] [--quiet] [--verbose] [--vu-mode isolated|shared|auto] [--vu-threads N]';

interface LoadArgs {
  script: string;
  env: Record<string, string>;
  cli: CliOverrides;
  summaryExport?: string;
  jsonOut?: string;
  htmlOut?: string;
  quiet: boolean;
  verbose: boolean;
  /** --no-color (or NO_COLOR): plain log lines and summary, as k6. */
  noColor?: boolean;
  help: boolean;
  vuMode?: VuMode;
  vuThreads?: number;
  /** --include-system-env-vars=false: __ENV holds only the -e values. */
  systemEnv?: boolean;
  /** --summary-mode=disabled or --no-summary: false. */
  summary?: boolean;
}

type OptionKind = 'bool' | 'int' | 'string' | 'list';

/**
 * k6's options that a flag (internal/cmd/options.go optionFlagSet, runtime_options.go) or a K6_* variable
 * (lib/options.go envconfig tags) sets; a flag wins over the variable, the variable over the script, as in k6.
 * Boolean flags take `--flag`, `--flag=true` or `--flag=false`; boolean variables Go's ParseBool.
 */
const K6_OPTIONS: { option: string; kind: OptionKind; env: string; flags: string[] }[] = [
  { option: 'userAgent', kind: 'string', env: 'K6_USER_AGENT', flags: ['--user-agent'] },
  { option: 'maxRedirects', kind: 'int', env: 'K6_MAX_REDIRECTS', flags: ['--max-redirects'] },
  { option: 'batch', kind: 'int', env: 'K6_BATCH', flags: ['--batch'] },
  { option: 'batchPerHost', kind: 'int', env: 'K6_BATCH_PER_HOST', flags: ['--batch-per-host'] },
  { option: 'throw', kind: 'bool', env: 'K6_THROW', flags: ['--throw', '-w'] },
  {
    option: 'insecureSkipTLSVerify',
    kind: 'bool',
    env: 'K6_INSECURE_SKIP_TLS_VERIFY',
    flags: ['--insecure-skip-tls-verify'],
  },
  { option: 'noSetup', kind: 'bool', env: 'K6_NO_SETUP', flags: ['--no-setup'] },
  { option: 'noTeardown', kind: 'bool', env: 'K6_NO_TEARDOWN', flags: ['--no-teardown'] },
  { option: 'setupTimeout', kind: 'string', env: 'K6_SETUP_TIMEOUT', flags: [] },
  { option: 'teardownTimeout', kind: 'string', env: 'K6_TEARDOWN_TIMEOUT', flags: [] },
  {
    option: 'discardResponseBodies',
    kind: 'bool',
    env: 'K6_DISCARD_RESPONSE_BODIES',
    flags: ['--discard-response-bodies'],
  },
  { option: 'noCookiesReset', kind: 'bool', env: 'K6_NO_COOKIES_RESET', flags: [] },
  {
    option: 'minIterationDuration',
    kind: 'string',
    env: 'K6_MIN_ITERATION_DURATION',
    flags: ['--min-iteration-duration'],
  },
  { option: 'summaryTrendStats', kind: 'list', env: 'K6_SUMMARY_TREND_STATS', flags: ['--summary-trend-stats'] },
  { option: 'summaryTimeUnit', kind: 'string', env: 'K6_SUMMARY_TIME_UNIT', flags: ['--summary-time-unit'] },
];
const OPTION_FLAGS = new Map(K6_OPTIONS.flatMap((o) => o.flags.map((f) => [f, o] as const)));

/** A non-boolean option's value from its text; `name` (the flag or variable) is for the message. */
function optionValue(kind: Exclude<OptionKind, 'bool'>, name: string, v: string): unknown {
  if (kind === 'int') {
    if (!/^\d+$/.test(v)) throw usageError(`${name} expects a whole number, got "${v}"`);
    return Number(v);
  }
  return kind === 'list' ? v.split(',') : v;
}

/** Go's strconv.ParseBool, which envconfig uses. */
function goBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw usageError(`${name} expects a boolean, got "${v}"`);
}

interface EnvOverrides {
  cli: CliOverrides;
  systemEnv?: boolean;
  summaryExport?: string;
  jsonOut?: string;
  htmlOut?: string;
}

/**
 * What k6 reads from K6_* variables (lib/options.go, internal/cmd/runtime_options.go): K6_VUS, K6_DURATION,
 * K6_ITERATIONS and K6_STAGES replace the script's execution options as the flags do, K6_TAGS the script's tags
 * (as --tag does, in k6's `name:value,…` form), K6_NO_THRESHOLDS, K6_INCLUDE_SYSTEM_ENV_VARS, K6_SUMMARY_EXPORT
 * and K6_OUT (`json=FILE,html=FILE`) as their flags. The flags, parsed after, win: one --out replaces K6_OUT's list.
 */
export function k6EnvOverrides(env: Record<string, string | undefined>): EnvOverrides {
  const cli: CliOverrides = {};
  const options: Record<string, unknown> = {};
  const get = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  for (const { env: name, option, kind } of K6_OPTIONS) {
    const v = get(name);
    if (v === undefined) continue;
    options[option] = kind === 'bool' ? goBool(name, v) : optionValue(kind, name, v);
  }
  const vus = get('K6_VUS');
  if (vus !== undefined) cli.vus = positiveInt('K6_VUS', vus);
  const iterations = get('K6_ITERATIONS');
  if (iterations !== undefined) cli.iterations = positiveInt('K6_ITERATIONS', iterations);
  const duration = get('K6_DURATION');
  if (duration !== undefined) cli.duration = duration;
  // Set but empty is not unset for K6_STAGES: k6 runs with explicitly empty stages (env-stages.ts).
  const stages = env.K6_STAGES;
  if (stages !== undefined) cli.stages = envStages(stages);
  const tags = get('K6_TAGS');
  if (tags !== undefined) options.tags = envTags(tags);
  const noThresholds = get('K6_NO_THRESHOLDS');
  if (noThresholds !== undefined && goBool('K6_NO_THRESHOLDS', noThresholds)) options.thresholds = {};
  if (Object.keys(options).length) cli.options = options;
  const result: EnvOverrides = { cli, summaryExport: get('K6_SUMMARY_EXPORT') };
  // internal/cmd/config.go: `out` is a list (envconfig splits it at commas).
  for (const spec of get('K6_OUT')?.split(',') ?? []) addOutput(result, 'K6_OUT', spec);
  const sysEnv = get('K6_INCLUDE_SYSTEM_ENV_VARS');
  if (sysEnv !== undefined) result.systemEnv = goBool('K6_INCLUDE_SYSTEM_ENV_VARS', sysEnv);
  return result;
}

/** One --out (or K6_OUT item): `json=FILE` or `html=FILE`; `name` is the flag or variable, for the message. */
function addOutput(to: { jsonOut?: string; htmlOut?: string }, name: string, spec: string): void {
  const m = /^(json|html)=(.+)$/.exec(spec);
  if (!m) throw usageError(`${name} expects json=FILE or html=FILE, got "${spec}"`);
  if (m[1] === 'json') to.jsonOut = m[2];
  else to.htmlOut = m[2];
}

/** Flags k6 has that change nothing here: accepted, so that a k6 command line runs as it is. */
const NO_OP_FLAGS = new Set(['--no-usage-report']);

function usageError(message: string): LoadError {
  return new LoadError('TENANTOPS_E_LOAD_OPTIONS', `${message} (usage: tenantops ${USAGE})`);
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`${flag} expects a positive integer, got "${v}"`);
  return Number(v);
}

/** k6's flag syntax: short and long names, `--flag value` and `--flag=value`, repeatable -e and --out. */
export function parseLoadArgs(argv: string[]): LoadArgs {
  const out: LoadArgs = { script: '', env: {}, cli: {}, quiet: false, verbose: false, help: false };
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw usageError(`${flag} needs a value`);
      return v;
    };
    // A boolean flag takes its value only after '=' (k6's pflag Bool).
    const bool = (): boolean => {
      if (eq < 0) return true;
      const v = arg.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw usageError(`${flag} expects true or false, got "${v}"`);
      return v === 'true';
    };
    const known = OPTION_FLAGS.get(flag);
    if (known) {
      options[known.option] = known.kind === 'bool' ? bool() : optionValue(known.kind, flag, value());
      continue;
    }
    if (NO_OP_FLAGS.has(flag)) continue;
    switch (flag) {
      case '--tag': {
        const kv = value();
        const at = kv.indexOf('=');
        if (at <= 0) throw usageError(`--tag expects NAME=VALUE, got "${kv}"`);
        // k6 (lib/options.go Apply): the command line's tags replace the script's.
        const tags = (options.tags ??= {}) as Record<string, string>;
        tags[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '-s':
      case '--stage':
        for (const spec of value().split(',')) {
          const m = /^([^:]+):(\d+)$/.exec(spec);
          if (!m) throw usageError(`--stage expects DURATION:TARGET, got "${spec}"`);
          (out.cli.stages ??= []).push({ duration: m[1], target: Number(m[2]) });
        }
        break;
      case '--no-thresholds':
        // k6 neither parses nor evaluates them (internal/cmd/test_load.go, run.go).
        if (bool()) options.thresholds = {};
        break;
      case '--summary-mode': {
        // k6 ≥ 1.0 (internal/cmd/runtime_options.go); 'full' adds per-group and per-scenario sections k6 prints
        // and this runner does not: it prints the compact summary.
        const mode = value();
        if (mode !== 'compact' && mode !== 'full' && mode !== 'disabled')
          throw usageError(`--summary-mode expects compact, full or disabled, got "${mode}"`);
        out.summary = mode !== 'disabled';
        break;
      }
      case '--no-summary':
        // k6 before 1.0.
        out.summary = !bool();
        break;
      case '--include-system-env-vars':
        out.systemEnv = bool();
        break;
      case '--compatibility-mode': {
        const mode = value();
        if (mode !== 'extended' && mode !== 'base')
          throw usageError(`--compatibility-mode expects extended or base, got "${mode}"`);
        break;
      }
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '-q':
      case '--quiet':
        out.quiet = true;
        break;
      case '--no-color':
        out.noColor = true;
        break;
      case '-v':
      case '--verbose':
        out.verbose = true;
        break;
      case '-e':
      case '--env': {
        const kv = value();
        const at = kv.indexOf('=');
        if (at <= 0) throw usageError(`-e expects KEY=VALUE, got "${kv}"`);
        out.env[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '-u':
      case '--vus':
        out.cli.vus = positiveInt(flag, value());
        break;
      case '-i':
      case '--iterations':
        out.cli.iterations = positiveInt(flag, value());
        break;
      case '-d':
      case '--duration':
        out.cli.duration = value();
        break;
      case '--summary-export':
        out.summaryExport = value();
        break;
      case '--vu-mode': {
        const mode = value();
        if (mode !== 'isolated' && mode !== 'shared' && mode !== 'auto')
          throw usageError(`--vu-mode expects isolated, shared or auto, got "${mode}"`);
        out.vuMode = mode;
        break;
      }
      case '--vu-threads':
        out.vuThreads = positiveInt(flag, value());
        break;
      case '-o':
      case '--out':
        addOutput(out, flag, value());
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw usageError(`unknown flag ${arg}`);
        positionals.push(arg);
    }
  }
  if (Object.keys(options).length) out.cli.options = options;
  if (!out.help && positionals.length !== 1) throw usageError('expected exactly one SCRIPT');
  out.script = positionals[0] ?? '';
  return out;
}

/** `tenantops load`: a thin adapter from argv and CliIo to src/load's runLoad, keeping k6's exit codes. */
export const loadCommand: Command = {
  name: 'load',
  section: 'Load testing',
  summary: 'Run a k6 script unchanged on Node.js (k6-compatible runner; exit codes as k6)',
  usage: USAGE,
  rawArgs: true,
  options: {
    env: {
      type: 'string',
      short: 'e',
      multiple: true,
      value: 'KEY=VALUE',
      description: 'Add to __ENV (wins over the environment)',
    },
    vus: { type: 'string', short: 'u', value: 'N', description: "Number of VUs (overrides the script's options)" },
    duration: {
      type: 'string',
      short: 'd',
      value: 'D',
      description: 'Test duration, e.g. 30s (replaces the scenarios)',
    },
    iterations: {
      type: 'string',
      short: 'i',
      value: 'N',
      description: 'Total iterations shared by the VUs (replaces the scenarios)',
    },
    'summary-export': {
      type: 'string',
      value: 'FILE',
      description: "Write the end-of-test summary in k6's JSON export format",
    },
    out: {
      type: 'string',
      short: 'o',
      multiple: true,
      value: 'json=FILE|html=FILE',
      description: 'k6 NDJSON metric points, or a self-contained HTML report',
    },
    quiet: { type: 'boolean', short: 'q', description: 'No progress on stderr' },
    'no-color': { type: 'boolean', description: 'No colours in log lines and the summary (also NO_COLOR=1)' },
    verbose: { type: 'boolean', short: 'v', description: 'Debug log lines, console.debug() included' },
    'vu-mode': {
      type: 'string',
      value: 'isolated|shared|auto',
      description:
        'auto (default): several VUs per thread when the script allows it; shared: the same, warning when not; isolated: one thread per VU',
    },
    'vu-threads': { type: 'string', value: 'N', description: 'Threads that carry the VUs in the shared mode' },
  },
  async run({ argv }, io: CliIo): Promise<number> {
    const controller = new AbortController();
    // As k6: the first SIGINT or SIGTERM stops the test (teardown and the summary still run, exit 105);
    // a second one exits at once. https://grafana.com/docs/k6/latest/get-started/running-k6/
    const onSignal = (signal: NodeJS.Signals) => {
      if (!controller.signal.aborted) {
        controller.abort(signal);
        return;
      }
      io.stderr.write(
        `tenantops load: aborting at once in response to a second ${signal} (exit ${LOAD_EXIT.externalAbort})\n`,
      );
      process.exit(LOAD_EXIT.externalAbort);
    };
    try {
      const args = parseLoadArgs(argv);
      const fromEnv = k6EnvOverrides(io.env);
      const systemEnv = args.systemEnv ?? fromEnv.systemEnv;
      // A flag among duration, iterations and stages replaces all three of the environment's, as in k6's Apply.
      const shortcut = args.cli.duration !== undefined || args.cli.iterations !== undefined || args.cli.stages;
      const envCli = shortcut
        ? { ...fromEnv.cli, duration: undefined, iterations: undefined, stages: undefined }
        : fromEnv.cli;
      const cli: CliOverrides = { ...envCli, ...args.cli, options: { ...envCli.options, ...args.cli.options } };
      if (args.help) {
        io.stdout.write(`Usage: tenantops ${USAGE}\n`);
        return 0;
      }
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const { runLoad } = await import('../load/run-load.ts');
      const result = await runLoad({
        script: args.script,
        env: args.env,
        cli,
        summaryExport: args.summaryExport ?? fromEnv.summaryExport,
        summary: args.summary ?? (io.env.K6_SUMMARY_MODE === 'disabled' ? false : undefined),
        ...(args.jsonOut !== undefined || args.htmlOut !== undefined
          ? { jsonOut: args.jsonOut, htmlOut: args.htmlOut }
          : { jsonOut: fromEnv.jsonOut, htmlOut: fromEnv.htmlOut }),
        quiet: args.quiet,
        verbose: args.verbose,
        noColor: !!args.noColor || !!io.env.NO_COLOR,
        vuMode: args.vuMode,
        vuThreads: args.vuThreads,
        stdout: io.stdout,
        stderr: io.stderr,
        processEnv: systemEnv === false ? {} : io.env,
        cwd: io.cwd,
        signal: controller.signal,
      });
      for (const t of result.failedThresholds) io.stderr.write(`tenantops load: threshold crossed: ${t}\n`);
      return result.exitCode;
    } catch (e) {
      if (e instanceof LoadError) {
        io.stderr.write(`tenantops load: ${e.message} [${e.code}]\n`);
        return e.exitCode;
      }
      throw e;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};
