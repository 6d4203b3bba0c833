import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tests = join(root, 'monitoring/prometheus/tests');

/** Absolute paths of the monitoring files under test, so tests run from any working directory. */
export const monitoringPaths = {
  root,
  metricsDoc: join(root, 'docs/metrics.md'),
  prometheusConfig: join(root, 'monitoring/prometheus/prometheus.yml'),
  scalingRules: join(root, 'monitoring/prometheus/rules/scaling_alerts.yml'),
  ruleTestsDir: tests,
  ruleTests: readdirSync(tests)
    .filter((f) => f.endsWith('.test.yml'))
    .sort()
    .map((f) => join(tests, f)),
  alertmanagerConfig: join(root, 'monitoring/alertmanager/alertmanager.yml'),
  dashboard: join(root, 'monitoring/grafana/scaling-dashboard.json'),
};
