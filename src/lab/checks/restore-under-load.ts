import { join } from 'node:path';
import { DEFAULT_CONFIG, tenantDigest } from '../../backup/index.ts';
import { connectDb } from '../../db/index.ts';
import type { LabCheck } from '../lab-check.ts';
import { sampleReplicaLag } from '../lag-sampler.ts';
import { loadFigures } from '../load-figures.ts';
import { round, runLoad } from '../load-run.ts';
import { scenariosUnderway } from '../load-started.ts';
import { mustRunCli, runCli } from '../run-cli.ts';
import { waitFor } from '../wait-for.ts';

interface InspectTable {
  name: string;
  role: string;
  rows: number;
  sha256: string;
}

/**
 * Check 4: `tenantops restore` of one tenant on the primary while the load runs. Afterwards the replica, once it
 * has applied the primary's GTID position, holds exactly the archive's rows for that tenant, table by table (the
 * backup's own per-table digests, recomputed on the replica by tenantDigest), and its lag is back to normal.
 */
export const restoreUnderLoad: LabCheck = {
  name: 'tenant restore on the primary under load, replica equals the archive',
  async run(ctx) {
    const { topo } = ctx;
    const { pair } = topo;
    const db = `\`${pair.database}\``;
    const env = { TENANTOPS_DB_URL: pair.primaryUrl };
    const [top] = (await pair.adminQuery(
      'primary',
      `SELECT tenant_id AS t, COUNT(*) AS n FROM ${db}.crm_activity GROUP BY tenant_id ORDER BY n DESC LIMIT 1`,
    )) as { t: number; n: number }[];
    if (!top) throw new Error('the seeded database has no crm_activity rows');
    const tenant = String(top.t);
    const archive = join(topo.dir, `tenant-${tenant}.tnt`);
    const backup = await mustRunCli(topo.root, ['backup', '--tenant', tenant, '--out', archive], { env });
    const manifest = JSON.parse((await mustRunCli(topo.root, ['inspect', archive, '--json'], { env })).output) as {
      tables: InspectTable[];
    };
    const expected = manifest.tables.filter((t) => t.role === 'scope');
    const archiveRows = expected.reduce((n, t) => n + t.rows, 0);
    // The damage the restore repairs, big enough to make the restore one large transaction for the replica: all
    // the tenant's activities deleted, all its companies renamed.
    const del = (await pair.adminQuery('primary', `DELETE FROM ${db}.crm_activity WHERE tenant_id = ?`, [top.t])) as {
      affectedRows: number;
    };
    const upd = (await pair.adminQuery(
      'primary',
      `UPDATE ${db}.crm_company SET name = CONCAT(name, ' (damaged)') WHERE tenant_id = ?`,
      [top.t],
    )) as { affectedRows: number };
    await pair.waitForReplica();

    const load = runLoad(ctx.load, topo.haproxy.url, ctx.reportDir('4-restore'));
    // Awaited below; a rejection before that must not crash the lab as unhandled.
    load.catch(() => undefined);
    await scenariosUnderway(topo.nodes, ctx.short ? 10 : 40, 90_000);
    const lag = sampleReplicaLag(pair, 100);
    ctx.log(`restoring tenant ${tenant} on the primary under load`);
    const restore = await runCli(topo.root, ['restore', '--in', archive, '--yes', '--json'], {
      env,
      timeoutMs: 600_000,
    });
    const gtid = await pair.primaryGtid();
    const catchUpMs = await pair.waitForReplica({ gtid, timeoutMs: 300_000 });
    const { maxS } = await lag.stop();
    // "Normal": Seconds_Behind_Master 0 and the heartbeat under 1 s. SBM can read 1 for an instant while a heartbeat
    // event applies, so normal is waited for (bounded), not sampled once.
    const normalAt = Date.now();
    const normal = await waitFor(
      'the replica lag to return to normal',
      async () => {
        const st = await pair.replicaStatus();
        const hb = await pair.replicaLagSeconds();
        return st.secondsBehindMaster === 0 && hb < 1 ? { st, hb, ms: Date.now() - normalAt } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(() => null);
    const status = normal?.st ?? (await pair.replicaStatus());
    const lagAfter = normal?.hb ?? (await pair.replicaLagSeconds());

    const replica = await connectDb(pair.replicaUrl, { values: 'text' });
    let actual: Record<string, { rows: number; sha256: string }>;
    try {
      actual = await tenantDigest(replica, DEFAULT_CONFIG, tenant);
    } finally {
      await replica.close();
    }
    const differing = expected
      .filter((t) => actual[t.name]?.rows !== t.rows || actual[t.name]?.sha256 !== t.sha256)
      .map((t) => `${t.name} (archive ${t.rows} rows, replica ${actual[t.name]?.rows ?? 'missing'})`);
    const l = await load;

    const notes: string[] = [];
    if (restore.code !== 0) notes.push(`tenantops restore exited ${restore.code}: ${restore.output.slice(-500)}`);
    if (differing.length) notes.push(`replica differs from the archive in ${differing.join(', ')}`);
    if (!normal) {
      notes.push(
        `replica lag did not return to normal (Seconds_Behind_Master ${status.secondsBehindMaster}, heartbeat ${lagAfter} s)`,
      );
    }
    if (l.failedRate >= 0.01) notes.push(`failed-request rate ${(l.failedRate * 100).toFixed(2)} % during the restore`);
    return {
      name: this.name,
      ok: notes.length === 0,
      figures: {
        ...loadFigures(l),
        tenant,
        archive_rows: archiveRows,
        archive_tables: expected.length,
        backup_s: round(backup.ms / 1000),
        damaged_rows: del.affectedRows + upd.affectedRows,
        restore_exit_code: restore.code,
        restore_s: round(restore.ms / 1000),
        replica_lag_max_during_restore_s: maxS,
        replica_caught_up_after_restore_ms: catchUpMs,
        seconds_behind_master_after: status.secondsBehindMaster,
        heartbeat_lag_after_s: round(lagAfter, 2),
        lag_normal_after_catch_up_ms: normal?.ms ?? null,
        tables_equal_on_replica: `${expected.length - differing.length}/${expected.length}`,
        differing_tables: differing,
      },
      notes,
    };
  },
};
