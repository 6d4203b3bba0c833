import { waitForFiring } from '../alert-wait.ts';
import type { LabCheck } from '../lab-check.ts';
import { loadFigures } from '../load-figures.ts';
import { runLoad } from '../load-run.ts';
import { scenariosUnderway } from '../load-started.ts';
import { waitFor } from '../wait-for.ts';

/**
 * Check 2: `kill -9` of one app node while the load runs. HAProxy must take it out (health checks) and retry what
 * was in flight on the other node, so the run's failed-request rate stays under 1 %; Prometheus must fire
 * ScrapeTargetDown for it. The node is restarted afterwards, for the checks that follow.
 */
export const nodeFailover: LabCheck = {
  name: 'kill -9 of one app node mid-test',
  async run(ctx) {
    const { topo } = ctx;
    const victim = topo.nodes[1]!;
    const before = await topo.haproxy.servers();
    const load = runLoad(ctx.load, topo.haproxy.url, ctx.reportDir('2-failover'));
    // Awaited below; a rejection before that must not crash the lab as unhandled.
    load.catch(() => undefined);
    await scenariosUnderway(topo.nodes, ctx.short ? 10 : 40, 90_000);
    ctx.log(`kill -9 ${victim.name} (pid ${victim.process.pid}) mid-test`);
    const killedAt = Date.now();
    await victim.process.kill9();
    const downMs = await waitFor(
      'HAProxy to mark the killed node DOWN',
      async () =>
        (await topo.haproxy.servers()).find((s) => s.name === victim.name)?.status.startsWith('DOWN')
          ? Date.now() - killedAt
          : undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    ).catch(() => null);
    const alert = await waitForFiring(
      topo.prometheus,
      'ScrapeTargetDown',
      { job: 'tenantops', instance: victim.target },
      90_000,
    );
    const alertMs = alert ? Date.now() - killedAt : null;
    const l = await load;
    const after = await topo.haproxy.servers();
    const delta = (k: 'retries' | 'redispatches'): number =>
      after.reduce((n, s) => n + s[k] - (before.find((b) => b.name === s.name)?.[k] ?? 0), 0);
    ctx.log(`restarting ${victim.name}`);
    const restartAt = Date.now();
    await topo.restartNode(victim.name);
    const rejoinMs = await waitFor(
      'HAProxy to put the restarted node back',
      async () =>
        (await topo.haproxy.servers()).find((s) => s.name === victim.name)?.status === 'UP'
          ? Date.now() - restartAt
          : undefined,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const notes: string[] = [];
    if (l.failedRate >= 0.01) notes.push(`failed-request rate ${(l.failedRate * 100).toFixed(2)} % is not under 1 %`);
    if (l.requests === 0) notes.push('no request was made');
    if (!alert) notes.push('ScrapeTargetDown did not fire for the killed node within 90 s');
    if (downMs === null) notes.push('HAProxy did not mark the killed node DOWN within 30 s');
    return {
      name: this.name,
      ok: notes.length === 0,
      figures: {
        ...loadFigures(l),
        killed_node: victim.name,
        haproxy_marked_down_after_ms: downMs,
        haproxy_retries: delta('retries'),
        haproxy_redispatches: delta('redispatches'),
        scrape_target_down_firing_after_ms: alertMs,
        scrape_target_down_for: `5m scaled /${topo.ruleTimeFactor} = 5s`,
        node_back_in_haproxy_after_restart_ms: rejoinMs,
      },
      notes,
    };
  },
};
