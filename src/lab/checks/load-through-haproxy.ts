import type { LabCheck } from '../lab-check.ts';
import { loadFigures, loadNotes } from '../load-figures.ts';
import { runLoad } from '../load-run.ts';
import { metricDelta, sumNodeMetric, total } from '../node-metrics.ts';

/** Check 1: the multi-tenant load test through HAProxy, every tenant held to its own thresholds. */
export const loadThroughHaproxy: LabCheck = {
  name: 'load through HAProxy (two nodes, per-tenant thresholds)',
  async run(ctx) {
    const { topo } = ctx;
    const before = await topo.haproxy.servers();
    const reads0 = await sumNodeMetric(topo.nodes, 'tenantops_db_reads_total');
    const l = await runLoad(ctx.load, topo.haproxy.url, ctx.reportDir('1-haproxy'));
    const after = await topo.haproxy.servers();
    const reads = metricDelta(reads0, await sumNodeMetric(topo.nodes, 'tenantops_db_reads_total'));
    const share = Object.fromEntries(
      after.map((s) => [s.name, s.total - (before.find((b) => b.name === s.name)?.total ?? 0)]),
    );
    const notes = loadNotes(l);
    return {
      name: this.name,
      ok: notes.length === 0,
      figures: {
        ...loadFigures(l),
        requests_per_node: share,
        reads_to_replica: total(reads, /target="replica"/),
        reads_to_primary: total(reads, /target="primary"/),
        reads_by_target_and_reason: reads,
      },
      notes,
    };
  },
};
