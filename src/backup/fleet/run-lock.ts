import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TenantopsError } from '../../errors/index.ts';
import { objectAddress, type BackupStore } from '../storage/backup-store.ts';
import { getTextIfAny, putText } from '../storage/store-text.ts';

/** The lock's name in the backup location, beside the archives and run indexes (no listing reads it as either). */
export const RUN_LOCK_NAME = 'tenantops-run.lock';
/** A lock not refreshed for this long is a dead holder's (the holder refreshes every RUN_LOCK_REFRESH_MS). */
export const RUN_LOCK_STALE_MS = 10 * 60_000;
export const RUN_LOCK_REFRESH_MS = 60_000;

/** What a lock says about its holder, as JSON in the lock object. */
export interface RunLockInfo {
  format: 'tenantops-run-lock';
  /** What holds it: `backup --all-tenants`, `prune`. */
  command: string;
  host: string;
  pid: number;
  startedAt: string;
  refreshedAt: string;
  /** Random per acquisition: tells this holder's lock from a later one with the same host and pid. */
  token: string;
}

export interface RunLockOptions {
  command: string;
  now?: () => Date;
  staleMs?: number;
  refreshMs?: number;
  /** A dead holder's lock was taken over: whose it was and why it counts as dead. */
  onTakeover?: (was: RunLockInfo, why: string) => void;
  /**
   * A refresh found the lock gone or another holder's: this holder was frozen (suspended, stopped) past the stale
   * age and a later run took the location over. Refreshing stops; the caller decides what to say.
   */
  onLost?: (holder: RunLockInfo | null) => void;
  /**
   * release() could not remove the lock (the bucket or disk failed): it does not throw, since it runs in `finally`
   * where it would hide the run's own result or error; the lock then goes stale by age.
   */
  onReleaseFailed?: (error: unknown) => void;
}

export interface RunLock {
  readonly info: RunLockInfo;
  /** A refresh found the lock another holder's (see onLost): whoever holds this must stop writing the location. */
  readonly lost: boolean;
  /** The dead holder whose lock this one replaced, if any: what it left unfinished is nobody's now. */
  readonly tookOver: RunLockInfo | null;
  /** Stops the refresh and removes the lock if it is still this holder's; never throws (see onReleaseFailed). */
  release(): Promise<void>;
}

function parseLock(text: string): RunLockInfo | null {
  try {
    const l = JSON.parse(text) as Partial<RunLockInfo>;
    return l.format === 'tenantops-run-lock' && typeof l.token === 'string' && typeof l.pid === 'number'
      ? (l as RunLockInfo)
      : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Why a held lock is a dead holder's, or null while it may be alive. On a local directory a lock naming this host
 * and a pid that is gone is dead at once (a SIGKILL, a reboot). Elsewhere (a bucket shared by hosts, another host's
 * lock on a mounted directory, a pid since reused) only its age can tell: the holder refreshes it every minute.
 */
function deadBecause(store: BackupStore, held: RunLockInfo, now: Date, staleMs: number): string | null {
  if (store.hostLocalPids && held.host === hostname() && held.pid !== process.pid && !pidAlive(held.pid))
    return `process ${held.pid} on this host is gone`;
  const age = now.getTime() - Date.parse(held.refreshedAt);
  if (!(age <= staleMs)) return `not refreshed for ${Math.round(age / 1000)} s (stale after ${staleMs / 1000} s)`;
  return null;
}

function lockedError(store: BackupStore, held: RunLockInfo, now: Date): TenantopsError {
  const ago = Math.max(0, Math.round((now.getTime() - Date.parse(held.refreshedAt)) / 1000));
  return new TenantopsError(
    'TENANTOPS_E_RUN_LOCKED',
    `${store.location} is in use by ${held.command} on host ${held.host}, pid ${held.pid}, started ${held.startedAt} ` +
      `(lock refreshed ${ago} s ago, ${objectAddress(store, RUN_LOCK_NAME)}); wait for it to end`,
  );
}

/**
 * Takes the backup location's run lock, or throws TENANTOPS_E_RUN_LOCKED naming its holder. Two runs into one
 * location would both rewrite its run index and could take each other's archives for their own; a prune could
 * delete what a run is about to count as done. The lock is created only if absent (StoredObject.createExclusive),
 * read back (a bucket that ignores `If-None-Match` overwrites instead of refusing; the later writer then wins the
 * read-back, though two runs that both read back before either overwrote would both go on), and refreshed every
 * `refreshMs` while held. A dead holder's lock (see deadBecause) is taken over, reported through onTakeover.
 */
export async function acquireRunLock(store: BackupStore, opts: RunLockOptions): Promise<RunLock> {
  const now = opts.now ?? (() => new Date());
  const staleMs = opts.staleMs ?? RUN_LOCK_STALE_MS;
  const started = now().toISOString();
  const mine: RunLockInfo = {
    format: 'tenantops-run-lock',
    command: opts.command,
    host: hostname(),
    pid: process.pid,
    startedAt: started,
    refreshedAt: started,
    token: randomBytes(12).toString('hex'),
  };
  const address = objectAddress(store, RUN_LOCK_NAME);
  const read = async (): Promise<RunLockInfo | null | 'unreadable'> => {
    const text = await getTextIfAny(store, RUN_LOCK_NAME);
    return text === null ? null : (parseLock(text) ?? 'unreadable');
  };
  let tookOver: RunLockInfo | null = null;
  // A few rounds: a lock released or taken over between two of our steps is looked at again.
  for (let round = 0; round < 3; round++) {
    // Read first, though createExclusive refuses on its own: a server that ignores `If-None-Match` would let
    // every later run overwrite a live holder's lock, not only one that raced it.
    const held = await read();
    if (held === null) {
      if (!(await store.createExclusive(RUN_LOCK_NAME, JSON.stringify(mine) + '\n'))) continue;
      const back = await read();
      if (back !== null && back !== 'unreadable' && back.token === mine.token)
        return holding(store, mine, opts, tookOver);
      if (back !== null && back !== 'unreadable') throw lockedError(store, back, now());
      continue;
    }
    if (held === 'unreadable')
      throw new TenantopsError(
        'TENANTOPS_E_RUN_LOCKED',
        `${address} exists but is not a tenantops run lock; if no backup or prune is running there, remove it`,
      );
    const why = deadBecause(store, held, now(), staleMs);
    if (!why) throw lockedError(store, held, now());
    // Only the lock judged dead is removed: one a concurrent taker put there meanwhile has another token.
    const again = await read();
    if (again !== null && again !== 'unreadable' && again.token !== held.token) continue;
    opts.onTakeover?.(held, why);
    await store.delete(RUN_LOCK_NAME);
    tookOver = held;
  }
  const last = await read();
  if (last !== null && last !== 'unreadable') throw lockedError(store, last, now());
  throw new TenantopsError('TENANTOPS_E_RUN_LOCKED', `${address} keeps changing hands; rerun in a minute`);
}

function holding(store: BackupStore, info: RunLockInfo, opts: RunLockOptions, tookOver: RunLockInfo | null): RunLock {
  const now = opts.now ?? (() => new Date());
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  let lost = false;
  const refresh = async () => {
    const text = await getTextIfAny(store, RUN_LOCK_NAME);
    const held = text === null ? null : parseLock(text);
    if (held?.token !== info.token) {
      stopped = true;
      lost = true;
      clearInterval(timer);
      opts.onLost?.(held);
      return;
    }
    await putText(store, RUN_LOCK_NAME, JSON.stringify({ ...info, refreshedAt: now().toISOString() }) + '\n');
  };
  const timer = setInterval(() => {
    // A failed refresh (the network, the disk) is tried again at the next tick; the lock goes stale only if none
    // succeeds for the stale age.
    if (!stopped) chain = chain.then(refresh).catch(() => undefined);
  }, opts.refreshMs ?? RUN_LOCK_REFRESH_MS);
  timer.unref();
  return {
    info,
    tookOver,
    get lost() {
      return lost;
    },
    async release() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await chain;
      try {
        const text = await getTextIfAny(store, RUN_LOCK_NAME);
        if (text !== null && parseLock(text)?.token === info.token) await store.delete(RUN_LOCK_NAME);
      } catch (e) {
        opts.onReleaseFailed?.(e);
      }
    },
  };
}
