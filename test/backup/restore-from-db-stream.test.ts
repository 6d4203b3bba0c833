// [fleet] restore --from-db streams: the source's rows go straight into the restore plan, with no archive file in
// between (the only archive written is the safety backup), and every guarantee of a restore holds: collisions
// refused, a safety backup that undoes it, other tenants untouched, and a verification failure rolls it all back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb, type Db } from '../../src/db/index.ts';
import { restoreTenant, restoreTenantFromDb, validateConfig } from '../../src/backup/index.ts';
import { ArchiveWriter } from '../../src/backup/archive/archive-writer.ts';
import { TenantopsError } from '../../src/errors/index.ts';
import { createTempDatabase, ENGINES, skipReason, type TestEngine } from '../helpers/test-databases.ts';
import { exactDigest, run } from './exact-harness.ts';

const CONFIG = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
const code = (c: string) => (e: unknown) => e instanceof TenantopsError && e.code === c;

// `notes` has no key: its rows are verified by re-reading the whole table, and a mismatch is explained by reading
// the source again.
const SCHEMA = [
  'CREATE TABLE orgs (id BIGINT PRIMARY KEY)',
  'CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, v VARCHAR(40))',
  'CREATE TABLE notes (org_id BIGINT NOT NULL, v VARCHAR(40))',
  'INSERT INTO orgs VALUES (1), (2)',
];
const TABLES = ['orgs', 'items', 'notes'];

const items = async (db: Db, org: number) =>
  (await db.query(`SELECT id, v FROM items WHERE org_id = ${org} ORDER BY id`)).map((r) => `${r.id}:${r.v}`);

/** The same 300 items and these notes of tenant 1 (and one item of tenant 2) on both sides, then `onTarget`. */
async function sameOnBoth(source: Db, target: Db, notes: string, onTarget: string[] = []): Promise<void> {
  const rows = Array.from({ length: 300 }, (_, i) => `(${i + 1}, 1, 'v ${i + 1}')`).join(', ');
  const same = [`INSERT INTO items VALUES ${rows}, (1000, 2, 'other')`, `INSERT INTO notes VALUES ${notes}`];
  await run(source, same);
  await run(target, [...same, ...onTarget]);
}

/** restore --from-db of tenant 1, with the number of source rows it read. */
async function copyCounted(source: Db, target: Db, dir: string) {
  let read = 0;
  const r = await restoreTenantFromDb(target, source, {
    tenantId: '1',
    config: CONFIG,
    safetyDir: join(dir, 'safety'),
    onSourceRows: (n) => (read = n),
  });
  return { r, read };
}

/** Files (recursively) under a directory. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** Runs `fn` with TMPDIR pointing at a fresh empty directory and every archive the process opens counted. */
async function watched<T>(
  dir: string,
  fn: (tmp: string) => Promise<T>,
): Promise<{ value: T; archives: string[]; tmp: string }> {
  const tmp = mkdtempSync(join(dir, 'tmp-'));
  const saved = process.env.TMPDIR;
  const create = ArchiveWriter.create.bind(ArchiveWriter);
  const archives: string[] = [];
  ArchiveWriter.create = (target, passphrase) => {
    archives.push(typeof target === 'string' ? target : target.name);
    return create(target, passphrase);
  };
  process.env.TMPDIR = tmp;
  try {
    return { value: await fn(tmp), archives, tmp };
  } finally {
    ArchiveWriter.create = create;
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

async function open(engine: TestEngine) {
  const tmp = await createTempDatabase(engine);
  const db = await connectDb(tmp.url, { values: 'text' });
  await run(db, SCHEMA);
  return { db, close: async () => (await db.close(), await tmp.drop()) };
}

function withTwo(engine: TestEngine, title: string, fn: (source: Db, target: Db, dir: string) => Promise<void>) {
  test(`${title} [${engine}]`, async (t) => {
    const why = await skipReason(engine);
    if (why) return t.skip(why);
    const a = await open(engine);
    const b = await open(engine);
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-fromdb-stream-'));
    try {
      await fn(a.db, b.db, dir);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const engine of ENGINES) {
  withTwo(
    engine,
    'streams the source into the plan: no archive file but the safety backup, nothing in TMPDIR',
    async (source, target, dir) => {
      const rows = Array.from({ length: 300 }, (_, i) => `(${i + 1}, 1, 'src ${i + 1}')`).join(', ');
      await run(source, [
        `INSERT INTO items VALUES ${rows}, (1000, 2, 'src-other')`,
        "INSERT INTO notes VALUES (1, 'n')",
      ]);
      await run(target, ["INSERT INTO items VALUES (1, 1, 'changed'), (5000, 1, 'new'), (2000, 2, 'keep')"]);
      const other = await exactDigest(target, ['items']);
      const safetyDir = join(dir, 'safety');
      let duringPlan: string[] = [];
      const {
        value: r,
        archives,
        tmp,
      } = await watched(dir, (tmp) =>
        restoreTenantFromDb(target, source, {
          tenantId: '1',
          config: CONFIG,
          safetyDir,
          // Called with the plan made and every source row read, before anything is written.
          confirm: async () => {
            duringPlan = files(tmp);
          },
        }),
      );
      assert.deepEqual(duringPlan, [], 'nothing was written to TMPDIR while the source streamed');
      assert.deepEqual(files(tmp), []);
      assert.deepEqual(archives, [r.safetyBackup], 'the only archive written is the safety backup');
      assert.deepEqual(readdirSync(safetyDir), [r.safetyBackup!.split('/').pop()]);
      assert.equal(r.written, 300 + 1 + 1); // 299 inserts, 1 update, 1 delete; 1 note inserted
      const want = Array.from({ length: 300 }, (_, i) => `${i + 1}:src ${i + 1}`);
      assert.deepEqual(await items(target, 1), want);
      assert.deepEqual(await items(target, 2), ['2000:keep'], "another tenant's rows are neither copied nor touched");
      assert.notDeepEqual(await exactDigest(target, ['items']), other);
      // The safety backup undoes it.
      await restoreTenant(target, { archive: r.safetyBackup!, safetyDir: join(dir, 'safety2') });
      assert.deepEqual(await items(target, 1), ['1:changed', '5000:new']);
      assert.deepEqual(await exactDigest(target, ['items']), other);
    },
  );

  withTwo(
    engine,
    'an unchanged tenant is settled by server digests: no source row read, nothing written',
    async (source, target, dir) => {
      await sameOnBoth(source, target, "(1, 'n'), (1, 'n')");
      const before = await exactDigest(target, TABLES);
      const { r, read } = await copyCounted(source, target, dir);
      assert.equal(read, 0, 'no source row was read');
      assert.equal(r.written, 0);
      assert.deepEqual(
        r.tables.map((t) => [t.table, t.comparedBy, t.current, t.unchanged]),
        [
          ['orgs', 'server-digest', 1, 1],
          ['items', 'server-digest', 300, 300],
          ['notes', 'server-digest', 2, 2],
        ],
      );
      assert.deepEqual(await exactDigest(target, TABLES), before);
      // Its safety backup records the skipped tables by their digests only: a server whose digests may differ (here
      // the same one claiming another version) cannot check them, and refuses it before any write.
      const elsewhere = Object.create(target, { serverVersion: { value: `${target.serverVersion}-other` } }) as Db;
      const refused = await restoreTenant(elsewhere, {
        archive: r.safetyBackup!,
        safetyDir: join(dir, 'safety3'),
      }).catch((x: unknown) => x);
      assert.ok(code('TENANTOPS_E_SCHEMA_MISMATCH')(refused), String(refused));
      assert.match((refused as Error).message, /by the server digest of .* only/);
      assert.deepEqual(await exactDigest(target, TABLES), before);
      // Where digests compare, restoring it checks those tables by them.
      const undo = await restoreTenant(target, { archive: r.safetyBackup!, safetyDir: join(dir, 'safety2') });
      assert.equal(undo.written, 0);
      assert.deepEqual(await exactDigest(target, TABLES), before);
    },
  );

  withTwo(
    engine,
    'only the table that differs is read from the source and repaired; the others are skipped by digest',
    async (source, target, dir) => {
      await sameOnBoth(source, target, "(1, 'n')", [
        "UPDATE items SET v = 'broken' WHERE id = 7",
        "INSERT INTO notes VALUES (2, 'k')",
      ]);
      const want = await items(source, 1);
      const other = await exactDigest(target, ['notes']);
      const { r, read } = await copyCounted(source, target, dir);
      assert.equal(read, 300, "only items' rows were read from the source");
      assert.equal(r.written, 1);
      assert.deepEqual(
        r.tables.map((t) => [t.table, t.comparedBy, t.update, t.unchanged]),
        [
          ['orgs', 'server-digest', 0, 1],
          ['items', 'rows', 1, 299],
          ['notes', 'server-digest', 0, 1],
        ],
      );
      assert.deepEqual(await items(target, 1), want);
      assert.deepEqual(await exactDigest(target, ['notes']), other, "tenant 2's note is not tenant 1's to touch");
      // Undone by its safety backup: the row back, and the skipped tables (no checksum) checked by digest.
      await restoreTenant(target, { archive: r.safetyBackup!, safetyDir: join(dir, 'safety2') });
      assert.equal((await items(target, 1))[6], '7:broken');
    },
  );

  withTwo(
    engine,
    "refuses a copy that collides with another tenant's row, writing nothing",
    async (source, target, dir) => {
      await run(source, ["INSERT INTO items VALUES (1, 1, 'a'), (7, 1, 'mine in the source')"]);
      await run(target, ["INSERT INTO items VALUES (7, 2, 'tenant 2 owns 7 here')"]);
      const before = await exactDigest(target, TABLES);
      const safetyDir = join(dir, 'safety');
      const { value: e, archives } = await watched(dir, () =>
        restoreTenantFromDb(target, source, { tenantId: '1', config: CONFIG, safetyDir }).catch((x: unknown) => x),
      );
      assert.ok(code('TENANTOPS_E_KEY_COLLISION')(e), String(e));
      assert.deepEqual(await exactDigest(target, TABLES), before);
      assert.deepEqual(archives, [], 'refused before the safety backup');
    },
  );

  withTwo(
    engine,
    'a restored row that differs from the source fails verification and rolls everything back',
    async (source, target, dir) => {
      await run(source, ["INSERT INTO items VALUES (1, 1, 'a')", "INSERT INTO notes VALUES (1, 'lower'), (1, 'x')"]);
      await run(target, ["INSERT INTO items VALUES (2, 1, 'b'), (3, 2, 'other')", "INSERT INTO notes VALUES (2, 'k')"]);
      // Something in the target rewrites what the restore inserts (the config lets triggers fire).
      await run(
        target,
        engine === 'mysql'
          ? ['CREATE TRIGGER notes_up BEFORE INSERT ON notes FOR EACH ROW SET NEW.v = UPPER(NEW.v)']
          : [
              'CREATE FUNCTION notes_up() RETURNS trigger AS $$ BEGIN NEW.v := upper(NEW.v); RETURN NEW; END $$ LANGUAGE plpgsql',
              'CREATE TRIGGER notes_up BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION notes_up()',
            ],
      );
      const before = await exactDigest(target, TABLES);
      const safetyDir = join(dir, 'safety');
      const e = await restoreTenantFromDb(target, source, {
        tenantId: '1',
        config: validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' }, triggers: 'fire' }),
        safetyDir,
      }).catch((x: unknown) => x);
      assert.ok(code('TENANTOPS_E_VERIFY_FAILED')(e), String(e));
      // Explained from the source read again: the row and the column that differ.
      assert.match((e as Error).message, /notes/);
      assert.match((e as Error).message, /column v is "LOWER" after restore, "lower"/);
      assert.deepEqual(await exactDigest(target, TABLES), before, 'rolled back');
    },
  );
}
