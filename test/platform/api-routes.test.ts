import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { startPlatform, type Platform, type TestTenant } from './platform-fixture.ts';

for (const engine of ENGINES) {
  describe(`platform API routes [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let p: Platform;
    let t: TestTenant;
    before(async () => {
      if (skip) return;
      p = await startPlatform(engine);
      t = await p.tenant('Acme');
    });
    after(async () => {
      if (!skip) await p.close();
    });

    test('admin creates a tenant with pipeline stages, agents and a working key, and lists it', { skip }, async () => {
      const stages = (await p.call('GET', '/api/v1/crm/pipeline-stages', t)).json().data as { machine_name: string }[];
      assert.deepEqual(
        stages.map((s) => s.machine_name),
        ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'],
      );
      assert.ok(t.agents.length >= 1);
      assert.match(t.key, /^tok_[0-9a-f]{40}$/);
      const [stored] = await p.rows('api_key', t.id);
      assert.notEqual(stored!.key_hash, t.key, 'only the hash is stored');
      assert.equal(stored!.key_prefix, t.key.slice(0, 8));
      const list = (await p.call('GET', '/api/v1/admin/tenants', null)).json().data as { id: number; name: string }[];
      assert.ok(list.some((x) => x.id === t.id && x.name === 'Acme'));
      assert.equal((await p.app.inject({ method: 'GET', url: '/api/v1/admin/tenants' })).statusCode, 401);
      assert.equal(
        (await p.call('GET', '/api/v1/admin/tenants', t)).statusCode,
        401,
        'a tenant key is not an admin token',
      );
    });

    test('companies, contacts and opportunities support create, read, list, update and delete', { skip }, async () => {
      const co = await p.call('POST', '/api/v1/crm/companies', t, { name: 'Globex', industry: 'software' });
      assert.equal(co.statusCode, 201);
      const company = co.json().data;
      assert.equal(company.name, 'Globex');
      assert.equal(company.tenant_id, t.id);
      const contact = (
        await p.call('POST', '/api/v1/crm/contacts', t, {
          full_name: 'Ana',
          email: 'ana@x.test',
          company_id: company.id,
        })
      ).json().data;
      const opp = (
        await p.call('POST', '/api/v1/crm/opportunities', t, {
          title: 'Big',
          value: 1234.5,
          contact_id: contact.id,
          expected_close: '2031-05-20',
        })
      ).json().data;
      assert.equal(opp.stage, 'prospecting');
      assert.equal(opp.probability, 10);
      assert.equal(opp.value, 1234.5);
      const patched = await p.call('PATCH', `/api/v1/crm/companies/${company.id}`, t, {
        website: 'https://globex.test',
      });
      assert.equal(patched.json().data.website, 'https://globex.test');
      const page = (await p.call('GET', '/api/v1/crm/opportunities?page=1&limit=1', t)).json();
      assert.equal(page.data.length, 1);
      assert.deepEqual(page.meta, { page: 1, limit: 1, has_more: false });
      // Deleting a company keeps its contacts (reference nulled, FK-safe); deleting a contact detaches its deals.
      assert.equal((await p.call('DELETE', `/api/v1/crm/companies/${company.id}`, t)).statusCode, 200);
      assert.equal((await p.call('GET', `/api/v1/crm/contacts/${contact.id}`, t)).json().data.company_id, null);
      assert.equal((await p.call('DELETE', `/api/v1/crm/contacts/${contact.id}`, t)).statusCode, 200);
      assert.equal((await p.call('GET', `/api/v1/crm/opportunities/${opp.id}`, t)).json().data.contact_id, null);
      assert.equal((await p.call('GET', `/api/v1/crm/companies/${company.id}`, t)).statusCode, 404);
      assert.equal((await p.rows('crm_company', t.id)).length, 0);
    });

    test('opportunity actions move stages, close deals and score BANT; the playbook follows', { skip }, async () => {
      const opp = (
        await p.call('POST', '/api/v1/crm/opportunities', t, {
          title: 'Deal',
          value: 1000,
          expected_close: '2031-01-15',
        })
      ).json().data;
      const staged = (
        await p.call('POST', `/api/v1/crm/opportunities/${opp.id}/stage`, t, { stage: 'negotiation' })
      ).json().data;
      assert.equal(staged.stage, 'negotiation');
      assert.equal(staged.probability, 75);
      let play = (await p.call('GET', `/api/v1/crm/opportunities/${opp.id}/playbook`, t)).json().data;
      assert.equal(play.next_action, 'Confirm the budget with the buyer');
      const bant = (
        await p.call('PATCH', `/api/v1/crm/opportunities/${opp.id}/bant`, t, {
          budget: true,
          need: true,
          timeline: true,
        })
      ).json().data;
      assert.equal(bant.bant_score, 75);
      play = (await p.call('GET', `/api/v1/crm/opportunities/${opp.id}/playbook`, t)).json().data;
      assert.equal(play.next_action, 'Resolve the open objections and agree on terms');
      const forecast = (await p.call('GET', '/api/v1/crm/forecast', t)).json().data;
      const neg = forecast.by_stage.find((s: { stage: string }) => s.stage === 'negotiation');
      assert.equal(neg.weighted, 750);
      assert.ok(
        forecast.by_month.some((m: { month: string; weighted: number }) => m.month === '2031-01' && m.weighted === 750),
      );
      const moved = (
        await p.call('POST', '/api/v1/crm/pipeline/move', t, { opportunity_id: opp.id, stage: 'proposal' })
      ).json().data;
      assert.equal(moved.stage, 'proposal');
      const won = (await p.call('POST', `/api/v1/crm/opportunities/${opp.id}/won`, t)).json().data;
      assert.equal(won.status, 'won');
      assert.equal(won.stage, 'closed_won');
      assert.ok(won.closed_at);
      const lost = (await p.call('POST', `/api/v1/crm/opportunities/${opp.id}/lost`, t)).json().data;
      assert.equal(lost.status, 'lost');
      assert.equal(lost.probability, 0);
      const bad = await p.call('POST', `/api/v1/crm/opportunities/${opp.id}/stage`, t, { stage: 'nope' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error, /body\.stage/);
    });

    test('activities are created with references and listed with filters', { skip }, async () => {
      const opp = (await p.call('POST', '/api/v1/crm/opportunities', t, { title: 'With activity', value: 5 })).json()
        .data;
      const act = await p.call('POST', '/api/v1/crm/activities', t, {
        subject: 'Intro call',
        type: 'call',
        opportunity_id: opp.id,
      });
      assert.equal(act.statusCode, 201);
      const list = (await p.call('GET', `/api/v1/crm/activities?opportunity_id=${opp.id}`, t)).json().data;
      assert.deepEqual(
        list.map((a: { subject: string }) => a.subject),
        ['Intro call'],
      );
      assert.equal((await p.call('DELETE', `/api/v1/crm/opportunities/${opp.id}`, t)).statusCode, 200);
      const [row] = (await p.rows('crm_activity', t.id)).filter((r) => Number(r.id) === act.json().data.id);
      assert.equal(row!.opportunity_id, null, 'activity kept, detached from the deleted deal');
    });

    test('agents list, executions are queued with 202 and readable', { skip }, async () => {
      const agents = (await p.call('GET', '/api/v1/agents', t)).json().data;
      assert.equal(agents.length, t.agents.length);
      const ex = await p.call('POST', `/api/v1/agents/${agents[0].id}/execute`, t, { input: { prompt: 'hi' } });
      assert.equal(ex.statusCode, 202);
      assert.equal(ex.json().data.status, 'queued');
      assert.deepEqual(ex.json().data.input, { prompt: 'hi' });
      const one = (await p.call('GET', `/api/v1/agents/executions/${ex.json().data.id}`, t)).json().data;
      assert.equal(one.id, ex.json().data.id);
      const list = (await p.call('GET', `/api/v1/agents/${agents[0].id}/executions`, t)).json().data;
      assert.equal(list.length, 1);
      const m = (await p.call('GET', '/api/v1/agents/metrics', t)).json().data;
      assert.equal(m.executions.queued, 1);
    });

    test('analytics events, batches, dashboard and funnel; social stats', { skip }, async () => {
      assert.equal(
        (await p.call('POST', '/api/v1/analytics/event', t, { name: 'page_view', session_id: 's1' })).statusCode,
        201,
      );
      const batch = await p.call('POST', '/api/v1/analytics/batch', t, {
        events: [
          { name: 'page_view', session_id: 's2' },
          { name: 'signup', session_id: 's1', properties: { plan: 'pro' } },
        ],
      });
      assert.equal(batch.json().data.inserted, 2);
      const dash = (await p.call('GET', '/api/v1/analytics/dashboard?days=7', t)).json().data;
      assert.equal(dash.events_total, 3);
      assert.equal(dash.sessions, 2);
      const funnel = (await p.call('GET', '/api/v1/analytics/funnel?steps=page_view,signup', t)).json().data;
      assert.deepEqual(
        funnel.steps.map((s: { name: string; sessions: number }) => [s.name, s.sessions]),
        [
          ['page_view', 2],
          ['signup', 1],
        ],
      );
      const social = (await p.call('GET', '/api/v1/social/stats', t)).json();
      assert.equal(social.success, true);
      assert.equal(social.data.posts_total, 0);
    });

    test('admin adds keys to a tenant and deletes a tenant with all its rows', { skip }, async () => {
      const victim = await p.tenant('Doomed');
      await p.call('POST', '/api/v1/crm/contacts', victim, { full_name: 'V', email: 'v@v.test' });
      const k = await p.call('POST', `/api/v1/admin/tenants/${victim.id}/keys`, null, { label: 'load test' });
      assert.equal(k.statusCode, 201);
      const second = { ...victim, headers: { authorization: `Bearer ${k.json().data.api_key}` } };
      assert.equal((await p.call('GET', '/api/v1/crm/contacts', second)).json().data.length, 1);
      assert.equal((await p.call('POST', '/api/v1/admin/tenants/999999/keys', null)).statusCode, 404);
      const del = await p.call('DELETE', `/api/v1/admin/tenants/${victim.id}`, null);
      assert.equal(del.statusCode, 200);
      for (const table of ['crm_contact', 'api_key', 'ai_agent', 'crm_pipeline_stage']) {
        assert.equal((await p.rows(table, victim.id)).length, 0, table);
      }
      const q = p.db.dialect.quoteIdent;
      const g = await p.db.query(`SELECT ${q('id')} FROM ${q('groups')} WHERE ${q('id')} = ${p.db.dialect.param(1)}`, [
        victim.id,
      ]);
      assert.equal(g.length, 0);
      assert.equal(
        (await p.call('GET', '/api/v1/crm/contacts', second)).statusCode,
        401,
        'its keys stop working at once',
      );
      assert.equal((await p.call('DELETE', `/api/v1/admin/tenants/${victim.id}`, null)).statusCode, 404);
      assert.equal(
        (await p.call('GET', '/api/v1/crm/pipeline-stages', t)).json().data.length,
        6,
        'other tenants untouched',
      );
    });

    test('health reports the DB and queue depth; unknown routes get a JSON 404', { skip }, async () => {
      const h = await p.app.inject({ method: 'GET', url: '/api/health' });
      assert.equal(h.statusCode, 200);
      assert.equal(h.json().data.db, 'up');
      assert.equal(typeof h.json().data.queue.queued, 'number');
      const nf = await p.call('GET', '/api/v1/crm/nothing-here', t);
      assert.equal(nf.statusCode, 404);
      assert.equal(nf.headers['content-type']?.toString().startsWith('application/json'), true);
      assert.equal(nf.json().success, false);
    });
  });
}

describe('when the database goes away', async () => {
  test('routes answer 500 without SQL or stack, and health answers 503', async () => {
    const p = await startPlatform('pglite');
    const t = await p.tenant('A');
    await p.call('GET', '/api/v1/crm/companies', t); // caches the key, so the request reaches the query
    await p.db.close();
    const r = await p.call('GET', '/api/v1/crm/companies', t);
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.json(), { success: false, error: 'internal error' });
    const h = await p.app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(h.statusCode, 503);
    assert.ok(!/select|crm_company|at .*\.ts/i.test(r.body + h.body));
    await p.app.close();
  });
});
