import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { dashboardQueries } from './dashboard-queries.ts';
import { documentedMetrics } from './documented-metrics.ts';
import { loadRuleGroups } from './load-rule-groups.ts';
import { monitoringPaths } from './monitoring-paths.ts';
import { promqlMetricNames } from './promql-metric-names.ts';

const docs = documentedMetrics(readFileSync(monitoringPaths.metricsDoc, 'utf8'));
const rules = loadRuleGroups(monitoringPaths.scalingRules);
const recorded = new Set(rules.records.map((r) => r.record));
const defined = (name: string): boolean => docs.has(name) || recorded.has(name);

/** "where: name" for every name in the expressions that docs/metrics.md does not define. */
function undefinedNames(exprs: { where: string; expr: string }[]): string[] {
  return exprs.flatMap(({ where, expr }) =>
    promqlMetricNames(expr)
      .filter((n) => !defined(n))
      .map((n) => `${where}: ${n}`),
  );
}

describe('metric names in rules and dashboard', () => {
  test('docs/metrics.md tables yield platform, histogram and exporter names', () => {
    for (const n of [
      'tenantops_tenant_sessions',
      'http_request_duration_seconds_bucket',
      'tenantops_job_duration_seconds_count',
      'mysql_global_status_threads_connected',
      'node_memory_MemTotal_bytes',
      'process_cpu_seconds_total',
      'up',
    ]) {
      assert.ok(docs.has(n), `${n} should be documented`);
    }
    // Prose in the exporter column mentions a newer name; it is not a definition.
    assert.equal(docs.has('pg_replication_lag_seconds'), false);
  });

  test('every rule expression uses only documented or recorded metric names', () => {
    const exprs = [
      ...rules.records.map((r) => ({ where: `record ${r.record}`, expr: r.expr })),
      ...rules.alerts.map((a) => ({ where: `alert ${a.alert}`, expr: a.expr })),
    ];
    assert.ok(exprs.length >= 20, 'the rules file should hold the scaling rules');
    assert.deepEqual(undefinedNames(exprs), []);
  });

  test('every dashboard query uses only documented or recorded metric names', () => {
    const queries = dashboardQueries(readFileSync(monitoringPaths.dashboard, 'utf8'));
    assert.ok(queries.length >= 10, 'the dashboard should have its panels');
    assert.deepEqual(undefinedNames(queries.map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr }))), []);
  });

  test('recording rules read only names defined before them, so none depends on a later rule', () => {
    const seen = new Set<string>();
    for (const r of rules.records) {
      for (const n of promqlMetricNames(r.expr)) assert.ok(docs.has(n) || seen.has(n), `${r.record} reads ${n}`);
      seen.add(r.record);
    }
  });
});

describe('promqlMetricNames', () => {
  test('reads selectors from the syntax tree, not label names, functions or strings', () => {
    const expr =
      'sum by (job) (rate(a_total{route=~"b_total"}[5m])) / ignoring (tenant) group_left job:c:rate5m > 1 unless on (job) {__name__="d"}';
    assert.deepEqual(promqlMetricNames(expr), ['a_total', 'd', 'job:c:rate5m']);
  });

  test('rejects the host platform’s undocumented metrics', () => {
    const names = promqlMetricNames('sum(rate(http_requests_total[5m])) + drupal_queue_items_total');
    assert.deepEqual(
      names.filter((n) => !defined(n)),
      ['drupal_queue_items_total', 'http_requests_total'],
    );
  });

  test('throws on a syntax error instead of returning a partial list', () => {
    assert.throws(() => promqlMetricNames('sum(rate(foo[5m])'), /syntax error/);
  });

  test('throws on a __name__ regex it cannot check', () => {
    assert.throws(() => promqlMetricNames('{__name__=~"tenantops_.*"}'), /non-exact __name__/);
  });
});
