import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AgentQueue } from '../../src/platform/queue.ts';
import { ENGINES, skipReason } from '../helpers/test-databases.ts';
import { sample, startPlatform, waitFor, type Platform, type TestTenant } from './platform-fixture.ts';

async function enqueue(p: Platform, t: TestTenant, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await p.call('POST', `/api/v1/agents/${t.agents[0]!.id}/execute`, t, { input: { i } });
    assert.equal(r.statusCode, 202);
    ids.push(r.json().data.id);
  }
  return ids;
}

const statuses = async (p: Platform, t: TestTenant) => (await p.rows('ai_agent_execution', t.id)).map((r) => r.status);

for (const engine of ENGINES) {
  describe(`agent queue [${engine}]`, async () => {
    const skip = await skipReason(engine);

    test('workers complete queued jobs and record tokens, cost and status', { skip }, async () => {
      const p = await startPlatform(engine, { queue: { workers: 2, latencyMs: 20, pollMs: 25 } });
      try {
        const t = await p.tenant('Q');
        await enqueue(p, t, 6);
        const done = await waitFor(async () => (await statuses(p, t)).every((s) => s === 'done'));
        assert.ok(done, `not all done: ${(await statuses(p, t)).join(',')}`);
        for (const row of await p.rows('ai_agent_execution', t.id)) {
          assert.ok(Number(row.tokens_used) > 0);
          assert.ok(Number(row.cost) > 0);
          assert.ok(row.completed_at);
          assert.equal(row.lease_owner, null);
          assert.equal(Number(row.attempts), 1, 'claimed exactly once');
        }
        const text = await p.app.platform.metrics.registry.metrics();
        assert.equal(sample(text, 'tenantops_jobs_completed_total{status="done"}'), 6);
        assert.equal(sample(text, 'tenantops_job_duration_seconds_count{status="done"}'), 6);
      } finally {
        await p.close();
      }
    });

    test('with --workers 0 the queue is paused and its depth builds up', { skip }, async () => {
      const p = await startPlatform(engine, { queue: { workers: 0 } });
      try {
        const t = await p.tenant('Q');
        await enqueue(p, t, 4);
        await new Promise((r) => setTimeout(r, 150));
        assert.deepEqual(await statuses(p, t), ['queued', 'queued', 'queued', 'queued']);
        const text = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.equal(sample(text, 'tenantops_queue_depth{status="queued"}'), 4);
        const health = (await p.app.inject({ method: 'GET', url: '/api/health' })).json();
        assert.equal(health.data.queue.queued, 4);
      } finally {
        await p.close();
      }
    });

    test(
      "a job whose worker died is reclaimed after its lease, and the dead worker's late result is refused",
      { skip },
      async () => {
        const p = await startPlatform(engine, { queue: { workers: 0, leaseSeconds: 1 } });
        let rescuer: AgentQueue | undefined;
        try {
          const t = await p.tenant('Q');
          const [jobId] = await enqueue(p, t, 1);
          const deadJob = await p.app.platform.queue.claim('dead-worker');
          assert.equal(deadJob?.id, jobId);
          // Another process's worker: SKIP LOCKED and the lease keep it off the job until the lease expires.
          rescuer = new AgentQueue(p.db, p.app.platform.metrics, {
            workers: 1,
            latencyMs: 10,
            pollMs: 50,
            leaseSeconds: 5,
          });
          rescuer.start();
          await new Promise((r) => setTimeout(r, 300));
          let [row] = await p.rows('ai_agent_execution', t.id);
          assert.equal(row!.status, 'running');
          assert.equal(row!.lease_owner, 'dead-worker');
          const done = await waitFor(async () => (await statuses(p, t))[0] === 'done', 8000);
          assert.ok(done, 'job was not reclaimed');
          [row] = await p.rows('ai_agent_execution', t.id);
          assert.equal(Number(row!.attempts), 2);
          const text = await p.app.platform.metrics.registry.metrics();
          assert.equal(sample(text, 'tenantops_jobs_reclaimed_total'), 1);
          assert.equal(await p.app.platform.queue.process(deadJob!, 'dead-worker'), false);
          [row] = await p.rows('ai_agent_execution', t.id);
          assert.equal(row!.status, 'done');
        } finally {
          await rescuer?.stop();
          await p.close();
        }
      },
    );
  });
}
