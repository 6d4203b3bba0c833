import type { CheckResult, Figure } from './lab-check.ts';

// The figures a reader looks for first, in this order; the rest are in summary.json.
const KEY_FIGURES = [
  'requests',
  'req_per_s',
  'p95_ms',
  'failed_rate_pct',
  'tenants_passing_thresholds',
  'haproxy_marked_down_after_ms',
  'scrape_target_down_firing_after_ms',
  'replica_lag_firing_after_ms',
  'reads_to_primary',
  'reads_to_replica',
  'restore_s',
  'replica_lag_max_during_restore_s',
  'replica_caught_up_after_restore_ms',
  'tables_equal_on_replica',
  'req_per_s_ratio_two_nodes_vs_one',
];

const show = (v: Figure): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** One row per check: number, result, name, key figures; notes under a failed check. */
export function renderTable(checks: CheckResult[]): string {
  const rows = checks.map((c, i) => [
    String(i + 1),
    c.ok ? 'ok' : 'FAIL',
    c.name,
    KEY_FIGURES.filter((k) => k in c.figures && c.figures[k] !== null)
      .map((k) => `${k}=${show(c.figures[k]!)}`)
      .join(' '),
  ]);
  const head = ['#', 'result', 'check', 'figures'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 3 ? c : c.padEnd(w[i]!))).join('  ');
  const out = [line(head), line(w.map((n) => '-'.repeat(Math.min(n, 60))))];
  checks.forEach((c, i) => {
    out.push(line(rows[i]!));
    for (const n of c.notes) out.push(`${' '.repeat(w[0]! + w[1]! + 4)}- ${n}`);
  });
  return out.join('\n');
}
