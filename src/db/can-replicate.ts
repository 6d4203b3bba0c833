import type { Engine } from './db-target.ts';

// Which engines' Db has `replicaStatus`, known before connecting, so that a replica URL no engine could serve is
// refused at once (PGlite takes seconds to start only to be refused). test/platform/read-replica.test.ts keeps it
// in step with the connectors.
const REPLICATES: Record<Engine, boolean> = { mysql: true, postgres: true, pglite: false };

/** True when the engine can replicate, i.e. its Db has `replicaStatus`. */
export function canReplicate(engine: Engine): boolean {
  return REPLICATES[engine];
}
