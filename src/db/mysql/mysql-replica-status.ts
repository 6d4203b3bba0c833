import type { Queryable, Row } from '../db.ts';
import type { ReplicaStatus } from '../replica-status.ts';
import { driverCode } from '../wrap-db-error.ts';

// MySQL 8.0.22+ renamed the columns (Replica_*, Seconds_Behind_Source); MariaDB kept the old names under both
// SHOW REPLICA STATUS and SHOW SLAVE STATUS. Either set may come back.
const pick = (row: Row, ...names: string[]): unknown => names.map((n) => row[n]).find((v) => v !== undefined);

/**
 * One replication connection's row → status. Seconds_Behind_Master is NULL when the SQL thread is stopped (and, on
 * some versions, 0 while the IO thread is reconnecting), so a thread that is not running makes the lag unknown.
 */
function fromRow(row: Row): ReplicaStatus & { replica: true } {
  const io = String(pick(row, 'Slave_IO_Running', 'Replica_IO_Running') ?? '');
  const sqlThread = String(pick(row, 'Slave_SQL_Running', 'Replica_SQL_Running') ?? '');
  const behind = pick(row, 'Seconds_Behind_Master', 'Seconds_Behind_Source');
  if (sqlThread !== 'Yes')
    return { replica: true, lagSeconds: null, detail: `SQL thread running: ${sqlThread || '?'}` };
  if (io !== 'Yes') return { replica: true, lagSeconds: null, detail: `IO thread running: ${io || '?'}` };
  if (behind === null || behind === undefined) return { replica: true, lagSeconds: null, detail: 'lag NULL' };
  const lag = Number(behind);
  return Number.isFinite(lag)
    ? { replica: true, lagSeconds: lag, detail: `Seconds_Behind_Master ${lag}` }
    : { replica: true, lagSeconds: null, detail: `lag ${String(behind)}` };
}

/** Rows of SHOW REPLICA STATUS → one status: no row is no replica; with several sources, the worst one counts. */
export function replicaStatusFromRows(rows: readonly Row[]): ReplicaStatus {
  if (rows.length === 0) return { replica: false };
  const all = rows.map(fromRow);
  return all.find((s) => s.lagSeconds === null) ?? all.reduce((a, b) => (b.lagSeconds! > a.lagSeconds! ? b : a));
}

// The server answers but will not say how far behind it is: unknown lag, so it is not read from, and the log line
// says which grant fixes it (an app login with rights on its database only is the common case).
const NOT_ALLOWED: ReplicaStatus = {
  replica: true,
  lagSeconds: null,
  detail:
    'this login may not run SHOW REPLICA STATUS; GRANT SLAVE MONITOR (MariaDB ≥ 10.5.9) or REPLICATION CLIENT ON *.* to it',
};

/**
 * A reader of the server's replication status. SHOW REPLICA STATUS exists from MariaDB 10.5.1 and MySQL 8.0.22;
 * older servers answer it with a syntax error, and SHOW SLAVE STATUS is used from then on. Needs the REPLICA
 * MONITOR (MariaDB ≥ 10.5.9) or REPLICATION CLIENT privilege.
 */
export function mysqlReplicaStatus(db: Queryable): () => Promise<ReplicaStatus> {
  let statement = 'SHOW REPLICA STATUS';
  const read = async (): Promise<ReplicaStatus> => {
    try {
      return replicaStatusFromRows(await db.query(statement));
    } catch (e) {
      // The error arrives wrapped (TENANTOPS_E_DB_QUERY); the driver's code is kept on it and on its cause.
      const code = (e as { driverCode?: string }).driverCode ?? driverCode((e as { cause?: unknown }).cause);
      if (code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') return NOT_ALLOWED;
      if (code !== 'ER_PARSE_ERROR' || statement === 'SHOW SLAVE STATUS') throw e;
      statement = 'SHOW SLAVE STATUS';
      return read();
    }
  };
  return read;
}
