import { TenantopsError } from '../errors/index.ts';

export function intOption(name: string, raw: unknown, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new TenantopsError('TENANTOPS_E_USAGE', `--${name} must be an integer ≥ ${min}, got "${String(raw)}"`);
  }
  return n;
}
