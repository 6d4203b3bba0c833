// [fleet] The run lock of a backup location (src/backup/fleet/run-lock.ts), on a local directory and in a bucket of
// a real S3-protocol server (s3rver on loopback, test/helpers/s3-server.ts): held → refused naming the holder; a
// dead holder's lock taken over by age; refreshed while held; of concurrent takers one wins; a lost lock reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  acquireRunLock,
  backupAllTenants,
  validateConfig,
  LocalDirStore,
  openBackupStore,
  RUN_LOCK_NAME,
  RUN_LOCK_STALE_MS,
  type BackupStore,
  type RunLockInfo,
} from '../../src/backup/index.ts';
import { getText, putText } from '../../src/backup/storage/store-text.ts';
import { isTenantopsError } from '../../src/errors/index.ts';
import { connectDb } from '../../src/db/index.ts';
import { createTempDatabase } from '../helpers/test-databases.ts';
import { startS3Server, useS3Server } from '../helpers/s3-server.ts';
import { cliAsyncIn } from '../helpers/cli-in.ts';

const s3 = useS3Server();
const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;
let n = 0;

const stores: Record<string, () => { store: BackupStore; done(): void }> = {
  local: () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-lock-'));
    return { store: new LocalDirStore(dir), done: () => rmSync(dir, { recursive: true, force: true }) };
  },
  s3: () => ({ store: openBackupStore(`s3://tenantops/lock-${n++}`, '/', process.env), done: () => undefined }),
};

const foreign = (refreshedAgoMs: number): RunLockInfo => {
  const at = new Date(Date.now() - refreshedAgoMs).toISOString();
  return {
    format: 'tenantops-run-lock',
    command: 'backup --all-tenants',
    host: 'other-host',
    pid: 4242,
    startedAt: at,
    refreshedAt: at,
    token: 'feedfeedfeed',
  };
};

/**
 * The lock as the store holds it between two writes. s3rver writes an object in place, so a GET racing the
 * holder's refresh can fail, or return a body cut short (empty, half a JSON text): both are read again.
 */
async function readSettled(store: BackupStore): Promise<RunLockInfo> {
  for (let i = 0; ; i++)
    try {
      return JSON.parse(await getText(store, RUN_LOCK_NAME)) as RunLockInfo;
    } catch (e) {
      if (i === 9) throw e;
      await sleep(20);
    }
}

function isLocked(e: unknown): boolean {
  return isTenantopsError(e) && e.code === 'TENANTOPS_E_RUN_LOCKED';
}

for (const [kind, make] of Object.entries(stores)) {
  test(`a held lock refuses the next taker, naming its holder, until released [${kind}]`, async () => {
    const { store, done } = make();
    try {
      await store.prepare();
      const lock = await acquireRunLock(store, { command: 'backup --all-tenants' });
      await assert.rejects(acquireRunLock(store, { command: 'prune' }), (e: Error) => {
        assert.ok(isLocked(e));
        assert.match(
          e.message,
          new RegExp(
            `in use by backup --all-tenants on host ${hostname()}, pid ${process.pid}, started ${lock.info.startedAt}`,
          ),
        );
        return true;
      });
      await lock.release();
      assert.ok(!(await store.list()).some((o) => o.name === RUN_LOCK_NAME), 'released: removed');
      const again = await acquireRunLock(store, { command: 'prune' });
      await again.release();
    } finally {
      done();
    }
  });

  test(`another host's lock is taken over only once it is older than the stale age [${kind}]`, async () => {
    const { store, done } = make();
    try {
      await store.prepare();
      await putText(store, RUN_LOCK_NAME, JSON.stringify(foreign(RUN_LOCK_STALE_MS - 60_000)));
      await assert.rejects(acquireRunLock(store, { command: 'backup --all-tenants' }), (e: Error) => {
        assert.ok(isLocked(e));
        assert.match(e.message, /on host other-host, pid 4242/);
        return true;
      });
      await putText(store, RUN_LOCK_NAME, JSON.stringify(foreign(RUN_LOCK_STALE_MS + 60_000)));
      const takeovers: string[] = [];
      const lock = await acquireRunLock(store, {
        command: 'backup --all-tenants',
        onTakeover: (was, why) => takeovers.push(`${was.host} ${was.pid}: ${why}`),
      });
      assert.equal(takeovers.length, 1);
      assert.match(takeovers[0]!, /^other-host 4242: not refreshed for 6\d\d s \(stale after 600 s\)$/);
      assert.equal(JSON.parse(await getText(store, RUN_LOCK_NAME)).token, lock.info.token);
      await lock.release();
    } finally {
      done();
    }
  });

  test(`the holder refreshes its lock, and reports it lost when another took it [${kind}]`, async () => {
    const { store, done } = make();
    try {
      await store.prepare();
      const lost: (RunLockInfo | null)[] = [];
      const lock = await acquireRunLock(store, { command: 'backup --all-tenants', refreshMs: 50 });
      await sleep(300);
      // s3rver writes an object in place: a GET racing the 50 ms refresh's PUT can be cut off (real S3 swaps whole).
      const now = await readSettled(store);
      assert.equal(now.token, lock.info.token);
      assert.ok(Date.parse(now.refreshedAt) > Date.parse(lock.info.refreshedAt), 'refreshed');
      await lock.release();
      // Taken over right after it was taken, well before its first refresh (a refresh that read its own lock just
      // before a taker replaced it would write over the taker's: the window a holder frozen past the stale age has).
      const held = await acquireRunLock(store, {
        command: 'backup --all-tenants',
        refreshMs: 1000,
        onLost: (h) => lost.push(h),
      });
      await putText(store, RUN_LOCK_NAME, JSON.stringify(foreign(0)));
      for (let i = 0; i < 60 && !lost.length; i++) await sleep(50);
      assert.equal(lost.length, 1);
      assert.equal(lost[0]?.host, 'other-host');
      await held.release();
      assert.equal(JSON.parse(await getText(store, RUN_LOCK_NAME)).token, 'feedfeedfeed', "the other's lock stays");
    } finally {
      done();
    }
  });

  test(`of eight takers at once exactly one gets the lock [${kind}]`, async () => {
    const { store, done } = make();
    try {
      await store.prepare();
      const all = await Promise.allSettled(
        Array.from({ length: 8 }, () => acquireRunLock(store, { command: 'backup --all-tenants' })),
      );
      const won = all.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, 'one winner');
      assert.ok(all.every((r) => r.status === 'fulfilled' || isLocked(r.reason)));
      await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    } finally {
      done();
    }
  });
}

test('on a server that ignores If-None-Match, a held lock still refuses a later taker (it is read first)', async () => {
  const plain = await startS3Server(['tenantops'], { conditionalPuts: false });
  try {
    const store = openBackupStore('s3://tenantops/plain', '/', plain.env);
    await store.prepare();
    const lock = await acquireRunLock(store, { command: 'backup --all-tenants' });
    await assert.rejects(acquireRunLock(store, { command: 'prune' }), isLocked);
    assert.equal(JSON.parse(await getText(store, RUN_LOCK_NAME)).token, lock.info.token);
    await lock.release();
  } finally {
    await plain.stop();
  }
});

test('a run whose lock another run took over stops taking tenants and stops writing the index', async () => {
  const tmp = await createTempDatabase('pglite');
  const db = await connectDb(tmp.url, { values: 'text' });
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-lock-lost-'));
  try {
    await db.execute('CREATE TABLE orgs (id BIGINT PRIMARY KEY)');
    await db.execute('CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v TEXT)');
    for (let org = 1; org <= 8; org++) {
      await db.execute(`INSERT INTO orgs VALUES (${org})`);
      await db.execute(`INSERT INTO items VALUES (${org}, ${org}, 'v')`);
    }
    const store = new LocalDirStore(dir);
    await store.prepare();
    const lock = await acquireRunLock(store, { command: 'backup --all-tenants', refreshMs: 200 });
    // Another run "takes over" (as if this one had been frozen past the stale age) before the first refresh: one in
    // flight could write over it (the read-then-write window a frozen holder has).
    writeFileSync(join(dir, RUN_LOCK_NAME), JSON.stringify(foreign(0)));
    await assert.rejects(
      backupAllTenants(db, {
        config: validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } }),
        outDir: store,
        lock,
        resumeWithinHours: 0,
        // The tenants start only once a refresh has found the lock lost.
        onStart: async () => {
          for (let i = 0; i < 100 && !lock.lost; i++) await sleep(20);
        },
      }),
      (e: Error) => isLocked(e) && /stopped after \d+ tenants and left the index to it/.test(e.message),
    );
    assert.ok(lock.lost);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tnt')),
      [],
      'no tenant taken after the loss',
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('tenantops-run-')),
      [],
      'no index written once the lock was lost',
    );
    assert.equal(JSON.parse(await getText(store, RUN_LOCK_NAME)).token, 'feedfeedfeed', "the other's lock stays");
    await lock.release();
  } finally {
    await db.close();
    await tmp.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('release() never throws: a bucket gone away is reported through onReleaseFailed', async () => {
  const gone = await startS3Server(['tenantops']);
  const store = openBackupStore('s3://tenantops/gone', '/', gone.env);
  await store.prepare();
  const failures: unknown[] = [];
  const lock = await acquireRunLock(store, { command: 'prune', onReleaseFailed: (e) => failures.push(e) });
  await gone.stop();
  await lock.release();
  assert.equal(failures.length, 1);
});

test('backup --all-tenants into s3:// refuses while another run holds the prefix, and releases its own lock, also on SIGINT', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tenantops-lock-cli-'));
  const cli = cliAsyncIn(cwd);
  const env = { ...s3.env, TENANTOPS_DB_URL: 'pglite://./db' };
  try {
    assert.equal((await cli(['db', 'seed', '--tenants', '8', '--rows', '200'], env)).status, 0);
    const store = openBackupStore('s3://tenantops/cli-lock', '/', process.env);
    await putText(store, RUN_LOCK_NAME, JSON.stringify(foreign(1000)));
    const run = ['backup', '--all-tenants', '--out-dir', 's3://tenantops/cli-lock'];
    const refused = await cli(run, env);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /s3:\/\/tenantops\/cli-lock is in use by .* on host other-host, pid 4242.*\[TENANTOPS_E_RUN_LOCKED\]/,
    );
    assert.deepEqual(
      (await store.list()).map((o) => o.name),
      [RUN_LOCK_NAME],
      'nothing written',
    );
    await store.delete(RUN_LOCK_NAME);
    const ok = await cli(run, env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(!(await store.list()).some((o) => o.name === RUN_LOCK_NAME), 'released');

    // SIGINT: no exit handler can delete an object synchronously; the interrupt waits for the release.
    const child = spawn(process.execPath, [BIN, ...run.slice(0, -1), 's3://tenantops/cli-lock-int'], {
      cwd,
      env: { ...process.env, TENANTOPS_BACKUP_KEY: '', ...env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const intStore = openBackupStore('s3://tenantops/cli-lock-int', '/', process.env);
    const holds = async () => (await intStore.list()).some((o) => o.name === RUN_LOCK_NAME);
    for (let i = 0; i < 600 && !(await holds()); i++) await sleep(50);
    assert.ok(await holds(), 'the run took the lock');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.ok(!(await holds()), 'an interrupt releases the lock in the bucket');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
