import http from 'k6/http';
import type { BatchRequests } from 'k6/http';
import { ApiClient, dataOf, describe, fillRoute, type Res } from './api.ts';
import type { LoadConfig } from './config.ts';

export interface Stage {
  machine_name: string;
  default_probability: number;
  is_won_stage: boolean;
  is_lost_stage: boolean;
}

/** Rows owned by one tenant that only the isolation scenario touches, so other scenarios never disturb them. */
export interface Canary {
  company: number;
  contact: number;
  opportunity: number;
  agent: number;
  execution: number;
  /** A string in every canary's name: finding it in another tenant's response proves a leak. */
  marker: string;
}

export interface TenantData {
  /** The tag value (t1…tN): the thresholds are keyed by it. */
  label: string;
  /** The real tenant id (groups.id). */
  id: number;
  key: string;
  agents: number[];
  companies: number[];
  contacts: number[];
  opportunities: number[];
  /** Pipeline stages that keep a deal open, in pipeline order. */
  openStages: Stage[];
  canary: Canary;
}

export interface SetupData {
  runId: string;
  /** true when setup() created the tenants through the admin API (teardown then deletes them whole). */
  provisioned: boolean;
  tenants: TenantData[];
}

const COMPANIES = 3;
const CONTACTS = 4;
const OPPORTUNITIES = 3;

/**
 * Setup requests carry no `tenant` tag on purpose: `http_reqs{tenant:…}` count>0 must prove that the SCENARIOS
 * reached every tenant, and setup traffic would satisfy it for a tenant no scenario ever touched.
 */
const SETUP_TAGS = { phase: 'setup' };

interface Planned {
  method: 'GET' | 'POST';
  route: string;
  params?: Record<string, number>;
  body?: unknown;
  /** Receives the answer's `data`. */
  take: (data: unknown) => void;
  what: string;
}

/** Runs one wave of independent requests with http.batch and hands each answer to its `take`. */
function wave(baseUrl: string, keyOf: (i: number) => string, plan: Planned[][]): void {
  const flat: { tenant: number; p: Planned }[] = [];
  plan.forEach((ps, tenant) => ps.forEach((p) => flat.push({ tenant, p })));
  const reqs: BatchRequests = flat.map(({ tenant, p }) => ({
    method: p.method,
    url: `${baseUrl}${fillRoute(p.route, p.params)}`,
    body: p.body === undefined ? null : JSON.stringify(p.body),
    params: {
      headers: { Authorization: `Bearer ${keyOf(tenant)}`, 'Content-Type': 'application/json' },
      tags: { ...SETUP_TAGS, name: p.route },
    },
  }));
  const responses = http.batch(reqs) as unknown as Res[];
  responses.forEach((res, i) => {
    const { p } = flat[i]!;
    const data = res.status >= 200 && res.status < 300 ? dataOf<unknown>(res) : undefined;
    if (data === undefined) throw new Error(`setup: ${describe(res, p.what)}`);
    p.take(data);
  });
}

function adminClient(cfg: LoadConfig): ApiClient {
  return new ApiClient(cfg.baseUrl, cfg.adminToken, SETUP_TAGS);
}

/**
 * Provisions cfg.tenantLabels: creates each tenant through the admin API (or takes TENANT_KEYS), then gives each
 * some companies, contacts and opportunities, plus canary rows and one agent execution for the isolation probes.
 * Tenants are created one by one, in label order, so that on a fresh database t1…tN get ids 1…N.
 */
export function provisionTenants(cfg: LoadConfig): SetupData {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const provisioned = cfg.tenantKeys.length === 0;
  const tenants: TenantData[] = cfg.tenantLabels.map((label, i) => ({
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
      const d = res.status === 201 ? dataOf<{ id: number; api_key: string }>(res) : undefined;
      if (!d) throw new Error(`setup: ${describe(res, 'POST /api/v1/admin/tenants')}`);
      t.id = d.id;
      t.key = d.api_key;
    }
  }
  const keyOf = (i: number): string => tenants[i]!.key;
  const marker = (t: TenantData): string => `lt-${runId}-${t.label}`;

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
          t.openStages = (d as Stage[]).filter((s) => !s.is_won_stage && !s.is_lost_stage);
        },
      },
      {
        method: 'GET',
        route: '/api/v1/agents',
        what: `GET agents for ${t.label}`,
        take: (d) => {
          t.agents = (d as { id: number }[]).map((a) => a.id);
        },
      },
      ...Array.from({ length: COMPANIES + 1 }, (_, n): Planned => ({
        method: 'POST',
        route: '/api/v1/crm/companies',
        body: { name: n === COMPANIES ? t.canary.marker : `${marker(t)} company ${n + 1}`, industry: 'loadtest' },
        what: `POST companies for ${t.label}`,
        take: (d) => {
          const row = d as { id: number; tenant_id: number };
          t.id = t.id || row.tenant_id;
          if (n === COMPANIES) t.canary.company = row.id;
          else t.companies.push(row.id);
        },
      })),
    ]),
  );
  for (const t of tenants) {
    if (!t.agents.length) throw new Error(`setup: tenant ${t.label} has no AI agent to execute`);
    if (!t.openStages.length) throw new Error(`setup: tenant ${t.label} has no open pipeline stage`);
    t.canary.agent = t.agents[0]!;
  }

  // Wave 2: contacts, linked to the tenant's own companies.
  wave(
    cfg.baseUrl,
    keyOf,
    tenants.map((t) =>
      Array.from({ length: CONTACTS + 1 }, (_, n): Planned => ({
        method: 'POST',
        route: '/api/v1/crm/contacts',
        body: {
          full_name: n === CONTACTS ? t.canary.marker : `${marker(t)} contact ${n + 1}`,
          email: `c${n + 1}.${t.label}.${runId}@loadtest.invalid`,
          company_id: n === CONTACTS ? t.canary.company : t.companies[n % COMPANIES],
        },
        what: `POST contacts for ${t.label}`,
        take: (d) => {
          const id = (d as { id: number }).id;
          if (n === CONTACTS) t.canary.contact = id;
          else t.contacts.push(id);
        },
      })),
    ),
  );

  // Wave 3: opportunities and the canary agent execution.
  wave(
    cfg.baseUrl,
    keyOf,
    tenants.map((t) => [
      ...Array.from({ length: OPPORTUNITIES + 1 }, (_, n): Planned => ({
        method: 'POST',
        route: '/api/v1/crm/opportunities',
        body: {
          title: n === OPPORTUNITIES ? t.canary.marker : `${marker(t)} deal ${n + 1}`,
          value: 1000 * (n + 1),
          contact_id: n === OPPORTUNITIES ? t.canary.contact : t.contacts[n % CONTACTS],
        },
        what: `POST opportunities for ${t.label}`,
        take: (d) => {
          const id = (d as { id: number }).id;
          if (n === OPPORTUNITIES) t.canary.opportunity = id;
          else t.opportunities.push(id);
        },
      })),
      {
        method: 'POST',
        route: '/api/v1/agents/:id/execute',
        params: { id: t.canary.agent },
        body: { input: { prompt: t.canary.marker } },
        what: `POST agents/:id/execute for ${t.label}`,
        take: (d) => {
          t.canary.execution = (d as { id: number }).id;
        },
      },
    ]),
  );
  return { runId, provisioned, tenants };
}

/**
 * CLEANUP=1: deletes what setup() created. Provisioned tenants are deleted whole (with every row the scenarios
 * wrote); with TENANT_KEYS only setup's own rows go, children first, and the scenarios' rows stay.
 */
export function cleanupTenants(cfg: LoadConfig, data: SetupData): void {
  if (!cfg.cleanup) return;
  const failures: string[] = [];
  const expectOk = (res: Res, what: string): void => {
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
      const rows: [string, number[]][] = [
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
