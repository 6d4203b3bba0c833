export { TenantopsError, isTenantopsError } from './tenantops-error.ts';
export { ERROR_CODES, type ErrorCode } from './error-codes.ts';
export { errnoText } from './errno-text.ts';
