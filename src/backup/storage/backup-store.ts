import type { ArchiveSink } from '../archive/archive-sink.ts';

/** One object (a file) directly in a backup location. */
export interface StoredObject {
  name: string;
  bytes: number;
}

/**
 * Where `backup --all-tenants` keeps archives and run indexes, and where `backups list`, `prune` and
 * `restore --from-dir` find them: a local directory or an S3-compatible bucket prefix. Names are flat (no
 * sub-folders); the fleet code never learns which kind it has.
 */
export interface BackupStore {
  /** The location as the user wrote it (a directory path or s3://bucket/prefix), for messages. */
  readonly location: string;
  /**
   * True when a process id in a lock here naming this host is one of this machine's processes (a local directory):
   * a dead pid then proves the lock stale. False for a bucket, which hosts and containers share and whose host
   * names may repeat: there only a lock's age does (see run-lock.ts).
   */
  readonly hostLocalPids: boolean;
  /** Make sure the location can take objects (creates a local directory; checks a bucket answers). */
  prepare(): Promise<void>;
  /** The objects directly in the location, with their sizes, by name. */
  list(): Promise<StoredObject[]>;
  /** A new object `name`, streamed; it becomes visible whole on commit() and never if aborted. */
  put(name: string): ArchiveSink;
  /** An object's bytes, streamed. */
  get(name: string): AsyncIterable<Buffer>;
  delete(name: string): Promise<void>;
  /**
   * Writes a small object whole only if nothing has that name yet; false if something does. Atomic against another
   * writer doing the same (a hard link locally, a PUT with `If-None-Match: *` in a bucket, where the server honours
   * it: see docs/backup.md).
   */
  createExclusive(name: string, text: string): Promise<boolean>;
  /**
   * Removes what killed writers left unfinished (`.partial` files) and nothing has touched for `olderThanMs`;
   * returns their names. Absent where an unfinished write leaves nothing to list (a bucket: see its lifecycle rule).
   */
  removeStale?(olderThanMs: number): Promise<string[]>;
  /**
   * A local file with the object's bytes, for readers that need a path (a restore reads its archive several
   * times); release() removes it if it is a copy.
   */
  localCopy(name: string): Promise<{ path: string; release(): Promise<void> }>;
}

/** The address of an object in a store, for messages: `DIR/name` or `s3://bucket/prefix/name`. */
export function objectAddress(store: BackupStore, name: string): string {
  return `${store.location.replace(/\/+$/, '')}/${name}`;
}
