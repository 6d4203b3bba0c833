import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { startPlatform, type Platform, type TestTenant } from './platform-fixture.ts';

for (const engine of ENGINES) {
  describe(`request validation [${engine}]`, async () => {
    const skip = await skipReason(engine);
    let p: Platform;
    let t: TestTenant;
    before(async () => {
      if (skip) return;
      p = await startPlatform(engine);
      t = await p.tenant('V');
    });
    after(async () => {
      if (!skip) await p.close();
    });

    const expect400 = async (method: string, url: string, body: unknown, field: RegExp) => {
      const r = await p.call(method as 'POST', url, t, body);
      assert.equal(r.statusCode, 400, `${method} ${url} ${JSON.stringify(body)} → ${r.statusCode} ${r.body}`);
      assert.equal(r.json().success, false);
      assert.match(r.json().error, field);
    };

    test(
      'missing fields, bad types and unknown fields get 400 naming the field, and nothing is written',
      { skip },
      async () => {
        await expect400('POST', '/api/v1/crm/companies', {}, /body\.name: is required/);
        await expect400('POST', '/api/v1/crm/companies', { name: '' }, /body\.name/);
        await expect400('POST', '/api/v1/crm/companies', { name: 'x', colour: 'red' }, /body\.colour: unknown field/);
        await expect400('POST', '/api/v1/crm/contacts', { full_name: 'x' }, /body\.email: is required/);
        await expect400('POST', '/api/v1/crm/contacts', { full_name: 'x', email: 'not-an-email' }, /body\.email/);
        await expect400(
          'POST',
          '/api/v1/crm/contacts',
          { full_name: 'x', email: 'a@b.c', company_id: 'abc' },
          /body\.company_id/,
        );
        await expect400(
          'POST',
          '/api/v1/crm/opportunities',
          { title: 'x', value: 'lots' },
          /body\.value: must be number/,
        );
        await expect400(
          'POST',
          '/api/v1/crm/opportunities',
          { title: 'x', value: 1, probability: 101 },
          /body\.probability/,
        );
        await expect400(
          'POST',
          '/api/v1/crm/opportunities',
          { title: 'x', value: 1, expected_close: 'soon' },
          /body\.expected_close/,
        );
        await expect400('POST', '/api/v1/crm/activities', { subject: 'x', type: 'party' }, /body\.type/);
        await expect400('PATCH', '/api/v1/crm/opportunities/1/bant', { budget: 'yes please' }, /body\.budget/);
        await expect400(
          'POST',
          '/api/v1/crm/pipeline/move',
          { stage: 'proposal' },
          /body\.opportunity_id: is required/,
        );
        await expect400('GET', '/api/v1/crm/companies?limit=101', undefined, /querystring\.limit/);
        await expect400('GET', '/api/v1/crm/companies?limit=abc', undefined, /querystring\.limit/);
        await expect400('GET', '/api/v1/crm/companies?sort=name', undefined, /querystring\.sort: unknown field/);
        await expect400('GET', '/api/v1/crm/companies/abc', undefined, /params\.id/);
        await expect400('GET', '/api/v1/analytics/dashboard?days=0', undefined, /querystring\.days/);
        for (const table of ['crm_company', 'crm_contact', 'crm_opportunity', 'crm_activity']) {
          assert.equal((await p.rows(table, t.id)).length, 0, `${table} written by a rejected request`);
        }
      },
    );

    test('malformed JSON gets 400', { skip }, async () => {
      const r = await p.app.inject({
        method: 'POST',
        url: '/api/v1/crm/companies',
        headers: { ...t.headers, 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().success, false);
    });

    test('an oversize batch, or one bad event in a batch, is refused whole', { skip }, async () => {
      const events = Array.from({ length: 501 }, (_, i) => ({ name: 'page_view', session_id: `s${i}` }));
      await expect400('POST', '/api/v1/analytics/batch', { events }, /body\.events/);
      const oneBad = events.slice(0, 10).map((e, i) => (i === 3 ? { session_id: 'x' } : e));
      await expect400('POST', '/api/v1/analytics/batch', { events: oneBad }, /body\.events\.3\.name: is required/);
      assert.equal((await p.rows('analytics_event', t.id)).length, 0, 'nothing written');
      const ok = await p.call('POST', '/api/v1/analytics/batch', t, { events: events.slice(0, 500) });
      assert.equal(ok.statusCode, 201);
      assert.equal((await p.rows('analytics_event', t.id)).length, 500);
    });
  });
}
