/**
 * The classic load-test profiles (smoke, load, stress) against the tenantops reference platform: one mixed user
 * journey over several tenants, judged by global thresholds. Runs unchanged on k6 ≥ 1.0 and on `tenantops load`;
 * see docs/load-tests.md. The per-tenant view lives in multi_tenant_load_test.js.
 *
 *   ADMIN_TOKEN=… PROFILE=load tenantops load tests/performance/load_test.js
 *
 * Env: BASE_URL (http://127.0.0.1:8080; loopback only unless ALLOW_REMOTE=1), PROFILE (smoke|load|stress, default
 * smoke), TENANTS (3), ADMIN_TOKEN or TENANT_KEYS, REPORT_DIR (.), CLEANUP=1.
 *
 *   smoke   1 VU for 30 s: the journey works end to end
 *   load    ramp to 10 VUs, hold, ramp to 20 VUs, hold (≈ 3.5 min)
 *   stress  ramp to 30 VUs, hold, ramp to 50 VUs, hold (≈ 3.5 min)
 */
import { check, group, sleep } from 'k6';
import exec from 'k6/execution';
import { ApiClient, dataOf, succeedOnlyOn2xx, pick } from './lib/api.js';
import { envChoice, loadConfig } from './lib/config.js';
import { cleanupTenants, provisionTenants } from './lib/provision.js';
import { summaryOutputs } from './lib/report.js';
/** @typedef {import('k6/options').Options} Options */
/** @typedef {import('k6/options').Scenario} Scenario */
/** @typedef {import('./lib/provision.js').SetupData} SetupData */
/** @typedef {import('./lib/summary-data.js').SummaryData} SummaryData */

const cfg = loadConfig(3);
const PROFILE = envChoice('PROFILE', /** @type {const} */ (['smoke', 'load', 'stress']), 'smoke');

const ramp = (/** @type {number} */ low, /** @type {number} */ high) =>
  /** @type {Scenario} */ ({
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '30s', target: low },
      { duration: '60s', target: low },
      { duration: '30s', target: high },
      { duration: '60s', target: high },
      { duration: '30s', target: 0 },
    ],
    gracefulRampDown: '10s',
    gracefulStop: '10s',
  });

/** @type {Record<typeof PROFILE, Scenario>} */
const PROFILES = {
  smoke: { executor: 'constant-vus', vus: 1, duration: '30s', gracefulStop: '5s' },
  load: ramp(10, 20),
  stress: ramp(30, 50),
};

/** @type {Options} */
export const options = {
  scenarios: { [PROFILE]: { ...PROFILES[PROFILE], exec: 'userJourney' } },
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<1500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  setupTimeout: '120s',
  teardownTimeout: '120s',
};

succeedOnlyOn2xx();

/**
 * @returns {SetupData}
 */
export function setup() {
  return provisionTenants(cfg);
}

/**
 * @param {SetupData} data
 * @returns {void}
 */
export function teardown(data) {
  cleanupTenants(cfg, data);
}

/**
 * A sales rep's minute: browse the CRM, log a call, ask an agent, record events, look at the dashboards.
 * @param {SetupData} data
 * @returns {void}
 */
export function userJourney(data) {
  const vu = exec.vu.idInTest;
  const it = exec.vu.iterationInScenario;
  const t = pick(data.tenants, vu + it);
  const api = new ApiClient(cfg.baseUrl, t.key, { tenant: t.label });
  const tags = { tenant: t.label };
  const ok = (/** @type {number} */ status) => (/** @type {{ status: number }} */ r) => r.status === status;

  group('browse CRM', () => {
    check(api.get('/api/v1/crm/companies', { query: 'limit=20' }), { 'companies: 200': ok(200) }, tags);
    check(api.get('/api/v1/crm/contacts', { query: 'limit=20' }), { 'contacts: 200': ok(200) }, tags);
    const opp = pick(t.opportunities, it);
    check(api.get('/api/v1/crm/opportunities/:id', { params: { id: opp } }), { 'opportunity: 200': ok(200) }, tags);
    check(
      api.get('/api/v1/crm/opportunities/:id/playbook', { params: { id: opp } }),
      { 'playbook: 200': ok(200) },
      tags,
    );
    check(api.get('/api/v1/crm/forecast'), { 'forecast: 200': ok(200) }, tags);
  });
  sleep(1);

  group('log a call', () => {
    const contact = pick(t.contacts, it);
    check(
      api.post('/api/v1/crm/activities', { subject: `Call #${it}`, type: 'call', contact_id: contact }),
      { 'activity: 201': ok(201) },
      tags,
    );
    check(
      api.get('/api/v1/crm/activities', { query: `contact_id=${contact}&limit=10` }),
      { 'activities: 200': ok(200) },
      tags,
    );
  });
  sleep(1);

  group('agents', () => {
    check(api.get('/api/v1/agents'), { 'agents: 200': ok(200) }, tags);
    const res = api.post(
      '/api/v1/agents/:id/execute',
      { input: { prompt: 'next step?' } },
      { params: { id: /** @type {number} */ (t.agents[0]) } },
    );
    check(res, { 'execute: 202': ok(202) }, tags);
    const execution = /** @type {{ id: number } | undefined} */ (dataOf(res));
    if (execution) {
      check(
        api.get('/api/v1/agents/executions/:executionId', { params: { executionId: execution.id } }),
        { 'execution: 200': ok(200) },
        tags,
      );
    }
  });
  sleep(1);

  group('analytics', () => {
    check(
      api.post('/api/v1/analytics/event', { name: 'page_view', session_id: `u${vu}-${it}` }),
      { 'event: 201': ok(201) },
      tags,
    );
    check(api.get('/api/v1/analytics/dashboard', { query: 'days=7' }), { 'dashboard: 200': ok(200) }, tags);
    check(api.get('/api/v1/social/stats'), { 'social stats: 200': ok(200) }, tags);
  });
  sleep(1);
}

/**
 * @param {SummaryData} data
 * @returns {Record<string, string>}
 */
export function handleSummary(data) {
  return summaryOutputs(data, {
    script: 'load_test',
    profile: PROFILE,
    // No per-tenant thresholds here: the table is informational, the verdict is the global thresholds'.
    tenantLabels: [],
    reportDir: cfg.reportDir,
    stem: 'load_test',
  });
}
