import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { sample, startPlatform } from './platform-fixture.ts';

/** The platform's metric names, read from the contract itself (the first table of docs/metrics.md). */
function documentedNames(): string[] {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  const platformPart = doc.split('## Exporter metrics')[0]!;
  return [...platformPart.matchAll(/^\| `([a-z_*]+)`(?:, `([a-z_*]+)`)? \|/gm)].flatMap((m) => [
    m[1]!,
    ...(m[2] ? [m[2]] : []),
  ]);
}

const scrape = async (p: { app: { inject: (o: { method: 'GET'; url: string }) => Promise<{ body: string }> } }) =>
  (await p.app.inject({ method: 'GET', url: '/metrics' })).body;

for (const engine of ENGINES) {
  describe(`metrics [${engine}]`, async () => {
    const skip = await skipReason(engine);

    test(
      'every metric documented in docs/metrics.md is exposed, with the documented labels and buckets',
      { skip },
      async () => {
        const p = await startPlatform(engine, { defaultMetrics: true, rateLimit: { requestsPerSecond: 1, burst: 1 } });
        try {
          const t = await p.tenant('M');
          await p.call('GET', '/api/v1/crm/companies', t);
          const limited = await p.call('GET', '/api/v1/crm/companies', t); // over the 1 req/s burst
          assert.equal(limited.statusCode, 429);
          assert.ok(Number(limited.headers['retry-after']) >= 1);
          const text = await scrape(p);
          const names = documentedNames();
          assert.ok(names.length >= 15, `parsed only ${names.length} names from docs/metrics.md`);
          for (const name of names) {
            const re = name.endsWith('*')
              ? new RegExp(`^# TYPE ${name.slice(0, -1)}\\w+ `, 'm')
              : new RegExp(`^# TYPE ${name} `, 'm');
            assert.match(text, re, `${name} not exposed`);
          }
          assert.match(
            text,
            /^http_request_duration_seconds_bucket\{le="0.5",method="GET",route="\/api\/v1\/crm\/companies",status_code="200"\} 1$/m,
          );
          assert.match(text, /^http_request_duration_seconds_bucket\{le="2",/m);
          assert.ok(
            !/^http_request_duration_seconds_bucket\{[^}]*[{,]tenant=/m.test(text),
            'no tenant label on the histogram',
          );
          assert.equal(sample(text, `tenantops_tenant_requests_total{tenant="${t.id}"}`), 2);
          assert.equal(sample(text, `tenantops_rate_limited_total{tenant="${t.id}"}`), 1);
          assert.equal(sample(text, 'tenantops_tenants_total'), 1);
          assert.equal(sample(text, 'tenantops_db_pool_connections_max'), engine === 'pglite' ? 1 : 5);
        } finally {
          await p.close();
        }
      },
    );

    test(
      'the session gauge rises with concurrent keys and its series disappears when the tenant goes idle',
      { skip },
      async () => {
        const p = await startPlatform(engine, { sessionWindowMs: 400, activeWindowMs: 800 });
        try {
          const t = await p.tenant('Busy');
          const other = await p.tenant('Quiet');
          const keys = [t.key];
          for (let i = 0; i < 2; i++)
            keys.push((await p.call('POST', `/api/v1/admin/tenants/${t.id}/keys`, null)).json().data.api_key);
          const series = `tenantops_tenant_sessions{tenant="${t.id}"}`;
          assert.equal(sample(await scrape(p), series), undefined, 'no series before any request');
          await Promise.all(
            keys.map((k) =>
              p.app.inject({ method: 'GET', url: '/api/v1/crm/companies', headers: { authorization: `Bearer ${k}` } }),
            ),
          );
          let text = await scrape(p);
          assert.equal(sample(text, series), 3, 'three keys used in the window: three sessions');
          assert.equal(sample(text, `tenantops_tenant_sessions{tenant="${other.id}"}`), undefined);
          assert.equal(sample(text, 'tenantops_active_tenants'), 1);
          await new Promise((r) => setTimeout(r, 500));
          text = await scrape(p);
          assert.equal(sample(text, series), undefined, 'series removed once the tenant is idle');
          assert.equal(sample(text, 'tenantops_active_tenants'), 1, 'still active within the activity window');
          await new Promise((r) => setTimeout(r, 400));
          assert.equal(sample(await scrape(p), 'tenantops_active_tenants'), 0);
        } finally {
          await p.close();
        }
      },
    );

    test('a request in flight counts as a session while it lasts', { skip }, async () => {
      const p = await startPlatform(engine, { sessionWindowMs: 50 });
      try {
        const t = await p.tenant('Slow');
        // Test-only fault: this tenant's requests take 400 ms, so the scrape happens while they are in flight.
        p.app.platform.faults = { tenantDelayMs: { [t.id]: 400 } };
        const inflight = p.call('GET', '/api/v1/crm/companies', t);
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(sample(await scrape(p), `tenantops_tenant_sessions{tenant="${t.id}"}`), 1);
        assert.equal((await inflight).statusCode, 200);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(sample(await scrape(p), `tenantops_tenant_sessions{tenant="${t.id}"}`), undefined);
      } finally {
        await p.close();
      }
    });
  });
}
