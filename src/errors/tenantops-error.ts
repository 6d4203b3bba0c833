import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

/** Every error the project raises on purpose. Only src/cli turns one into output and an exit code. */
export class TenantopsError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TenantopsError';
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isTenantopsError(e: unknown): e is TenantopsError {
  return e instanceof TenantopsError;
}
