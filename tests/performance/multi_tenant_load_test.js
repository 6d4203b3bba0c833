/**
 * Multi-tenant load test for the tenantops reference platform (docs/api.md). Runs unchanged on k6 ≥ 1.0 and on
 * `tenantops load`; see docs/load-tests.md.
 *
 *   TENANTOPS_ADMIN_TOKEN=… tenantops serve &   # or: npm run loadtest -- --profile smoke
 *   ADMIN_TOKEN=… PROFILE=smoke tenantops load tests/performance/multi_tenant_load_test.js
 *
 * Env: BASE_URL (http://127.0.0.1:8080; loopback only unless ALLOW_REMOTE=1), TENANTS (5), ADMIN_TOKEN,
 * TENANT_KEYS (comma-separated keys of existing tenants, instead of ADMIN_TOKEN), PROFILE (smoke|full, default
 * full), SCENARIOS (comma-separated subset), REPORT_DIR (.), CLEANUP=1 (teardown deletes what setup created).
 *
 * Scenarios, each with its own exec function:
 *   tenant_api_mix      CRM list/read/create, agent execute + poll until done, analytics events + dashboard
 *   crm_pipeline        create a deal, move it through the stages, check the forecast moves by its weighted value
 *   tenant_isolation    tenant A's key against tenant B's ids on every id route: each 2xx or leak is a violation
 *   scaling_breakpoint  stair-step ramp to 100 VUs after the others; aborts when p95 > 2 s or errors > 5 %
 */
import { check, group, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { ApiClient, bodyOf, dataOf, describe, succeedOnlyOn2xx, pick } from './lib/api.js';
import { levelAt, stairStages } from './lib/breakpoint.js';
import { envChoice, envList, loadConfig } from './lib/config.js';
import { levelMetrics } from './lib/level-metrics.js';
import { cleanupTenants, provisionTenants } from './lib/provision.js';
import { summaryOutputs } from './lib/report.js';
/** @typedef {import('k6/options').Options} Options */
/** @typedef {import('k6/options').Scenario} Scenario */
/** @typedef {import('./lib/api.js').Res} Res */
/** @typedef {import('./lib/breakpoint.js').BreakpointPlan} BreakpointPlan */
/** @typedef {import('./lib/level-metrics.js').LevelMetrics} LevelMetrics */
/** @typedef {import('./lib/provision.js').Stage} Stage */
/** @typedef {import('./lib/provision.js').SetupData} SetupData */
/** @typedef {import('./lib/provision.js').TenantData} TenantData */
/** @typedef {import('./lib/summary-data.js').SummaryData} SummaryData */

const cfg = loadConfig(5);
const PROFILE = envChoice('PROFILE', /** @type {const} */ (['smoke', 'full']), 'full');
const N = cfg.tenantLabels.length;
const TENANT_P95_MS = 500;
const TENANT_ERROR_RATE = 0.01;

/**
 * @typedef {object} Profile
 * @property {number} think Seconds of think time between request groups in the SLO scenarios.
 * @property {number} pollSeconds Bound on polling an agent execution.
 * @property {{ tenant_api_mix: Scenario; crm_pipeline: Scenario; tenant_isolation: Scenario; }} scenarios
 * @property {number} sloEndSeconds When the three scenarios above are over, gracefulStop included: the breakpoint ramp starts then.
 * @property {BreakpointPlan} breakpoint
 * @property {number} breakpointThink
 * @property {string} abortDelay
 */

const SLO = { sloP95Ms: 2000, sloErrorRate: 0.05 };

/** @type {Record<'smoke' | 'full', Profile>} */
const PROFILES = {
  // ≈ 25 s: every scenario runs briefly, every tenant is reached, the breakpoint ramp has two stairs.
  smoke: {
    think: 0.2,
    pollSeconds: 8,
    scenarios: {
      tenant_api_mix: {
        executor: 'ramping-vus',
        exec: 'tenantApiMix',
        startVUs: 1,
        stages: [
          { duration: '2s', target: 2 },
          { duration: '8s', target: 2 },
          { duration: '2s', target: 0 },
        ],
        gracefulRampDown: '2s',
        gracefulStop: '2s',
      },
      crm_pipeline: {
        executor: 'shared-iterations',
        exec: 'crmPipeline',
        vus: Math.min(2, N),
        iterations: N,
        maxDuration: '12s',
        gracefulStop: '2s',
      },
      tenant_isolation: {
        executor: 'shared-iterations',
        exec: 'tenantIsolation',
        vus: 1,
        iterations: N,
        maxDuration: '12s',
        gracefulStop: '2s',
      },
    },
    sloEndSeconds: 14,
    breakpoint: { levels: [5, 10], rampSeconds: 2, holdSeconds: 3, ...SLO },
    breakpointThink: 0.05,
    abortDelay: '2s',
  },
  // ≈ 5 min: 130 s of steady multi-tenant traffic, then the ramp to 100 VUs in stairs of 10.
  full: {
    think: 1,
    pollSeconds: 15,
    scenarios: {
      tenant_api_mix: {
        executor: 'ramping-vus',
        exec: 'tenantApiMix',
        startVUs: 0,
        stages: [
          { duration: '30s', target: 10 },
          { duration: '90s', target: 10 },
          { duration: '10s', target: 0 },
        ],
        gracefulRampDown: '10s',
        gracefulStop: '10s',
      },
      crm_pipeline: {
        executor: 'constant-vus',
        exec: 'crmPipeline',
        vus: 2,
        duration: '130s',
        gracefulStop: '10s',
      },
      tenant_isolation: {
        executor: 'constant-vus',
        exec: 'tenantIsolation',
        vus: 1,
        duration: '130s',
        gracefulStop: '10s',
      },
    },
    sloEndSeconds: 140,
    breakpoint: { levels: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], rampSeconds: 3, holdSeconds: 12, ...SLO },
    breakpointThink: 0.1,
    abortDelay: '10s',
  },
};

const P = PROFILES[PROFILE];
const SLO_SCENARIOS = /** @type {const} */ (['tenant_api_mix', 'crm_pipeline', 'tenant_isolation']);
const ALL_SCENARIOS = /** @type {const} */ ([...SLO_SCENARIOS, 'scaling_breakpoint']);

/**
 * @returns {string[]}
 */
function selectedScenarios() {
  const wanted = envList('SCENARIOS');
  for (const s of wanted) {
    if (!(/** @type {readonly string[]} */ (ALL_SCENARIOS).includes(s))) {
      throw new Error(`SCENARIOS: unknown scenario "${s}"; choose from ${ALL_SCENARIOS.join(', ')}`);
    }
  }
  /** @type {string[]} */
  let names = wanted.length ? wanted : [...ALL_SCENARIOS];
  if (N < 2 && names.includes('tenant_isolation')) {
    if (wanted.includes('tenant_isolation')) throw new Error('tenant_isolation needs TENANTS ≥ 2');
    names = names.filter((s) => s !== 'tenant_isolation'); // one tenant has no neighbour to leak to
  }
  return names;
}

const SELECTED = selectedScenarios();
const sloSelected = SLO_SCENARIOS.filter((s) => SELECTED.includes(s));

/**
 * @returns {Record<string, Scenario>}
 */
function buildScenarios() {
  /** @type {Record<string, Scenario>} */
  const out = {};
  for (const s of sloSelected) out[s] = P.scenarios[s];
  if (SELECTED.includes('scaling_breakpoint')) {
    out.scaling_breakpoint = {
      executor: 'ramping-vus',
      exec: 'scalingBreakpoint',
      startVUs: 0,
      stages: stairStages(P.breakpoint),
      gracefulRampDown: '5s',
      gracefulStop: '5s',
      // After the SLO scenarios, so the ramp measures the platform alone and does not disturb their numbers.
      startTime: sloSelected.length ? `${P.sloEndSeconds}s` : '0s',
      // The ramp spreads over all tenants: "all" keeps its overload out of the per-tenant SLO thresholds.
      tags: { tenant: 'all' },
    };
  }
  return out;
}

/**
 * @returns {NonNullable<Options['thresholds']>}
 */
function buildThresholds() {
  /** @type {NonNullable<Options['thresholds']>} */
  const t = {};
  if (sloSelected.length) {
    // Per tenant, for every tenant: an idle or slow tenant fails on its own, whatever the others do.
    for (const label of cfg.tenantLabels) {
      t[`http_req_duration{tenant:${label}}`] = [`p(95)<${TENANT_P95_MS}`];
      t[`http_req_failed{tenant:${label}}`] = [`rate<${TENANT_ERROR_RATE}`];
      t[`http_reqs{tenant:${label}}`] = ['count>0'];
    }
    // Global (all tenants together), per SLO scenario.
    for (const s of sloSelected) {
      t[`http_req_duration{scenario:${s}}`] = [`p(95)<${TENANT_P95_MS}`, 'p(99)<1500'];
      t[`http_req_failed{scenario:${s}}`] = [`rate<${TENANT_ERROR_RATE}`];
    }
    t.tenant_isolation_violations = ['count==0'];
    t.checks = ['rate>0.99'];
  }
  if (SELECTED.includes('scaling_breakpoint')) {
    t['http_req_duration{scenario:scaling_breakpoint}'] = [
      { threshold: `p(95)<${P.breakpoint.sloP95Ms}`, abortOnFail: true, delayAbortEval: P.abortDelay },
    ];
    t['http_req_failed{scenario:scaling_breakpoint}'] = [
      { threshold: `rate<${P.breakpoint.sloErrorRate}`, abortOnFail: true, delayAbortEval: P.abortDelay },
    ];
  }
  return t;
}

/** @type {Options} */
export const options = {
  scenarios: buildScenarios(),
  thresholds: buildThresholds(),
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  setupTimeout: '120s',
  teardownTimeout: '120s',
};

succeedOnlyOn2xx();
const violations = new Counter('tenant_isolation_violations');
const levels = levelMetrics(P.breakpoint);

// ---------------------------------------------------------------- setup / teardown

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

// ---------------------------------------------------------------- helpers

/**
 * @param {TenantData} t
 * @param {Record<string, string>} [tags={}]
 * @returns {ApiClient}
 */
function clientFor(t, tags = {}) {
  return new ApiClient(cfg.baseUrl, t.key, { tenant: t.label, ...tags });
}

/** @typedef {Record<string, unknown>} Row */

/** A row of this tenant: the API returns tenant_id on every row so that a leak is visible. */
const owned = (/** @type {TenantData} */ t, /** @type {Row | undefined} */ row) =>
  !!row && Number(row.tenant_id) === t.id;

/**
 * A list answer: 200, and every row is the tenant's own; a foreign row counts as an isolation violation.
 * @param {TenantData} t
 * @param {Res} res
 * @param {string} route
 * @returns {Row[]}
 */
function checkList(t, res, route) {
  const what = `GET ${route}`;
  const rows = /** @type {Row[] | undefined} */ (dataOf(res));
  const foreign = Array.isArray(rows) ? rows.filter((r) => !owned(t, r)).length : 0;
  violations.add(foreign, { tenant: t.label, name: route, probe: `GET ${route}` });
  check(
    res,
    {
      [`${what}: 200`]: (r) => r.status === 200,
      [`${what}: only own rows`]: () => Array.isArray(rows) && foreign === 0,
    },
    { tenant: t.label },
  );
  return Array.isArray(rows) ? rows : [];
}

/**
 * @param {TenantData} t
 * @param {Res} res
 * @param {string} what
 * @param {number} status
 * @returns {Row | undefined}
 */
function checkOwn(t, res, what, status) {
  const row = /** @type {Row | undefined} */ (dataOf(res));
  check(
    res,
    { [`${what}: ${status}`]: (r) => r.status === status, [`${what}: own row`]: () => owned(t, row) },
    { tenant: t.label },
  );
  return row;
}

/** Rotates tenants so a handful of VUs still reaches every tenant. */
const tenantAt = (/** @type {SetupData} */ data, /** @type {number} */ n) => pick(data.tenants, n);

// ---------------------------------------------------------------- 1. tenant_api_mix

/**
 * @param {SetupData} data
 * @returns {void}
 */
export function tenantApiMix(data) {
  const vu = exec.vu.idInTest;
  const it = exec.vu.iterationInScenario;
  const t = tenantAt(data, vu + it);
  const api = clientFor(t);
  const tags = { tenant: t.label };

  group('crm', () => {
    checkList(t, api.get('/api/v1/crm/companies', { query: 'limit=20' }), '/api/v1/crm/companies');
    checkOwn(t, api.get('/api/v1/crm/contacts/:id', { params: { id: pick(t.contacts, it) } }), 'GET contact', 200);
    const opportunities = '/api/v1/crm/opportunities';
    checkList(t, api.get(opportunities, { query: 'limit=10&status=open' }), opportunities);
    const contact = checkOwn(
      t,
      api.post('/api/v1/crm/contacts', {
        full_name: `Load VU${vu} #${it}`,
        email: `vu${vu}.${it}.${t.label}@loadtest.invalid`,
        company_id: pick(t.companies, it),
      }),
      'POST contact',
      201,
    );
    checkOwn(
      t,
      api.post('/api/v1/crm/activities', {
        subject: 'Discovery call',
        type: 'call',
        contact_id: contact ? Number(contact.id) : pick(t.contacts, it),
      }),
      'POST activity',
      201,
    );
  });
  sleep(P.think);

  group('agents', () => {
    const agent = pick(t.agents, it);
    const queued = checkOwn(
      t,
      api.post('/api/v1/agents/:id/execute', { input: { prompt: `summarise deal ${it}` } }, { params: { id: agent } }),
      'POST agent execute',
      202,
    );
    let status = queued ? String(queued.status) : 'none';
    if (queued) {
      // Poll until the queue worker finishes it, bounded in time and in requests.
      const until = Date.now() + P.pollSeconds * 1000;
      for (let polls = 0; polls < 100 && status !== 'done' && status !== 'failed' && Date.now() < until; polls++) {
        sleep(0.2);
        const res = api.get('/api/v1/agents/executions/:executionId', { params: { executionId: Number(queued.id) } });
        const row = checkOwn(t, res, 'GET execution', 200);
        if (row) status = String(row.status);
      }
    }
    check(status, { 'agent execution finished': (s) => s === 'done' || s === 'failed' }, tags);
    if (it % 5 === 0) {
      check(api.get('/api/v1/agents/metrics'), { 'GET agent metrics: 200': (r) => r.status === 200 }, tags);
    }
  });
  sleep(P.think);

  group('analytics', () => {
    const session = `vu${vu}-${it}`;
    check(
      api.post('/api/v1/analytics/event', { name: 'page_view', session_id: session, properties: { path: '/crm' } }),
      { 'POST event: 201': (r) => r.status === 201 },
      tags,
    );
    const events = ['page_view', 'signup', 'deal_created'].map((name) => ({ name, session_id: session }));
    check(
      api.post('/api/v1/analytics/batch', { events }),
      {
        'POST batch: 3 inserted': (r) =>
          r.status === 201 && /** @type {{ inserted: number } | undefined} */ (dataOf(r))?.inserted === 3,
      },
      tags,
    );
    const dash = api.get('/api/v1/analytics/dashboard', { query: 'days=1' });
    check(
      dash,
      {
        'GET dashboard: has events': (r) => {
          const d = /** @type {{ events_total: number } | undefined} */ (dataOf(r));
          return (d?.events_total ?? 0) > 0;
        },
      },
      tags,
    );
    if (it % 3 === 0) {
      check(
        api.get('/api/v1/analytics/funnel', { query: 'steps=page_view,signup,deal_created&days=1' }),
        { 'GET funnel: 200': (r) => r.status === 200 },
        tags,
      );
      check(api.get('/api/v1/social/stats'), { 'GET social stats: 200': (r) => r.status === 200 }, tags);
    }
  });
  sleep(P.think);
}

// ---------------------------------------------------------------- 2. crm_pipeline

/**
 * @typedef {object} Forecast
 * @property {number} weighted_total
 * @property {{ month: string | null; weighted: number }[]} by_month
 */

/**
 * The weighted forecast of one expected-close month. Each VU closes its deals in a month of its own (year 2100+VU),
 * so concurrent VUs and the other scenarios cannot move it: the change is exactly this deal's value × probability.
 * @param {ApiClient} api
 * @param {TenantData} t
 * @param {string} month
 * @returns {number | null}
 */
function monthWeighted(api, t, month) {
  const res = api.get('/api/v1/crm/forecast');
  const f = /** @type {Forecast | undefined} */ (dataOf(res));
  check(res, { 'GET forecast: 200': (r) => r.status === 200 && !!f }, { tenant: t.label });
  if (!f) return null;
  return f.by_month.find((m) => m.month === month)?.weighted ?? 0;
}

/**
 * @param {SetupData} data
 * @returns {void}
 */
export function crmPipeline(data) {
  const vu = exec.vu.idInTest;
  const it = exec.vu.iterationInScenario;
  const t = tenantAt(data, exec.scenario.iterationInTest);
  const api = clientFor(t);
  const tags = { tenant: t.label };
  const month = `${2100 + (vu % 7000)}-${String((it % 12) + 1).padStart(2, '0')}`;
  const value = 4000 + 400 * (it % 10); // a multiple of 4: every default probability gives cents exactly
  const base = monthWeighted(api, t, month);

  /** After a move: the month's weighted forecast is base + value × the deal's probability now. */
  const expectForecast = (/** @type {string} */ step, /** @type {Row | undefined} */ opp) => {
    if (!opp || base === null) return;
    const want = base + (opp.status === 'open' ? (value * Number(opp.probability)) / 100 : 0);
    const got = monthWeighted(api, t, month);
    check(got, { [`forecast follows the deal: ${step}`]: (g) => g !== null && Math.abs(g - want) < 0.01 }, tags);
  };

  const stages = t.openStages;
  const created = checkOwn(
    t,
    api.post('/api/v1/crm/opportunities', {
      title: `Pipeline VU${vu} #${it}`,
      value,
      contact_id: pick(t.contacts, it),
      stage: /** @type {Stage} */ (stages[0]).machine_name,
      expected_close: `${month}-15`,
    }),
    'POST opportunity',
    201,
  );
  if (!created) return;
  const id = Number(created.id);
  expectForecast(`created in ${/** @type {Stage} */ (stages[0]).machine_name}`, created);
  sleep(P.think);

  // The second stage through /pipeline/move, the others through /opportunities/:id/stage.
  for (let i = 1; i < stages.length; i++) {
    const stage = /** @type {Stage} */ (stages[i]).machine_name;
    const res =
      i === 1
        ? api.post('/api/v1/crm/pipeline/move', { opportunity_id: id, stage }, { tags: { step: 'move' } })
        : api.post('/api/v1/crm/opportunities/:id/stage', { stage }, { params: { id } });
    const opp = checkOwn(t, res, i === 1 ? 'POST pipeline/move' : 'POST opportunity stage', 200);
    check(opp, { [`deal is in ${stage}`]: (o) => o?.stage === stage }, tags);
    expectForecast(`moved to ${stage}`, opp);
    sleep(P.think);
  }

  const bant = checkOwn(
    t,
    api.patch('/api/v1/crm/opportunities/:id/bant', { budget: true, need: true }, { params: { id } }),
    'PATCH bant',
    200,
  );
  check(bant, { 'BANT score is 50': (o) => Number(o?.bant_score) === 50 }, tags);
  const playbook = api.get('/api/v1/crm/opportunities/:id/playbook', { params: { id } });
  check(
    playbook,
    {
      'GET playbook: next action': (r) => typeof (/** @type {Row | undefined} */ (dataOf(r))?.next_action) === 'string',
    },
    tags,
  );

  const outcome = it % 2 === 0 ? 'won' : 'lost';
  const closed = checkOwn(
    t,
    api.post(`/api/v1/crm/opportunities/:id/${outcome}`, {}, { params: { id } }),
    `POST ${outcome}`,
    200,
  );
  check(closed, { [`deal is ${outcome}`]: (o) => o?.status === outcome }, tags);
  // A closed deal leaves the forecast: the month is back where it started.
  expectForecast(`closed as ${outcome}`, closed);
  sleep(P.think);
}

// ---------------------------------------------------------------- 3. tenant_isolation

/**
 * @typedef {object} Probe
 * @property {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @property {string} route
 * @property {Record<string, number>} [params]
 * @property {string} [query]
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {number} expect The correct answer: 404 for another tenant's id, 403 for a spoofed X-Tenant-Id, 200 for a filtered list.
 */

/**
 * Every route that takes an id or a body reference, aimed at B's canary rows with A's key.
 * @param {TenantData} a
 * @param {TenantData} b
 * @returns {Probe[]}
 */
function probes(a, b) {
  const c = b.canary;
  const stage = /** @type {Stage} */ (a.openStages[Math.min(1, a.openStages.length - 1)]).machine_name;
  const opp = { params: { id: c.opportunity } };
  return [
    // Reads.
    { method: 'GET', route: '/api/v1/crm/companies/:id', params: { id: c.company }, expect: 404 },
    { method: 'GET', route: '/api/v1/crm/contacts/:id', params: { id: c.contact }, expect: 404 },
    { method: 'GET', route: '/api/v1/crm/opportunities/:id', ...opp, expect: 404 },
    { method: 'GET', route: '/api/v1/crm/opportunities/:id/playbook', ...opp, expect: 404 },
    { method: 'GET', route: '/api/v1/agents/:id/executions', params: { id: c.agent }, expect: 404 },
    {
      method: 'GET',
      route: '/api/v1/agents/executions/:executionId',
      params: { executionId: c.execution },
      expect: 404,
    },
    // Lists filtered by B's ids: 200 with none of B's rows.
    { method: 'GET', route: '/api/v1/crm/contacts', query: `company_id=${c.company}`, expect: 200 },
    { method: 'GET', route: '/api/v1/crm/activities', query: `contact_id=${c.contact}`, expect: 200 },
    { method: 'GET', route: '/api/v1/crm/activities', query: `opportunity_id=${c.opportunity}`, expect: 200 },
    // A's key claiming to be B.
    { method: 'GET', route: '/api/v1/crm/companies', headers: { 'X-Tenant-Id': String(b.id) }, expect: 403 },
    // Writes to B's rows.
    {
      method: 'PATCH',
      route: '/api/v1/crm/companies/:id',
      params: { id: c.company },
      body: { notes: 'x' },
      expect: 404,
    },
    {
      method: 'PATCH',
      route: '/api/v1/crm/contacts/:id',
      params: { id: c.contact },
      body: { phone: '1' },
      expect: 404,
    },
    { method: 'PATCH', route: '/api/v1/crm/opportunities/:id', ...opp, body: { notes: 'x' }, expect: 404 },
    { method: 'PATCH', route: '/api/v1/crm/opportunities/:id/bant', ...opp, body: { budget: true }, expect: 404 },
    { method: 'POST', route: '/api/v1/crm/opportunities/:id/stage', ...opp, body: { stage }, expect: 404 },
    {
      method: 'POST',
      route: '/api/v1/crm/pipeline/move',
      body: { opportunity_id: c.opportunity, stage },
      expect: 404,
    },
    { method: 'POST', route: '/api/v1/agents/:id/execute', params: { id: c.agent }, body: {}, expect: 404 },
    // A's new or own rows pointing at B's rows.
    {
      method: 'POST',
      route: '/api/v1/crm/contacts',
      body: { full_name: 'probe', email: 'probe@loadtest.invalid', company_id: c.company },
      expect: 404,
    },
    {
      method: 'POST',
      route: '/api/v1/crm/opportunities',
      body: { title: 'probe', value: 1, contact_id: c.contact },
      expect: 404,
    },
    {
      method: 'POST',
      route: '/api/v1/crm/activities',
      body: { subject: 'probe', type: 'note', contact_id: c.contact },
      expect: 404,
    },
    {
      method: 'POST',
      route: '/api/v1/crm/activities',
      body: { subject: 'probe', type: 'note', opportunity_id: c.opportunity },
      expect: 404,
    },
    {
      method: 'PATCH',
      route: '/api/v1/crm/contacts/:id',
      params: { id: a.canary.contact },
      body: { company_id: c.company },
      expect: 404,
    },
    {
      method: 'PATCH',
      route: '/api/v1/crm/opportunities/:id',
      params: { id: a.canary.opportunity },
      body: { contact_id: c.contact },
      expect: 404,
    },
    // Destructive ones last: if isolation is broken they really change B's rows (a test database only).
    { method: 'POST', route: '/api/v1/crm/opportunities/:id/won', ...opp, body: {}, expect: 404 },
    { method: 'POST', route: '/api/v1/crm/opportunities/:id/lost', ...opp, body: {}, expect: 404 },
    { method: 'DELETE', route: '/api/v1/crm/opportunities/:id', ...opp, expect: 404 },
    { method: 'DELETE', route: '/api/v1/crm/contacts/:id', params: { id: c.contact }, expect: 404 },
    { method: 'DELETE', route: '/api/v1/crm/companies/:id', params: { id: c.company }, expect: 404 },
  ];
}
let violationsLogged = 0;

/**
 * @param {SetupData} data
 * @returns {void}
 */
export function tenantIsolation(data) {
  const n = exec.scenario.iterationInTest;
  const a = tenantAt(data, n);
  // Victims rotate too: A attacks A+1, then A+2, … so every ordered pair is probed over a long run.
  const b = tenantAt(data, n + 1 + (Math.floor(n / N) % (N - 1)));
  const api = clientFor(a, { victim: b.label });
  for (const p of probes(a, b)) {
    const res = api.request(p.method, p.route, {
      params: p.params,
      query: p.query,
      body: p.body,
      headers: p.headers,
      expect: [p.expect],
    });
    const body = typeof res.body === 'string' ? res.body : '';
    const parsed = bodyOf(res);
    const rows = Array.isArray(parsed?.data) ? /** @type {Row[]} */ (parsed.data) : [];
    // A violation is B's data in the answer, or a success where the only right answer is a refusal.
    const leaked =
      body.includes(b.canary.marker) ||
      body.includes(`"tenant_id":${b.id},`) ||
      body.includes(`"tenant_id":${b.id}}`) ||
      rows.some((r) => !owned(a, r));
    const wrongSuccess = p.expect !== 200 && res.status >= 200 && res.status < 300;
    const violated = leaked || wrongSuccess;
    // `probe` is the platform's route name (METHOD /template): the one a fix or a fault setting refers to.
    violations.add(violated ? 1 : 0, {
      tenant: a.label,
      victim: b.label,
      name: p.route,
      probe: `${p.method} ${p.route}`,
    });
    if (violated && violationsLogged++ < 10) {
      console.error(
        `isolation violation: ${a.label} (tenant ${a.id}) → ${b.label} (tenant ${b.id}): ${describe(res, `${p.method} ${p.route}`)}`,
      );
    }
    check(
      res,
      { [`isolation: ${p.method} ${p.route} answers ${p.expect}`]: (r) => r.status === p.expect && !violated },
      { tenant: a.label },
    );
  }
  sleep(P.think);
}

// ---------------------------------------------------------------- 4. scaling_breakpoint

/**
 * @param {SetupData} data
 * @returns {void}
 */
export function scalingBreakpoint(data) {
  const vu = exec.vu.idInTest;
  const it = exec.vu.iterationInScenario;
  const t = tenantAt(data, vu + it);
  const level = levelAt(P.breakpoint, Date.now() - exec.scenario.startTime);
  const m = /** @type {LevelMetrics} */ (levels[level]);
  // Tagged tenant "all": the ramp is judged by its own abortOnFail thresholds, not the per-tenant SLO.
  const api = new ApiClient(cfg.baseUrl, t.key, { tenant: 'all', load_level: String(level) });
  const record = (/** @type {Res} */ res) => {
    m.duration.add(res.timings.duration);
    m.failed.add(res.status < 200 || res.status >= 300);
  };
  record(api.get('/api/v1/crm/opportunities', { query: 'limit=20' }));
  record(api.get('/api/v1/crm/contacts/:id', { params: { id: pick(t.contacts, it) } }));
  record(api.post('/api/v1/analytics/event', { name: 'page_view', session_id: `bp${vu}-${it}` }));
  record(
    api.post('/api/v1/crm/activities', { subject: 'Follow-up', type: 'email', contact_id: pick(t.contacts, it + 1) }),
  );
  record(api.get('/api/v1/crm/forecast'));
  record(api.get('/api/v1/analytics/dashboard', { query: 'days=1' }));
  sleep(P.breakpointThink);
}

// ---------------------------------------------------------------- summary

/**
 * @param {SummaryData} data
 * @returns {Record<string, string>}
 */
export function handleSummary(data) {
  return summaryOutputs(data, {
    script: 'multi_tenant_load_test',
    profile: PROFILE,
    tenantLabels: sloSelected.length ? cfg.tenantLabels : [],
    tenantP95Ms: TENANT_P95_MS,
    tenantErrorRate: TENANT_ERROR_RATE,
    breakpoint: SELECTED.includes('scaling_breakpoint') ? P.breakpoint : undefined,
    reportDir: cfg.reportDir,
    stem: 'multi_tenant',
  });
}
