import type { Queryable, Row } from '../db.ts';
import type { ReplicaStatus } from '../replica-status.ts';

interface RecoveryRow extends Row {
  paused: boolean;
  caught_up: boolean | null;
  since_replay: number | string | null;
  receivers: number | string;
  receiver_status: string | null;
}

/**
 * The standby's lag in seconds, from what PostgreSQL exposes to any role.
 *
 * `now() - pg_last_xact_replay_timestamp()` alone grows without bound on a standby of an idle primary: nothing new
 * to replay, yet the last replayed commit gets older. So a standby whose WAL receiver is connected and has replayed
 * everything it received (replay LSN ≥ receive LSN; a receiver that has just (re)started reports the start of its
 * WAL segment, behind what was already replayed) is caught up: lag 0. Otherwise the age of the last replayed
 * commit is the lag: while WAL is arriving that is how far replay trails, and with no WAL receiver (primary gone,
 * archive-only recovery) the standby cannot know what it misses, so its staleness is the honest figure.
 * pg_stat_wal_receiver hides its status from roles without pg_read_all_stats, but its row is visible: a hidden
 * status counts as streaming. Paused replay (pg_wal_replay_pause(), the analogue of a stopped SQL thread) is
 * unknown lag.
 */
export function recoveryStatus(row: RecoveryRow): ReplicaStatus {
  if (row.paused) return { replica: true, lagSeconds: null, detail: 'WAL replay paused' };
  const streaming = Number(row.receivers) > 0 && (row.receiver_status ?? 'streaming') === 'streaming';
  if (streaming && row.caught_up) return { replica: true, lagSeconds: 0, detail: 'replayed all WAL received' };
  if (row.since_replay === null) return { replica: true, lagSeconds: null, detail: 'nothing replayed yet' };
  const lag = Math.max(0, Number(row.since_replay));
  return { replica: true, lagSeconds: lag, detail: `${streaming ? '' : 'no WAL streaming; '}last replay ${lag} s ago` };
}

export function postgresReplicaStatus(db: Queryable): () => Promise<ReplicaStatus> {
  return async () => {
    const [r] = await db.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
    if (!r?.in_recovery) return { replica: false };
    // Only on a standby: pg_is_wal_replay_paused() raises an error on a primary.
    const [row] = await db.query<RecoveryRow>(
      `SELECT pg_is_wal_replay_paused() AS paused,
              pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() AS caught_up,
              EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 AS since_replay,
              (SELECT count(*) FROM pg_stat_wal_receiver) AS receivers,
              (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver_status`,
    );
    return recoveryStatus(row!);
  };
}
