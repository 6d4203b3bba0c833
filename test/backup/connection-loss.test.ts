// A restore whose connection is lost: killed while it holds its transaction, the server rolls it back and the
// operator is told the connection went (not a bare driver message); lost while the server runs its COMMIT, the
// outcome is unknown, and the CLI says so with its own exit code and names the safety backup it kept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectDb } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { backupTenant, restoreTenant, tenantDigest, validateConfig } from '../../src/backup/index.ts';
import { cutAfterCommit } from '../helpers/cut-after-commit.ts';
import { withDatabase, run } from './exact-harness.ts';

const ORGS = { tenant: { table: 'orgs', key: 'id', column: 'org_id' } };
const BIN = new URL('../../bin/tenantops', import.meta.url).pathname;

const SCHEMA = [
  'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
  'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(20))',
  'INSERT INTO orgs VALUES (1), (2)',
  "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'u')",
];

// The sessions in a transaction on this database other than the caller's: the restore's, at its checkpoints.
const KILL_OTHERS = {
  mysql: {
    // INNODB_TRX lists the whole server's transactions: only this database's, not another suite's running beside.
    find: `SELECT t.trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX t
             JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
            WHERE p.DB = DATABASE() AND t.trx_mysql_thread_id <> CONNECTION_ID()`,
    kill: (id: unknown) => `KILL ${Number(id)}`,
  },
  postgres: {
    find: "SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
    kill: (id: unknown) => `SELECT pg_terminate_backend(${Number(id)})`,
  },
};

for (const engine of ['mysql', 'postgres'] as const) {
  withDatabase(
    engine,
    `a restore whose connection is killed before COMMIT rolls back and says the connection was lost [${engine}]`,
    async (db, dir, url) => {
      await run(db, SCHEMA);
      const config = validateConfig(ORGS);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config, out });
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1", "UPDATE items SET v = 'U' WHERE id = 3"]);
      const [t1, t2] = [await tenantDigest(db, config, '1'), await tenantDigest(db, config, '2')];
      const admin = await connectDb(url);
      try {
        for (const at of ['after-safety-backup', 'before-commit']) {
          let killed = 0;
          const err = await restoreTenant(db, {
            archive: out,
            safetyDir: join(dir, 'safety'),
            checkpoint: async (name) => {
              if (name !== at) return;
              for (const r of await admin.query(KILL_OTHERS[engine].find)) {
                await admin.query(KILL_OTHERS[engine].kill(r.id));
                killed++;
              }
              // The driver learns of the closed socket before the restore's next statement.
              await new Promise((r) => setTimeout(r, 300));
            },
          }).then(
            () => null,
            (e: unknown) => e,
          );
          assert.equal(killed, 1, `${at}: the restore's session was found and killed`);
          assert.ok(err instanceof TenantopsError, `${at}: ${String(err)}`);
          assert.equal(err.code, 'TENANTOPS_E_DB_QUERY', `${at}: ${err.message}`);
          assert.match(err.message, /the connection to the server was lost .*rolls back/, at);
          assert.deepEqual(await tenantDigest(db, config, '1'), t1, `${at}: tenant 1 as it was`);
          assert.deepEqual(await tenantDigest(db, config, '2'), t2, `${at}: tenant 2 untouched`);
          // Rolled back before COMMIT reached the server: a safety backup of unchanged rows would only mislead.
          assert.deepEqual(safetyFiles(dir), [], `${at}: no safety backup left`);
        }
        // The pool replaced the dead connection: the same restore now succeeds.
        const r = await restoreTenant(db, { archive: out, safetyDir: join(dir, 'safety') });
        assert.equal(r.written, 1);
      } finally {
        await admin.close();
      }
    },
  );
}

for (const engine of ['mysql', 'postgres'] as const) {
  withDatabase(
    engine,
    `a restore whose connection is lost while the server runs COMMIT exits 6, says the outcome is unknown and names its safety backup [${engine}]`,
    async (db, dir, url) => {
      await run(db, SCHEMA);
      const config = validateConfig(ORGS);
      const out = join(dir, 't1.tnt');
      await backupTenant(db, { tenantId: '1', config, out });
      await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
      // The CLI reaches the same database through a proxy that passes its COMMIT on and then cuts the connection
      // before the server's reply: COMMIT was sent, and the CLI cannot know what became of it.
      const target = new URL(url);
      const proxy = await cutAfterCommit(engine, Number(target.port));
      const viaProxy = Object.assign(new URL(url), { port: String(proxy.port) }).href;
      try {
        const child = spawn(
          process.execPath,
          [BIN, 'restore', '--in', out, '--yes', '--safety-dir', join(dir, 'safety')],
          {
            cwd: dir,
            env: { ...process.env, TENANTOPS_DB_URL: viaProxy, TENANTOPS_BACKUP_KEY: '' },
          },
        );
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const status = await new Promise<number | null>((r) => child.on('close', r));
        const cut = await Promise.race([proxy.cut, false]);
        assert.ok(cut, `the proxy passed COMMIT on and cut the connection; stderr: ${stderr}`);
        assert.equal(status, 6, stderr);
        assert.match(
          stderr,
          /lost while the server ran COMMIT: the transaction may have been committed or rolled back/,
        );
        assert.match(stderr, /TENANTOPS_E_COMMIT_UNKNOWN/);
        assert.doesNotMatch(
          stderr,
          /rolls back a transaction that was open/,
          'no advice that holds only before COMMIT',
        );
        const safety = /safety backup of the rows before this restore \(kept\): (\S+)/.exec(stderr)?.[1];
        assert.ok(safety && safety.startsWith(join(dir, 'safety')), stderr);
        assert.ok(existsSync(safety), 'the safety backup is kept: the restore may have been committed');
      } finally {
        await proxy.close();
      }
    },
  );
}

function safetyFiles(dir: string): string[] {
  return existsSync(join(dir, 'safety')) ? readdirSync(join(dir, 'safety')) : [];
}
