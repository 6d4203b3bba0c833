import { spawnSync } from 'node:child_process';
import { TenantopsError } from '../../errors/index.ts';

/** Runs a configured restore hook (beforeRestore, afterRestore) with the tenant in TENANTOPS_TENANT; fails on non-zero. */
export async function runHook(name: string, cmd: string | undefined, tenantId: string): Promise<void> {
  if (!cmd) return;
  const r = spawnSync('sh', ['-c', cmd], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TENANTOPS_TENANT: tenantId },
  });
  if (r.status !== 0) throw new TenantopsError('TENANTOPS_E_HOOK', `${name} hook failed (exit ${r.status}): ${cmd}`);
}
