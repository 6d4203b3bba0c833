import { canReplicate, connectDb, parseDbUrl, type ConnectOptions, type Db, type DbTarget } from '../db/index.ts';
import { TenantopsError } from '../errors/index.ts';
import { withTimeout } from './with-timeout.ts';

/** up: answers and is within the lag limit; lagging: answers but is behind (or cannot say); down: does not answer. */
export type ReplicaState = 'up' | 'lagging' | 'down';

export interface ReplicaMonitorOptions {
  /** A replica further behind than this, or whose lag is unknown, is not read from (default 5 s). */
  maxLagSeconds?: number;
  probeEveryMs?: number;
  /** A probe that takes longer counts as the replica being down. */
  probeTimeoutMs?: number;
  /** One line per change of state (and one warning for a server that is not a replica). */
  log?: (line: string) => void;
}

export interface OpenReplicaOptions extends ReplicaMonitorOptions {
  connect?: Pick<ConnectOptions, 'poolMax' | 'connectTimeoutMs'>;
}

/**
 * The replica's connection and health. A probe every `probeEveryMs` (an unref'd timer, so it never keeps the
 * process alive) connects if needed and asks the server its lag through `Db.replicaStatus`. A replica that cannot
 * be reached at start is not an error: reads go to the primary until a probe reaches it.
 */
export class ReplicaMonitor {
  readonly redacted: string;
  private currentState: ReplicaState = 'down';
  private lastLag: number | null = null;
  private db: Db | null = null;
  private readonly connect: () => Promise<Db>;
  private readonly maxLagSeconds: number;
  private readonly probeEveryMs: number;
  private readonly probeTimeoutMs: number;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private warnedNotReplica = false;
  /** The first state is always logged, even when it is the initial 'down'. */
  private reported = false;
  /** Bumped by markDown: a probe that started before it cannot bring the replica back. */
  private epoch = 0;

  constructor(
    connect: () => Promise<Db>,
    redacted: string,
    {
      maxLagSeconds = 5,
      probeEveryMs = 1000,
      probeTimeoutMs = 2000,
      log = () => undefined,
    }: ReplicaMonitorOptions = {},
  ) {
    this.connect = connect;
    this.redacted = redacted;
    this.maxLagSeconds = maxLagSeconds;
    this.probeEveryMs = probeEveryMs;
    this.probeTimeoutMs = probeTimeoutMs;
    this.log = log;
  }

  /**
   * The replica's target, if it can serve as a replica of `primary`; a usage error otherwise: another engine than the
   * primary's, or an engine without replication. Needs no connection, so `serve` checks it before connecting.
   */
  static check(url: string, primary: DbTarget): DbTarget {
    const target = parseDbUrl(url);
    if (target.engine !== primary.engine) {
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `--db-replica ${target.redacted} is ${target.engine} but --db is ${primary.engine}: the replica must be a copy of the primary`,
      );
    }
    if (!canReplicate(target.engine)) {
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `--db-replica ${target.redacted}: ${target.engine} has no replication to read from; use a MariaDB/MySQL or PostgreSQL replica`,
      );
    }
    return target;
  }

  /**
   * Checks the URL against the primary, probes once (so the first state is known before serving) and starts the
   * periodic probe. An unreachable replica is only logged.
   */
  static async open(url: string, primary: Db, options: OpenReplicaOptions = {}): Promise<ReplicaMonitor> {
    const target = ReplicaMonitor.check(url, primary.target);
    const connect = () => connectDb(target, { values: 'typed', ...options.connect });
    const monitor = new ReplicaMonitor(connect, target.redacted, options);
    await monitor.start();
    return monitor;
  }

  get state(): ReplicaState {
    return this.currentState;
  }

  /** The last lag the replica reported; null when unknown or unreachable. */
  get lagSeconds(): number | null {
    return this.lastLag;
  }

  /** The replica's Db while it is up, else null. */
  current(): Db | null {
    return this.state === 'up' ? this.db : null;
  }

  async start(): Promise<void> {
    await this.probe();
    this.schedule();
  }

  /** A read failed on the replica: stop using it until a probe started after now finds it healthy. */
  markDown(reason: string): void {
    this.epoch++;
    this.set('down', null, reason);
  }

  /** One probe now (tests call it instead of waiting for the timer). */
  probe(): Promise<void> {
    this.running ??= this.probeOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    const db = this.db;
    this.db = null;
    await db?.close();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.probe().then(() => this.schedule()), this.probeEveryMs);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    const epoch = this.epoch;
    let db = this.db;
    try {
      if (!db) {
        db = await this.connect();
        if (this.closed) {
          await db.close();
          return;
        }
        if (!db.replicaStatus) {
          await db.close();
          throw new Error(`canReplicate('${db.target.engine}') is true but its connector has no replicaStatus`);
        }
        this.db = db;
      }
      const s = await withTimeout(db.replicaStatus!(), this.probeTimeoutMs, 'the replica status query');
      if (!s.replica && !this.warnedNotReplica) {
        this.warnedNotReplica = true;
        this.log(
          `tenantops serve: WARNING --db-replica ${this.redacted} is not replicating from anything; it is read as a replica with lag 0, so reads may not match the primary`,
        );
      }
      if (epoch !== this.epoch || this.closed) return;
      const lag = s.replica ? s.lagSeconds : 0;
      const detail = s.replica ? s.detail : 'not a replica';
      if (lag === null) this.set('lagging', null, `lag unknown (${detail})`);
      else if (lag > this.maxLagSeconds) this.set('lagging', lag, `${detail}, above ${this.maxLagSeconds} s`);
      else this.set('up', lag, detail);
    } catch (e) {
      // probe() never rejects: whatever fails, the replica is down until a later probe succeeds.
      if (epoch === this.epoch && !this.closed) this.set('down', null, (e as Error).message);
    }
  }

  private set(state: ReplicaState, lag: number | null, why: string): void {
    const changed = state !== this.currentState || !this.reported;
    this.currentState = state;
    this.lastLag = lag;
    if (!changed) return;
    this.reported = true;
    const effect = state === 'up' ? 'reads go to the replica' : 'reads go to the primary';
    this.log(`tenantops serve: replica ${this.redacted} ${state}: ${why}; ${effect}`);
  }
}
