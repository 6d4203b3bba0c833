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
  scriptError: 107,
  scriptAborted: 108,
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
