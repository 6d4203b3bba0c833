import http from 'k6/http';
import { ApiClient, dataOf, describe, fillRoute } from './api.js';
/** @typedef {import('k6/http').BatchRequests} BatchRequests */
/** @typedef {import('./api.js').Res} Res */
/** @typedef {import('./config.js').LoadConfig} LoadConfig */

/**
 * @typedef {object} Stage
 * @property {string} machine_name
 * @property {number} default_probability
 * @property {boolean} is_won_stage
 * @property {boolean} is_lost_stage
 */

/**
 * Rows owned by one tenant that only the isolation scenario touches, so other scenarios never disturb them.
 * @typedef {object} Canary
 * @property {number} company
 * @property {number} contact
 * @property {number} opportunity
 * @property {number} agent
 * @property {number} execution
 * @property {string} marker A string in every canary's name: finding it in another tenant's response proves a leak.
 */

/**
 * @typedef {object} TenantData
 * @property {string} label The tag value (t1…tN): the thresholds are keyed by it.
 * @property {number} id The real tenant id (groups.id).
 * @property {string} key
 * @property {number[]} agents
 * @property {number[]} companies
 * @property {number[]} contacts
 * @property {number[]} opportunities
 * @property {Stage[]} openStages Pipeline stages that keep a deal open, in pipeline order.
 * @property {Canary} canary
 */

/**
 * @typedef {object} SetupData
 * @property {string} runId
 * @property {boolean} provisioned true when setup() created the tenants through the admin API (teardown then deletes them whole).
 * @property {TenantData[]} tenants
 */

const COMPANIES = 3;
const CONTACTS = 4;
const OPPORTUNITIES = 3;

/**
 * Setup requests carry no `tenant` tag on purpose: `http_reqs{tenant:…}` count>0 must prove that the SCENARIOS
 * reached every tenant, and setup traffic would satisfy it for a tenant no scenario ever touched.
 */
const SETUP_TAGS = { phase: 'setup' };

/**
 * @typedef {object} Planned
 * @property {'GET' | 'POST'} method
 * @property {string} route
 * @property {Record<string, number>} [params]
 * @property {unknown} [body]
 * @property {(data: unknown) => void} take Receives the answer's `data`.
 * @property {string} what
 */

/**
 * Runs one wave of independent requests with http.batch and hands each answer to its `take`.
 * @param {string} baseUrl
 * @param {(i: number) => string} keyOf
 * @param {Planned[][]} plan
 * @returns {void}
 */
function wave(baseUrl, keyOf, plan) {
  /** @type {{ tenant: number; p: Planned }[]} */
  const flat = [];
  plan.forEach((ps, tenant) => ps.forEach((p) => flat.push({ tenant, p })));
  /** @type {BatchRequests} */
  const reqs = flat.map(({ tenant, p }) => ({
    method: p.method,
    url: `${baseUrl}${fillRoute(p.route, p.params)}`,
    body: p.body === undefined ? null : JSON.stringify(p.body),
    params: {
      headers: { Authorization: `Bearer ${keyOf(tenant)}`, 'Content-Type': 'application/json' },
      tags: { ...SETUP_TAGS, name: p.route },
    },
  }));
  const responses = /** @type {Res[]} */ (/** @type {unknown} */ (http.batch(reqs)));
  responses.forEach((res, i) => {
    const { p } = /** @type {{ tenant: number; p: Planned; }} */ (flat[i]);
    const data = res.status >= 200 && res.status < 300 ? /** @type {unknown | undefined} */ (dataOf(res)) : undefined;
    if (data === undefined) throw new Error(`setup: ${describe(res, p.what)}`);
    p.take(data);
  });
}

/**
 * @param {LoadConfig} cfg
 * @returns {ApiClient}
 */
function adminClient(cfg) {
  return new ApiClient(cfg.baseUrl, cfg.adminToken, SETUP_TAGS);
}

/**
 * Provisions cfg.tenantLabels: creates each tenant through the admin API (or takes TENANT_KEYS), then gives each
 * some companies, contacts and opportunities, plus canary rows and one agent execution for the isolation probes.
 * Tenants are created one by one, in label order, so that on a fresh database t1…tN get ids 1…N.
 * @param {LoadConfig} cfg
 * @returns {SetupData}
 */
export function provisionTenants(cfg) {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const provisioned = cfg.tenantKeys.length === 0;
  /** @type {TenantData[]} */
  const tenants = cfg.tenantLabels.map((label, i) => ({
    label,
    id: 0,
    key: cfg.tenantKeys[i] ?? '',
    agents: [],
    companies: [],
    contacts: [],
    opportunities: [],
    openStages: [],
    canary: { company: 0, contact: 0, opportunity: 0, agent: 0, execution: 0, marker: `lt-${runId}-${label}-canary` },
  }));

  if (provisioned) {
    const admin = adminClient(cfg);
    for (const t of tenants) {
      const res = admin.post('/api/v1/admin/tenants', { name: `loadtest ${runId} ${t.label}`, agents: 2 });
      const d =
        res.status === 201 ? /** @type {{ id: number; api_key: string } | undefined} */ (dataOf(res)) : undefined;
      if (!d) throw new Error(`setup: ${describe(res, 'POST /api/v1/admin/tenants')}`);
      t.id = d.id;
      t.key = d.api_key;
    }
  }
  const keyOf = (/** @type {number} */ i) => /** @type {TenantData} */ (tenants[i]).key;
  const marker = (/** @type {TenantData} */ t) => `lt-${runId}-${t.label}`;

  // Wave 1: stages, agents, companies (the company answer also tells a TENANT_KEYS run its tenant id).
  wave(
    cfg.baseUrl,
    keyOf,
    tenants.map((t) => [
      {
        method: 'GET',
        route: '/api/v1/crm/pipeline-stages',
        what: `GET pipeline-stages for ${t.label}`,
        take: (d) => {
          t.openStages = /** @type {Stage[]} */ (d).filter((s) => !s.is_won_stage && !s.is_lost_stage);
        },
      },
      {
        method: 'GET',
        route: '/api/v1/agents',
        what: `GET agents for ${t.label}`,
        take: (d) => {
          t.agents = /** @type {{ id: number }[]} */ (d).map((a) => a.id);
        },
      },
      ...Array.from(
        { length: COMPANIES + 1 },
        (_, n) =>
          /** @type {Planned} */ ({
            method: 'POST',
            route: '/api/v1/crm/companies',
            body: { name: n === COMPANIES ? t.canary.marker : `${marker(t)} company ${n + 1}`, industry: 'loadtest' },
            what: `POST companies for ${t.label}`,
            take: (d) => {
              const row = /** @type {{ id: number; tenant_id: number }} */ (d);
              t.id = t.id || row.tenant_id;
              if (n === COMPANIES) t.canary.company = row.id;
              else t.companies.push(row.id);
            },
          }),
      ),
    ]),
  );
  for (const t of tenants) {
    if (!t.agents.length) throw new Error(`setup: tenant ${t.label} has no AI agent to execute`);
    if (!t.openStages.length) throw new Error(`setup: tenant ${t.label} has no open pipeline stage`);
    t.canary.agent = /** @type {number} */ (t.agents[0]);
  }

  // Wave 2: contacts, linked to the tenant's own companies.
  wave(
    cfg.baseUrl,
    keyOf,
    tenants.map((t) =>
      Array.from(
        { length: CONTACTS + 1 },
        (_, n) =>
          /** @type {Planned} */ ({
            method: 'POST',
            route: '/api/v1/crm/contacts',
            body: {
              full_name: n === CONTACTS ? t.canary.marker : `${marker(t)} contact ${n + 1}`,
              email: `c${n + 1}.${t.label}.${runId}@loadtest.invalid`,
              company_id: n === CONTACTS ? t.canary.company : t.companies[n % COMPANIES],
            },
            what: `POST contacts for ${t.label}`,
            take: (d) => {
              const id = /** @type {{ id: number }} */ (d).id;
              if (n === CONTACTS) t.canary.contact = id;
              else t.contacts.push(id);
            },
          }),
      ),
    ),
  );

  // Wave 3: opportunities and the canary agent execution.
  wave(
    cfg.baseUrl,
    keyOf,
    tenants.map((t) => [
      ...Array.from(
        { length: OPPORTUNITIES + 1 },
        (_, n) =>
          /** @type {Planned} */ ({
            method: 'POST',
            route: '/api/v1/crm/opportunities',
            body: {
              title: n === OPPORTUNITIES ? t.canary.marker : `${marker(t)} deal ${n + 1}`,
              value: 1000 * (n + 1),
              contact_id: n === OPPORTUNITIES ? t.canary.contact : t.contacts[n % CONTACTS],
            },
            what: `POST opportunities for ${t.label}`,
            take: (d) => {
              const id = /** @type {{ id: number }} */ (d).id;
              if (n === OPPORTUNITIES) t.canary.opportunity = id;
              else t.opportunities.push(id);
            },
          }),
      ),
      {
        method: 'POST',
        route: '/api/v1/agents/:id/execute',
        params: { id: t.canary.agent },
        body: { input: { prompt: t.canary.marker } },
        what: `POST agents/:id/execute for ${t.label}`,
        take: (d) => {
          t.canary.execution = /** @type {{ id: number }} */ (d).id;
        },
      },
    ]),
  );
  return { runId, provisioned, tenants };
}

/**
 * CLEANUP=1: deletes what setup() created. Provisioned tenants are deleted whole (with every row the scenarios
 * wrote); with TENANT_KEYS only setup's own rows go, children first, and the scenarios' rows stay.
 * @param {LoadConfig} cfg
 * @param {SetupData} data
 * @returns {void}
 */
export function cleanupTenants(cfg, data) {
  if (!cfg.cleanup) return;
  /** @type {string[]} */
  const failures = [];
  const expectOk = (/** @type {Res} */ res, /** @type {string} */ what) => {
    if (res.status !== 200 && res.status !== 404) failures.push(describe(res, what));
  };
  if (data.provisioned) {
    const admin = adminClient(cfg);
    for (const t of data.tenants) {
      expectOk(
        admin.del('/api/v1/admin/tenants/:id', { params: { id: t.id }, expect: [200, 404] }),
        `DELETE tenant ${t.label}`,
      );
    }
  } else {
    for (const t of data.tenants) {
      const api = new ApiClient(cfg.baseUrl, t.key, SETUP_TAGS);
      /** @type {[string, number[]][]} */
      const rows = [
        ['/api/v1/crm/opportunities/:id', [...t.opportunities, t.canary.opportunity]],
        ['/api/v1/crm/contacts/:id', [...t.contacts, t.canary.contact]],
        ['/api/v1/crm/companies/:id', [...t.companies, t.canary.company]],
      ];
      for (const [route, ids] of rows) {
        for (const id of ids)
          expectOk(api.del(route, { params: { id }, expect: [200, 404] }), `DELETE ${route} ${id} of ${t.label}`);
      }
    }
  }
  if (failures.length) throw new Error(`teardown: ${failures.length} deletes failed; first: ${failures[0]}`);
}
