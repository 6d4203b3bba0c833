import { hostname } from 'node:os';
import type { Db, DbSession } from '../db/index.ts';
import type { PlatformMetrics } from './metrics.ts';

export interface QueueOptions {
  /** In-process workers; 0 pauses the queue (jobs stay queued and the depth builds up). */
  workers?: number;
  /** Simulated agent latency per job. */
  latencyMs?: number;
  /** A claimed job whose worker has not finished within this many seconds is reclaimed by another worker. */
  leaseSeconds?: number;
  /** How often an idle worker looks for work; an enqueue in this process wakes the workers at once. */
  pollMs?: number;
  /** Share of jobs that end as `failed`, to exercise the failure path. */
  failureRate?: number;
}

export interface ClaimedJob {
  id: number;
  tenantId: number;
  agentId: number;
  input: unknown;
  reclaimed: boolean;
  claimedAt: number;
}

const T = 'ai_agent_execution';
let ownerSeq = 0;

/**
 * The executions table is the queue. Workers claim with SELECT … FOR UPDATE SKIP LOCKED, so any number of workers
 * in any number of processes never take the same job; a lease (lease_owner, lease_expires_at) lets a job whose
 * worker died be claimed again once the lease expires.
 */
export class AgentQueue {
  private readonly db: Db;
  private readonly metrics: PlatformMetrics;
  private readonly o: Required<QueueOptions>;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private stopping = false;
  private readonly prefix = `${hostname()}:${process.pid}:${++ownerSeq}`;

  constructor(db: Db, metrics: PlatformMetrics, options: QueueOptions = {}) {
    this.db = db;
    this.metrics = metrics;
    this.o = { workers: 2, latencyMs: 200, leaseSeconds: 30, pollMs: 250, failureRate: 0, ...options };
  }

  get workers(): number {
    return this.o.workers;
  }

  start(): void {
    for (let i = 0; i < this.o.workers; i++) this.loops.push(this.loop(`${this.prefix}:w${i}`));
  }

  /** Wakes idle workers after an enqueue, so a job does not wait for the next poll. */
  notify(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Stops claiming and waits for the jobs in flight to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await Promise.all(this.loops);
  }

  /** Claims the oldest claimable job for `owner`, or null. Public so tests can play a worker that dies. */
  async claim(owner: string): Promise<ClaimedJob | null> {
    const d = this.db.dialect;
    const q = d.quoteIdent;
    const cols = `${q('id')}, ${q('tenant_id')}, ${q('agent_id')}, ${q('input')}, ${q('status')}`;
    const pick = async (s: DbSession, where: string, params: unknown[]) =>
      (
        await s.query<{ id: number; tenant_id: number; agent_id: number; input: unknown; status: string }>(
          `SELECT ${cols} FROM ${q(T)} WHERE ${where} ORDER BY ${q('queued_at')}, ${q('id')} LIMIT 1 ${d.skipLocked}`,
          params,
        )
      )[0];
    return this.db.transaction(async (s) => {
      // Expired leases first: those jobs have waited longest.
      const row =
        (await pick(s, `${q('status')} = ${d.param(1)} AND ${q('lease_expires_at')} < ${d.now}`, ['running'])) ??
        (await pick(s, `${q('status')} = ${d.param(1)}`, ['queued']));
      if (!row) return null;
      await s.execute(
        `UPDATE ${q(T)} SET ${q('status')} = ${d.param(1)}, ${q('lease_owner')} = ${d.param(2)},
           ${q('lease_expires_at')} = ${d.nowPlusSeconds(3)}, ${q('started_at')} = ${d.now},
           ${q('attempts')} = ${q('attempts')} + 1 WHERE ${q('id')} = ${d.param(4)}`,
        ['running', owner, this.o.leaseSeconds, row.id],
      );
      const reclaimed = row.status === 'running';
      if (reclaimed) this.metrics.jobsReclaimed.inc();
      return {
        id: Number(row.id),
        tenantId: Number(row.tenant_id),
        agentId: Number(row.agent_id),
        input: row.input,
        reclaimed,
        claimedAt: performance.now(),
      };
    });
  }

  /** Simulates the agent and records the result, unless the lease was lost meanwhile. */
  async process(job: ClaimedJob, owner: string): Promise<boolean> {
    await sleep(this.o.latencyMs);
    const failed = Math.random() < this.o.failureRate;
    const tokens = 50 + Math.floor(Math.random() * 1950);
    const status = failed ? 'failed' : 'done';
    const d = this.db.dialect;
    const q = d.quoteIdent;
    const r = await this.db.execute(
      `UPDATE ${q(T)} SET ${q('status')} = ${d.param(1)}, ${q('output')} = ${d.param(2)}, ${q('tokens_used')} = ${d.param(3)},
         ${q('cost')} = ${d.param(4)}, ${q('error')} = ${d.param(5)}, ${q('completed_at')} = ${d.now},
         ${q('lease_owner')} = NULL, ${q('lease_expires_at')} = NULL
       WHERE ${q('id')} = ${d.param(6)} AND ${q('lease_owner')} = ${d.param(7)} AND ${q('status')} = ${d.param(8)}`,
      [
        status,
        JSON.stringify(failed ? null : { text: `simulated answer for agent ${job.agentId}`, tokens }),
        failed ? 0 : tokens,
        failed ? '0' : (tokens * 0.000002).toFixed(6),
        failed ? 'simulated agent failure' : null,
        job.id,
        owner,
        'running',
      ],
    );
    if (r.affectedRows === 0) return false; // another worker reclaimed it; its result wins
    this.metrics.jobsCompleted.inc({ status });
    this.metrics.jobDuration.observe({ status }, (performance.now() - job.claimedAt) / 1000);
    return true;
  }

  private async loop(owner: string): Promise<void> {
    while (!this.stopping) {
      let job: ClaimedJob | null = null;
      try {
        job = await this.claim(owner);
        if (job) await this.process(job, owner);
      } catch {
        // The DB is down or busy: back off one poll and try again; the health check reports the outage.
        job = null;
      }
      if (!job && !this.stopping) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.o.pollMs);
      this.wakers.add(done);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
