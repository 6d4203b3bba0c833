import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadThroughHaproxy } from './checks/load-through-haproxy.ts';
import { nodeFailover } from './checks/node-failover.ts';
import { replicaLagFallback } from './checks/replica-lag-fallback.ts';
import { restoreUnderLoad } from './checks/restore-under-load.ts';
import { singleNodeBaseline } from './checks/single-node-baseline.ts';
import type { CheckResult, LabCheck, LabContext } from './lab-check.ts';
import { killAllLabProcessesNow, reapOrphanedLabProcesses, stopAllLabProcesses } from './lab-process.ts';
import { settleLoads, type LoadSettings } from './load-run.ts';
import { startPhase3Topology } from './phase3-topology.ts';
import { renderTable } from './render-table.ts';
import { writeSummary, type LabSummary } from './write-summary.ts';

export const PHASE3_CHECKS: LabCheck[] = [
  loadThroughHaproxy,
  nodeFailover,
  replicaLagFallback,
  restoreUnderLoad,
  singleNodeBaseline,
];

export interface Phase3LabOptions {
  root: string;
  outDir: string;
  short: boolean;
  log?: (line: string) => void;
}

const OWNER_FILE = 'owner.pid';

/** Removes lab directories in tmpdir() whose owning lab process is gone (killed before it could clean up). */
function removeOrphanedLabDirs(log: (line: string) => void): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('tenantops-lab-'))) {
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      process.kill(owner, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue; // alive, or no owner file: not ours to judge
      rmSync(dir, { recursive: true, force: true });
      log(`removed ${dir}, left by an earlier lab that was killed`);
    }
  }
}

/** Stops everything the lab started and removes its directory; safe to call twice. */
async function teardown(labDir: string): Promise<void> {
  await stopAllLabProcesses(10_000);
  rmSync(labDir, { recursive: true, force: true });
}

/**
 * Runs the five phase-3 checks on a topology started for the run and torn down at the end, also on SIGINT, SIGTERM
 * or SIGHUP (exit 130/143/129 after teardown). Every check runs even when an earlier one failed; a check that
 * throws is recorded as failed with the error. Returns the summary, also written to `outDir/summary.json`.
 */
export async function runPhase3Lab({
  root,
  outDir,
  short,
  log = (l) => process.stderr.write(`lab: ${l}\n`),
}: Phase3LabOptions): Promise<LabSummary> {
  const t0 = Date.now();
  for (const p of reapOrphanedLabProcesses()) log(`ended a process left by an earlier lab that was killed: ${p}`);
  const startedAt = new Date().toISOString();
  removeOrphanedLabDirs(log);
  const labDir = mkdtempSync(join(tmpdir(), 'tenantops-lab-'));
  writeFileSync(join(labDir, OWNER_FILE), `${process.pid}\n`);
  const signals: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping every lab process`);
    void teardown(labDir).finally(() => process.exit(signals[sig]));
  };
  for (const s of Object.keys(signals)) process.once(s, onSignal);
  const lastResort = (): void => {
    killAllLabProcessesNow();
    rmSync(labDir, { recursive: true, force: true });
  };
  process.once('exit', lastResort);
  try {
    const topo = await startPhase3Topology({
      root,
      dir: labDir,
      seedTenants: short ? 6 : 20,
      seedRows: short ? 1500 : 5000,
      log,
    });
    log(
      `topology up in ${((Date.now() - t0) / 1000).toFixed(1)} s: HAProxy ${topo.haproxy.url}, Prometheus ` +
        `${topo.prometheus.url}, MariaDB primary :${topo.pair.ports.primary}, replica :${topo.pair.ports.replica}`,
    );
    const load: LoadSettings = {
      root,
      adminToken: topo.adminToken,
      profile: short ? 'smoke' : 'full',
      tenants: 5,
      // The breakpoint ramp measures capacity, not these checks: it is left out so each run is the steady mix.
      scenarios: 'tenant_api_mix,crm_pipeline,tenant_isolation',
    };
    const results: CheckResult[] = [];
    const ctx: LabContext = {
      topo,
      load,
      short,
      log,
      results,
      reportDir: (name) => join(outDir, 'load', name),
    };
    for (const [i, check] of PHASE3_CHECKS.entries()) {
      log(`check ${i + 1}/${PHASE3_CHECKS.length}: ${check.name}`);
      const c0 = Date.now();
      const r = await check.run(ctx).catch((e: unknown): CheckResult => ({
        name: check.name,
        ok: false,
        figures: {},
        notes: [(e as Error).message],
      }));
      await settleLoads();
      r.figures.check_s = Math.round((Date.now() - c0) / 100) / 10;
      results.push(r);
      log(`check ${i + 1}: ${r.ok ? 'ok' : 'FAILED'}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`);
    }
    const summary: LabSummary = {
      checks: results,
      ok: results.every((r) => r.ok),
      mode: short ? 'short' : 'full',
      startedAt,
      durationS: Math.round((Date.now() - t0) / 100) / 10,
      machine: { cpus: cpus().length, node: process.version },
      conditions: [
        `alert rules: monitoring/prometheus/rules/scaling_alerts.yml with every "for" divided by ${topo.ruleTimeFactor} (5m -> 5s); scrape and evaluation every 1 s`,
        `load: ${load.profile} profile of tests/performance/multi_tenant_load_test.js, ${load.tenants} tenants, scenarios ${load.scenarios}`,
        'everything on one machine over loopback: app nodes, HAProxy, both MariaDB servers, exporters and the load generator share its cores',
        topo.replicaReads
          ? 'app nodes read from the replica (serve --db-replica)'
          : 'app nodes have no --db-replica in this build: all reads go to the primary',
      ],
    };
    writeSummary(outDir, summary);
    return summary;
  } finally {
    for (const s of Object.keys(signals)) process.removeListener(s, onSignal);
    await teardown(labDir);
    process.removeListener('exit', lastResort);
  }
}

export { renderTable };
