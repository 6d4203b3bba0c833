export { TenantopsError, isTenantopsError } from './tenantops-error.ts';
export { ERROR_CODES, type ErrorCode } from './error-codes.ts';
