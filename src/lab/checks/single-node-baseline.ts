import type { LabCheck } from '../lab-check.ts';
import { loadFigures, loadNotes } from '../load-figures.ts';
import { round, runLoad } from '../load-run.ts';

/**
 * Check 5: the same load on one node against the primary alone (phase 2's shape), in the same run, beside check 1.
 * The other nodes stay up but idle; on one machine both setups share the same cores, so the ratio shows what the
 * extra hop and node cost or buy here, not what separate hosts would give.
 */
export const singleNodeBaseline: LabCheck = {
  name: 'same load, one node on the primary alone (comparison)',
  async run(ctx) {
    const node = await ctx.topo.startNode('solo', false);
    try {
      const l = await runLoad(ctx.load, node.url, ctx.reportDir('5-single-node'));
      const first = ctx.results[0]?.figures;
      const one: Record<string, number> = { req_per_s: l.rps, p95_ms: l.p95Ms };
      // Check 1's figure over this one's; null when check 1 has none (it failed before its load ended).
      const ratio = (k: string): number | null => {
        const two = first?.[k];
        return typeof two === 'number' && one[k]! > 0 ? round(two / one[k]!, 2) : null;
      };
      const notes = loadNotes(l);
      return {
        name: this.name,
        ok: notes.length === 0,
        figures: {
          ...loadFigures(l),
          haproxy_two_nodes_req_per_s: first ? (first.req_per_s ?? null) : null,
          haproxy_two_nodes_p95_ms: first ? (first.p95_ms ?? null) : null,
          req_per_s_ratio_two_nodes_vs_one: ratio('req_per_s'),
          p95_ratio_two_nodes_vs_one: ratio('p95_ms'),
        },
        notes,
      };
    } finally {
      await node.stop();
    }
  },
};
