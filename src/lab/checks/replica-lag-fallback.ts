import { join } from 'node:path';
import { waitForFiring } from '../alert-wait.ts';
import { exporterNamesSeen } from '../exporter-names.ts';
import type { LabCheck } from '../lab-check.ts';
import { sampleReplicaLag } from '../lag-sampler.ts';
import { loadFigures } from '../load-figures.ts';
import { round, runLoad } from '../load-run.ts';
import { metricDelta, sumNodeMetric, total } from '../node-metrics.ts';
import { waitFor } from '../wait-for.ts';

const READS = 'tenantops_db_reads_total';

/**
 * Check 3: the replica's SQL thread stopped while the load runs. MySQLReplicaLag must fire, and the app nodes must
 * send reads to the primary (tenantops_db_reads_total{target="primary"} grows, the replica's does not) with no
 * failed request. Without `serve --db-replica` the nodes read from the primary anyway: the check then says so.
 */
export const replicaLagFallback: LabCheck = {
  name: 'replica SQL thread stopped: ReplicaLag fires, reads fall back to the primary',
  async run(ctx) {
    const { topo } = ctx;
    const names = await exporterNamesSeen(
      topo.prometheus,
      join(topo.root, 'monitoring/prometheus/rules/scaling_alerts.yml'),
    );
    const reads0 = await sumNodeMetric(topo.nodes, READS);
    await topo.pair.stopReplicaSql();
    const stoppedAt = Date.now();
    const lag = sampleReplicaLag(topo.pair);
    try {
      // The nodes probe the replica every second; the load starts once every node has seen the lag become unknown,
      // so that reads routed before the probe noticed are not counted against the fallback.
      const nodesSawMs = await waitFor(
        'the app nodes to see the replica lag as unknown',
        async () => {
          const up = await sumNodeMetric(topo.nodes, 'tenantops_db_replica_up', Math.min);
          const lagging = await sumNodeMetric(topo.nodes, 'tenantops_db_replica_lag_seconds', Math.max);
          return up[''] === 1 && lagging[''] === undefined ? Date.now() - stoppedAt : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      ).catch(() => null);
      const load = runLoad(ctx.load, topo.haproxy.url, ctx.reportDir('3-replica-lag'));
      // Awaited below; a rejection before that must not crash the lab as unhandled.
      load.catch(() => undefined);
      const alert = await waitForFiring(
        topo.prometheus,
        'MySQLReplicaLag',
        { instance: topo.exporters.replica.target },
        90_000,
      );
      const nodeLag = await sumNodeMetric(topo.nodes, 'tenantops_db_replica_lag_seconds', Math.max);
      const nodeReplicaUp = await sumNodeMetric(topo.nodes, 'tenantops_db_replica_up', Math.max);
      const alertMs = alert ? Date.now() - stoppedAt : null;
      const l = await load;
      const reads = metricDelta(reads0, await sumNodeMetric(topo.nodes, READS));
      const status = await topo.pair.replicaStatus();
      await topo.pair.startReplicaSql();
      const catchUpMs = await topo.pair.waitForReplica();
      const { maxS } = await lag.stop();
      const toReplica = total(reads, /target="replica"/);
      const toPrimary = total(reads, /target="primary"/);
      const notes: string[] = [];
      const missing = Object.keys(names).filter((n) => !names[n]);
      if (missing.length) notes.push(`the rules read ${missing.join(', ')}, which mysqld_exporter does not expose`);
      if (!alert) notes.push('MySQLReplicaLag did not fire within 90 s of stopping the SQL thread');
      if (l.failedRequests > 0) notes.push(`${l.failedRequests} requests failed (expected none)`);
      if (l.requests === 0) notes.push('no request was made');
      if (!topo.replicaReads) {
        notes.push('serve has no --db-replica in this build: every read went to the primary, fallback not exercised');
      } else if (toPrimary === 0 || toReplica > 0) {
        notes.push(`reads did not fall back: ${toPrimary} to the primary, ${toReplica} to the replica during the stop`);
      }
      return {
        name: this.name,
        ok: notes.length === 0,
        figures: {
          ...loadFigures(l),
          replica_reads_configured: topo.replicaReads,
          nodes_saw_replica_lag_unknown_after_ms: nodesSawMs,
          exporter_metrics_the_rules_read: names,
          seconds_behind_master_while_stopped: status.secondsBehindMaster,
          heartbeat_lag_max_s: maxS,
          replica_lag_alert: alert ? `${alert.alert.labels.instance ?? ''} value ${alert.alert.value}` : null,
          replica_lag_firing_after_ms: alertMs,
          replica_lag_for: `5m scaled /${topo.ruleTimeFactor} = 5s`,
          reads_during_stop: reads,
          reads_to_primary: toPrimary,
          reads_to_replica: toReplica,
          nodes_replica_lag_seconds: nodeLag[''] ?? null,
          nodes_replica_up: nodeReplicaUp[''] ?? null,
          replica_caught_up_after_restart_ms: catchUpMs,
          stopped_for_s: round((Date.now() - stoppedAt) / 1000),
        },
        notes,
      };
    } finally {
      await lag.stop();
      if (!(await topo.pair.replicaStatus()).sqlRunning) await topo.pair.startReplicaSql();
    }
  },
};
