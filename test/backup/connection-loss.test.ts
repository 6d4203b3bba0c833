// A restore whose connection is lost: killed while it holds its transaction, the server rolls it back and the
// operator is told the connection went (not a bare driver message); lost while the server runs its COMMIT, the
// outcome is unknown, and the CLI says so with its own exit code and names the safety backup it kept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { backupTenant, restoreTenant, tenantDigest, validateConfig } from '../../src/backup/index.ts';
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
    find: 'SELECT trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID()',
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

withDatabase(
  'postgres',
  'a restore whose connection is lost while the server runs COMMIT exits 6, says the outcome is unknown and names its safety backup [postgres]',
  async (db, dir, url) => {
    await run(db, [
      ...SCHEMA,
      // A deferred constraint trigger runs inside COMMIT: two seconds in which the connection can be cut.
      'CREATE FUNCTION slow_commit() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$ LANGUAGE plpgsql',
      'CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON items DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()',
    ]);
    // The trigger changes no row, so letting it fire is safe; a superuser's restore would otherwise skip it.
    const configFile = join(dir, 'tenantops.config.json');
    writeFileSync(configFile, JSON.stringify({ ...ORGS, triggers: 'fire' }));
    const config = validateConfig({ ...ORGS, triggers: 'fire' });
    const out = join(dir, 't1.tnt');
    await backupTenant(db, { tenantId: '1', config, out });
    await run(db, ["UPDATE items SET v = 'damaged' WHERE id = 1"]);
    const admin = await connectDb(url);
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'restore', '--in', out, '--config', configFile, '--yes', '--safety-dir', join(dir, 'safety')],
        { cwd: dir, env: { ...process.env, TENANTOPS_DB_URL: url, TENANTOPS_BACKUP_KEY: '' } },
      );
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((r) => child.on('close', r));
      const killed = await killWhenCommitting(admin, 20_000);
      const status = await exited;
      assert.ok(killed, `COMMIT was seen running and its backend ended; stderr: ${stderr}`);
      assert.equal(status, 6, stderr);
      assert.match(stderr, /lost while the server ran COMMIT: the transaction may have been committed or rolled back/);
      assert.match(stderr, /TENANTOPS_E_COMMIT_UNKNOWN/);
      assert.doesNotMatch(stderr, /rolls back a transaction that was open/, 'no advice that holds only before COMMIT');
      const safety = /safety backup of the rows before this restore \(kept\): (\S+)/.exec(stderr)?.[1];
      assert.ok(safety && safety.startsWith(join(dir, 'safety')), stderr);
      assert.ok(existsSync(safety), 'the safety backup is kept: the restore may have been committed');
    } finally {
      await admin.close();
    }
  },
);

function safetyFiles(dir: string): string[] {
  return existsSync(join(dir, 'safety')) ? readdirSync(join(dir, 'safety')) : [];
}

async function killWhenCommitting(admin: Db, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const rows = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query = 'COMMIT'",
    );
    if (rows.length) {
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
