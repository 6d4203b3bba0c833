import { TenantopsError } from '../../errors/index.ts';

/**
 * A restore statement that touched another number of rows than it named: every write must make exactly its
 * progress (nothing loops on a statement that does less), and a difference means the rows are not what the plan saw.
 */
export function touchedMismatch(what: string, table: string, expected: number, got: number): TenantopsError {
  return new TenantopsError(
    'TENANTOPS_E_VERIFY_FAILED',
    `${what} in ${table} touched ${got} rows instead of ${expected}: the rows changed while the restore ran, or a trigger or rule interfered; rolled back`,
  );
}
