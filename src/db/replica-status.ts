/**
 * What a server says about its own replication, as `Db.replicaStatus` reads it.
 * - `replica: false`: the server replicates from nothing (a primary, or a plain server).
 * - `lagSeconds: null`: a replica whose lag is unknown (MariaDB SQL or IO thread stopped, PostgreSQL replay paused):
 *   callers must treat it as too far behind, never as caught up.
 * `detail` says why, in a few words fit for a log line (never a credential).
 */
export type ReplicaStatus = { replica: false } | { replica: true; lagSeconds: number | null; detail: string };
