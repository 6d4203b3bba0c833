import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { startPlatform, type Platform, type TestTenant } from './platform-fixture.ts';

const TABLES = [
  'crm_company',
  'crm_contact',
  'crm_opportunity',
  'crm_activity',
  'ai_agent',
  'ai_agent_execution',
  'analytics_event',
];

for (const engine of ENGINES) {
  describe(`tenant isolation [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let p: Platform;
    let a: TestTenant;
    let b: TestTenant;
    // B's resources, and A's own contact and opportunity (targets for body references to B's rows).
    const ids = { company: 0, contact: 0, opp: 0, exec: 0, aContact: 0, aOpp: 0 };
    const snapshot = async (t: TestTenant) =>
      JSON.stringify(await Promise.all(TABLES.map((table) => p.rows(table, t.id))));

    before(async () => {
      if (skip) return;
      p = await startPlatform(engine);
      a = await p.tenant('Tenant A');
      b = await p.tenant('Tenant B');
      const make = async (t: TestTenant, url: string, body: unknown) => {
        const r = await p.call('POST', url, t, body);
        assert.ok(r.statusCode === 201 || r.statusCode === 202, `${url}: ${r.statusCode} ${r.body}`);
        return r.json().data.id as number;
      };
      ids.company = await make(b, '/api/v1/crm/companies', { name: 'B Corp' });
      ids.contact = await make(b, '/api/v1/crm/contacts', {
        full_name: 'Bea',
        email: 'bea@b.test',
        company_id: ids.company,
      });
      ids.opp = await make(b, '/api/v1/crm/opportunities', { title: 'B deal', value: 500, contact_id: ids.contact });
      await make(b, '/api/v1/crm/activities', {
        subject: 'B call',
        type: 'call',
        contact_id: ids.contact,
        opportunity_id: ids.opp,
      });
      ids.exec = await make(b, `/api/v1/agents/${b.agents[0]!.id}/execute`, { input: { q: 'b' } });
      ids.aContact = await make(a, '/api/v1/crm/contacts', { full_name: 'Al', email: 'al@a.test' });
      ids.aOpp = await make(a, '/api/v1/crm/opportunities', { title: 'A deal', value: 10 });
    });
    after(async () => {
      if (!skip) await p.close();
    });

    test(
      "every route that takes an id or a body reference answers 404 to another tenant's id and changes nothing",
      { skip },
      async () => {
        const bAgent = b.agents[0]!.id;
        const cases: [string, string, unknown?][] = [
          ['GET', `/api/v1/crm/companies/${ids.company}`],
          ['PATCH', `/api/v1/crm/companies/${ids.company}`, { name: 'hijacked' }],
          ['DELETE', `/api/v1/crm/companies/${ids.company}`],
          ['GET', `/api/v1/crm/contacts/${ids.contact}`],
          ['PATCH', `/api/v1/crm/contacts/${ids.contact}`, { full_name: 'hijacked' }],
          ['DELETE', `/api/v1/crm/contacts/${ids.contact}`],
          ['GET', `/api/v1/crm/opportunities/${ids.opp}`],
          ['PATCH', `/api/v1/crm/opportunities/${ids.opp}`, { title: 'hijacked' }],
          ['DELETE', `/api/v1/crm/opportunities/${ids.opp}`],
          ['POST', `/api/v1/crm/opportunities/${ids.opp}/stage`, { stage: 'closed_won' }],
          ['POST', `/api/v1/crm/opportunities/${ids.opp}/won`],
          ['POST', `/api/v1/crm/opportunities/${ids.opp}/lost`],
          ['GET', `/api/v1/crm/opportunities/${ids.opp}/playbook`],
          ['PATCH', `/api/v1/crm/opportunities/${ids.opp}/bant`, { budget: true }],
          ['POST', '/api/v1/crm/pipeline/move', { opportunity_id: ids.opp, stage: 'closed_lost' }],
          ['POST', '/api/v1/crm/contacts', { full_name: 'x', email: 'x@a.test', company_id: ids.company }],
          ['PATCH', `/api/v1/crm/contacts/${ids.aContact}`, { company_id: ids.company }],
          ['POST', '/api/v1/crm/opportunities', { title: 'x', value: 1, contact_id: ids.contact }],
          ['PATCH', `/api/v1/crm/opportunities/${ids.aOpp}`, { contact_id: ids.contact }],
          ['POST', '/api/v1/crm/activities', { subject: 'x', type: 'note', contact_id: ids.contact }],
          ['POST', '/api/v1/crm/activities', { subject: 'x', type: 'note', opportunity_id: ids.opp }],
          ['POST', `/api/v1/agents/${bAgent}/execute`, { input: {} }],
          ['GET', `/api/v1/agents/${bAgent}/executions`],
          ['GET', `/api/v1/agents/executions/${ids.exec}`],
        ];
        const beforeB = await snapshot(b);
        const beforeA = await snapshot(a);
        for (const [method, url, body] of cases) {
          const r = await p.call(method as 'GET', url, a, body);
          assert.equal(r.statusCode, 404, `${method} ${url} → ${r.statusCode} ${r.body}`);
          assert.equal(r.json().success, false);
          assert.ok(
            !r.body.includes('B Corp') && !r.body.includes('Bea') && !r.body.includes('B deal'),
            `${method} ${url} leaked B data`,
          );
        }
        assert.equal(await snapshot(b), beforeB, "B's rows changed");
        assert.equal(await snapshot(a), beforeA, "A's rows changed: a refused request wrote something");
      },
    );

    test("list filters by another tenant's id return nothing of that tenant", { skip }, async () => {
      for (const url of [
        `/api/v1/crm/contacts?company_id=${ids.company}`,
        `/api/v1/crm/activities?opportunity_id=${ids.opp}`,
        `/api/v1/crm/activities?contact_id=${ids.contact}`,
        '/api/v1/crm/companies',
        '/api/v1/crm/opportunities',
      ]) {
        const r = await p.call('GET', url, a);
        assert.equal(r.statusCode, 200, url);
        const data = r.json().data as { tenant_id: number }[];
        assert.ok(
          data.every((row) => row.tenant_id === a.id),
          `${url} returned another tenant's row`,
        );
      }
      const forecast = (await p.call('GET', '/api/v1/crm/forecast', a)).json().data;
      assert.equal(
        forecast.by_stage.reduce((n: number, s: { count: number }) => n + s.count, 0),
        1,
        'forecast counts only A',
      );
    });

    test('an X-Tenant-Id header that disagrees with the key gets 403', { skip }, async () => {
      const r = await p.app.inject({
        method: 'GET',
        url: '/api/v1/crm/companies',
        headers: { ...a.headers, 'x-tenant-id': String(b.id) },
      });
      assert.equal(r.statusCode, 403);
      const ok = await p.app.inject({
        method: 'GET',
        url: '/api/v1/crm/companies',
        headers: { ...a.headers, 'x-tenant-id': String(a.id) },
      });
      assert.equal(ok.statusCode, 200);
    });

    test('requests without a valid key get 401', { skip }, async () => {
      assert.equal((await p.app.inject({ method: 'GET', url: '/api/v1/crm/companies' })).statusCode, 401);
      const bad = await p.app.inject({
        method: 'GET',
        url: '/api/v1/crm/companies',
        headers: { authorization: `Bearer tok_${'0'.repeat(40)}` },
      });
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.json().success, false);
    });
  });
}

describe('test-only fault injection', async () => {
  const skip = await skipReason('pglite');
  test(
    'disableTenantFilterOn lets one route read another tenant (so the load test check can be shown to fire)',
    { skip },
    async () => {
      const p = await startPlatform('pglite', { faults: { disableTenantFilterOn: ['GET /api/v1/crm/contacts/:id'] } });
      try {
        const a = await p.tenant('A');
        const b = await p.tenant('B');
        const c = (await p.call('POST', '/api/v1/crm/contacts', b, { full_name: 'Bea', email: 'b@b.test' })).json()
          .data;
        const leaked = await p.call('GET', `/api/v1/crm/contacts/${c.id}`, a);
        assert.equal(leaked.statusCode, 200);
        assert.equal(leaked.json().data.tenant_id, b.id);
        // Only the named route is affected.
        assert.equal((await p.call('PATCH', `/api/v1/crm/contacts/${c.id}`, a, { full_name: 'x' })).statusCode, 404);
      } finally {
        await p.close();
      }
    },
  );
});
