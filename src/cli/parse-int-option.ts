import { TenantopsError } from '../errors/index.ts';

export function intOption(
  name: string,
  raw: unknown,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new TenantopsError('TENANTOPS_E_USAGE', `--${name} must be an integer ${range}, got "${String(raw)}"`);
  }
  return n;
}
