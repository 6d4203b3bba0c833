import type { Db, ExecResult, Queryable, Row } from '../db/index.ts';
import { withTimeout } from './with-timeout.ts';

export type ReadTarget = 'primary' | 'replica';
/** Why a read went where it did: the `reason` label of tenantops_db_reads_total. */
export type ReadReason = 'replica' | 'read_your_writes' | 'replica_lagging' | 'replica_down' | 'no_replica';

export interface RoutedReadsOptions {
  primary: Db;
  /** The replica to read from, or null to read from the primary for `reason`. */
  replica: Db | null;
  reason: ReadReason;
  /** A replica read slower than this is abandoned and served by the primary. */
  timeoutMs: number;
  /** Called once per failed replica read, before the primary serves it. */
  onReplicaFailure: (error: Error) => void;
}

/**
 * The Queryable a read-only request's TenantRepo runs on. Reads go to the replica when one was chosen; a read that
 * fails there (refused, reset, timed out) is retried once on the primary and the rest of the request stays on the
 * primary, so a dying replica fails no request. Statements that change rows always go to the primary.
 */
export class RoutedReads implements Queryable {
  target: ReadTarget;
  reason: ReadReason;
  /** Statements run through query(): a request that ran none was not a read. */
  reads = 0;
  private readonly o: RoutedReadsOptions;

  constructor(o: RoutedReadsOptions) {
    this.o = o;
    this.target = o.replica ? 'replica' : 'primary';
    this.reason = o.reason;
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    this.reads++;
    const replica = this.o.replica;
    if (replica && this.target === 'replica') {
      try {
        return await withTimeout(replica.query<R>(sql, params), this.o.timeoutMs, 'a replica read');
      } catch (e) {
        this.target = 'primary';
        this.reason = 'replica_down';
        this.o.onReplicaFailure(e as Error);
      }
    }
    return this.o.primary.query<R>(sql, params);
  }

  execute(sql: string, params?: readonly unknown[]): Promise<ExecResult> {
    return this.o.primary.execute(sql, params);
  }
}
