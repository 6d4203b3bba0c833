import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTempDatabase, skipReason, type TempDatabase } from '../helpers/test-databases.ts';
import { documentedMetrics } from './documented-metrics.ts';
import { E2E_TIME_FACTOR, scaleRuleDurations } from './e2e/scale-rule-durations.ts';
import { apiData, callApi, mapLimit, type ApiResponse } from './e2e/platform-client.ts';
import { startPlatform, type PlatformProcess } from './e2e/platform-process.ts';
import { startPrometheus, type ActiveAlert, type PrometheusProcess } from './e2e/prometheus-process.ts';
import { waitFor } from './e2e/wait-for.ts';
import { loadRuleGroups } from './load-rule-groups.ts';
import { monitoringPaths } from './monitoring-paths.ts';
import { promqlMetricNames } from './promql-metric-names.ts';
import { toolOrSkip } from './tool-or-skip.ts';

// Just over each threshold, so the test shows the rules' own numbers, not a margin.
const SESSION_KEYS = 55; // TenantConcurrencyHigh: > 50 sessions of one tenant
const QUEUED = 1010; // QueueDepthCritical: > 1000 queued
const POOL_MAX = 10;
const BLOCKED = 9; // DatabaseConnectionsScaleUp: 9/10 = 90% > 80%; the 10th connection keeps /metrics answering
const DRIVEN = ['QueueDepthCritical', 'TenantConcurrencyHigh', 'DatabaseConnectionsScaleUp'];
const ADMIN = `e2e-${process.pid}`;

// PostgreSQL, not PGlite: PGlite has a single connection, which the scrape's own queries occupy (see the report
// in docs/monitoring.md), and a table lock from a second client is what pins pool connections deterministically.
const skip = toolOrSkip('prometheus', 'prometheus') || (await skipReason('postgres'));
const forMs = new Map(loadRuleGroups(monitoringPaths.scalingRules).alerts.map((a) => [a.alert, a.for ?? '0m']));
const scaledForMs = (alert: string): number => {
  const m = /^(\d+)([mh])$/.exec(forMs.get(alert) ?? '')!;
  return (Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 60_000)) / E2E_TIME_FACTOR;
};

interface Tenant {
  id: number;
  api_key: string;
}

describe('scaling alerts end to end (real Prometheus scraping tenantops serve)', { skip, timeout: 240_000 }, () => {
  let db: TempDatabase | undefined;
  let dir = '';
  let platform: PlatformProcess | undefined;
  let workerNode: PlatformProcess | undefined;
  let prometheus: PrometheusProcess | undefined;
  let locker: pg.Client | undefined;
  let hot: Tenant; // holds > 50 sessions
  let quiet: Tenant; // its requests are the ones stuck on the pool
  let stopSessions = (): Promise<void> => Promise.resolve();
  let blocked: Promise<ApiResponse[]> = Promise.resolve([]);

  const admin = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    apiData<T>(platform!.url, method, `/api/v1/admin${path}`, { token: ADMIN, body });
  const driven = async (): Promise<ActiveAlert[]> =>
    (await prometheus!.alerts()).filter((a) => DRIVEN.includes(a.labels.alertname ?? ''));
  const diagnostics = (): string =>
    `\n--- platform ---\n${platform?.output() ?? ''}\n--- prometheus ---\n${prometheus?.output() ?? ''}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantops-alerts-e2e-'));
    db = await createTempDatabase('postgres');
    platform = await startPlatform({
      root: monitoringPaths.root,
      dbUrl: db.url,
      adminToken: ADMIN,
      workers: 0, // paused: the queue only grows
      poolMax: POOL_MAX,
    });
    const rules = join(dir, 'scaling_alerts.yml');
    writeFileSync(rules, scaleRuleDurations(readFileSync(monitoringPaths.scalingRules, 'utf8')));
    prometheus = await startPrometheus(dir, new URL(platform.url).host, rules);
  });

  after(async () => {
    await stopSessions().catch(() => undefined);
    await locker?.end().catch(() => undefined);
    await blocked.catch(() => undefined);
    await workerNode?.stop();
    await platform?.stop();
    await prometheus?.stop();
    await db?.drop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Prometheus loads the time-scaled rules and scrapes the platform', async () => {
    await waitFor(
      'the platform target to be up',
      async () => ((await prometheus!.query('up{job="tenantops"} == 1')).length === 1 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(await driven(), [], 'no driven alert before any load');
  });

  test('the live /metrics exposes every platform metric the rules read', async () => {
    const docs = documentedMetrics(readFileSync(monitoringPaths.metricsDoc, 'utf8'));
    const { alerts, records } = loadRuleGroups(monitoringPaths.scalingRules);
    const recorded = new Set(records.map((r) => r.record));
    const used = [...records, ...alerts].flatMap((r) => promqlMetricNames(r.expr));
    const platformNames = used.filter((n) => !recorded.has(n) && !docs.exporterNames.has(n));
    const text = await (await fetch(`${platform!.url}/metrics`)).text();
    // prom-client writes # TYPE for a family before its first sample; a histogram's series share its family.
    const family = (n: string): string => n.replace(/_(bucket|sum|count)$/, '');
    const missing = [...new Set(platformNames)].filter((n) => !text.includes(`# TYPE ${family(n)} `));
    assert.ok(platformNames.includes('tenantops_tenant_sessions'));
    assert.deepEqual(missing, []);
  });

  test('QueueDepthCritical, TenantConcurrencyHigh (for the hot tenant) and DatabaseConnectionsScaleUp fire', async () => {
    [hot, quiet] = await Promise.all([
      admin<Tenant>('POST', '/tenants', { name: 'e2e hot tenant' }),
      admin<Tenant>('POST', '/tenants', { name: 'e2e quiet tenant' }),
    ]);
    const extra = await mapLimit(Array.from({ length: SESSION_KEYS - 1 }), 8, () =>
      admin<{ api_key: string }>('POST', `/tenants/${hot.id}/keys`, { label: 'e2e' }),
    );
    const hotKeys = [hot.api_key, ...extra.map((k) => k.api_key)];

    // Queue: workers are paused, so every execution stays queued.
    const [agent] = await apiData<{ id: number }[]>(platform!.url, 'GET', '/api/v1/agents', { token: quiet.api_key });
    await mapLimit(Array.from({ length: QUEUED }), 8, async () => {
      const r = await callApi(platform!.url, 'POST', `/api/v1/agents/${agent!.id}/execute`, { token: quiet.api_key });
      assert.equal(r.status, 202);
    });

    // Sessions: every key of the hot tenant makes a request every 10 s, well inside the 60 s session window.
    let running = true;
    const loop = (async () => {
      while (running) {
        await mapLimit(hotKeys, 16, (token) => callApi(platform!.url, 'GET', '/api/v1/agents', { token }));
        for (let i = 0; i < 20 && running; i++) await new Promise((r) => setTimeout(r, 500));
      }
    })();
    stopSessions = async () => {
      running = false;
      await loop;
    };

    // Pool: a second client locks the events table, so each event insert waits on the server holding its pool
    // connection, as when the database is slow. The quiet tenant's single key keeps its sessions at 1.
    locker = new pg.Client({ connectionString: db!.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE analytics_event IN EXCLUSIVE MODE');
    blocked = Promise.all(
      Array.from({ length: BLOCKED }, (_, i) =>
        callApi(platform!.url, 'POST', '/api/v1/analytics/event', { token: quiet.api_key, body: { name: `e2e-${i}` } }),
      ),
    );

    const fired = await waitFor(
      'the three driven alerts to fire',
      async () => {
        const alerts = (await driven()).filter((a) => a.state === 'firing');
        return DRIVEN.every((n) => alerts.some((a) => a.labels.alertname === n)) ? alerts : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((e: Error) => assert.fail(`${e.message}${diagnostics()}`));

    const seenAt = Date.now();
    for (const a of fired) {
      // Firing only after `for`: the alert became active at least the scaled `for` ago.
      const pendingFor = seenAt - Date.parse(a.activeAt);
      assert.ok(pendingFor >= scaledForMs(a.labels.alertname!), `${a.labels.alertname} fired after ${pendingFor} ms`);
      assert.ok(a.annotations.runbook_url?.endsWith(`#${a.labels.alertname!.toLowerCase()}`));
    }
    const concurrency = fired.filter((a) => a.labels.alertname === 'TenantConcurrencyHigh');
    assert.deepEqual(
      concurrency.map((a) => a.labels.tenant),
      [String(hot.id)],
    );
    assert.ok(Number(concurrency[0]!.value) > 50);
    const pool = fired.find((a) => a.labels.alertname === 'DatabaseConnectionsScaleUp')!;
    assert.equal(pool.labels.instance, new URL(platform!.url).host);
    assert.ok(Number(pool.value) > 0.8);
    const queue = fired.find((a) => a.labels.alertname === 'QueueDepthCritical')!;
    assert.ok(Number(queue.value) >= QUEUED, queue.value);
  });

  test('the alerts resolve once the load stops', async () => {
    await stopSessions(); // sessions now expire after the platform's 60 s window
    await locker!.query('COMMIT'); // the stuck inserts complete and return their connections
    assert.deepEqual(
      (await blocked).map((r) => r.status),
      Array(BLOCKED).fill(201),
    );
    // A second node with running workers drains the shared queue, as an operator adding workers would.
    workerNode = await startPlatform({
      root: monitoringPaths.root,
      dbUrl: db!.url,
      adminToken: ADMIN,
      workers: 4,
      poolMax: POOL_MAX,
      jobLatencyMs: 0,
    });
    await waitFor('the driven alerts to resolve', async () => ((await driven()).length === 0 ? true : undefined), {
      timeoutMs: 100_000,
      intervalMs: 1_000,
    }).catch(async (e: Error) => {
      const left = await driven().catch(() => []);
      assert.fail(`${e.message}: ${JSON.stringify(left)}${diagnostics()}`);
    });
    const queued = await prometheus!.query('tenantops_queue_depth{status="queued"}');
    assert.deepEqual(
      queued.map((s) => s.value),
      [0],
    );
  });
});
