/**
 * Exit codes the k6 binary uses, so CI scripts written for k6 keep working unchanged.
 * https://github.com/grafana/k6/blob/master/errext/exitcodes/codes.go
 */
export const LOAD_EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  /** Stopped by a signal (Ctrl-C, SIGTERM): k6's ExternalAbort. */
  externalAbort: 105,
  scriptError: 107,
  scriptAborted: 108,
  /** exec.test.fail() (k6's MarkedAsFailed). */
  markedAsFailed: 110,
} as const;

export type LoadErrorCode =
  | 'TENANTOPS_E_LOAD_OPTIONS'
  | 'TENANTOPS_E_LOAD_SCRIPT'
  | 'TENANTOPS_E_LOAD_SETUP_TIMEOUT'
  | 'TENANTOPS_E_LOAD_TEARDOWN_TIMEOUT';

export const LOAD_ERROR_EXITS: Record<LoadErrorCode, number> = {
  TENANTOPS_E_LOAD_OPTIONS: LOAD_EXIT.invalidConfig,
  TENANTOPS_E_LOAD_SCRIPT: LOAD_EXIT.scriptError,
  TENANTOPS_E_LOAD_SETUP_TIMEOUT: LOAD_EXIT.setupTimeout,
  TENANTOPS_E_LOAD_TEARDOWN_TIMEOUT: LOAD_EXIT.teardownTimeout,
};

/** Every error the load runner raises on purpose; the CLI adapter maps it to k6's exit code. */
export class LoadError extends Error {
  readonly code: LoadErrorCode;

  constructor(code: LoadErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoadError';
    this.code = code;
  }

  get exitCode(): number {
    return LOAD_ERROR_EXITS[this.code];
  }
}

/** What each load error means and what the reader does next; docs/errors.md repeats it (test/errors-doc.test.ts). */
export const LOAD_ERROR_DOCS: Record<LoadErrorCode, { what: string; todo: string }> = {
  TENANTOPS_E_LOAD_OPTIONS: {
    what: 'Invalid options, flags or thresholds, found before the test starts.',
    todo: 'Fix the option or threshold named in the message (k6 syntax, e.g. `p(95)<500`); nothing was sent.',
  },
  TENANTOPS_E_LOAD_SCRIPT: {
    what: 'The script cannot be bundled or throws in the init context, `setup()` or `teardown()`; an unsupported module is named.',
    todo: 'Fix the script at the file:line given, or replace the named module (docs/load-runner.md lists what is supported).',
  },
  TENANTOPS_E_LOAD_SETUP_TIMEOUT: {
    what: '`setup()` ran longer than `setupTimeout`.',
    todo: 'Make setup() faster or raise `setupTimeout` in the options.',
  },
  TENANTOPS_E_LOAD_TEARDOWN_TIMEOUT: {
    what: '`teardown()` ran longer than `teardownTimeout`.',
    todo: 'Make teardown() faster or raise `teardownTimeout` in the options.',
  },
};
