// A tenant key of raw bytes (MariaDB BINARY(16) holding UUIDs, PostgreSQL bytea) names each tenant by a text that
// round-trips: the listing gives it, backup, --all-tenants and restore take it back, and it finds that tenant's
// rows and no other's. On MariaDB it is 0x and the bytes in hex (PostgreSQL writes bytea as \x and hex); until
// 2026-12-07 MariaDB ids were the bytes read as UTF-8, so random UUID bytes became U+FFFD: two tenants listed as one
// id, and every such tenant failed --all-tenants (TENANTOPS_E_TENANT_NOT_FOUND).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupTenant, tenantIds, tenantScope, validateConfig } from '../../src/backup/index.ts';
import { backupAllTenants } from '../../src/backup/fleet/backup-all-tenants.ts';
import type { TestEngine } from '../helpers/test-databases.ts';
import { roundTrip, run, withDatabase } from './exact-harness.ts';

const A = '9f00112233445566778899aabbccddee';
const B = '9f00112233445566778899aabbccddef';
const ASCII = '41424344454647484950515253545556'; // 'ABCDEFGHIPQRSTUV'

for (const engine of ['mysql', 'postgres', 'pglite'] as const satisfies TestEngine[]) {
  withDatabase(
    engine,
    `a binary tenant key: ids listed, backed up and restored by their hex [${engine}]`,
    async (db, dir) => {
      const my = engine === 'mysql';
      const bin = (hex: string) => (my ? `UNHEX('${hex}')` : `'\\x${hex}'::bytea`);
      const id = (hex: string) => (my ? `0x${hex}` : `\\x${hex}`);
      await run(db, [
        `CREATE TABLE orgs (id ${my ? 'BINARY(16)' : 'bytea'} PRIMARY KEY)`,
        `CREATE TABLE items (id BIGINT PRIMARY KEY, org_id ${my ? 'BINARY(16)' : 'bytea'} NOT NULL, v VARCHAR(10))`,
        `INSERT INTO orgs VALUES (${bin(A)}), (${bin(B)}), (${bin(ASCII)})`,
        `INSERT INTO items VALUES (1, ${bin(A)}, 'a1'), (2, ${bin(A)}, 'a2'), (3, ${bin(B)}, 'b'), (4, ${bin(ASCII)}, 'c')`,
      ]);
      const config = validateConfig({ tenant: { table: 'orgs', key: 'id', column: 'org_id' } });
      const scope = await tenantScope(db, db, config);
      assert.deepEqual(await tenantIds(db, scope), [id(ASCII), id(A), id(B)]);

      const all = await backupAllTenants(db, { outDir: join(dir, 'all'), config });
      assert.deepEqual(
        all.ran.map((t) => [t.tenant, t.result, t.rows]),
        [
          [id(ASCII), 'ok', 2],
          [id(A), 'ok', 3],
          [id(B), 'ok', 2],
        ],
      );
      const r = await roundTrip(db, dir, {
        tables: ['orgs', 'items'],
        tenant: id(A),
        config,
        changeOthers: [`UPDATE items SET v = 'b2' WHERE id = 3`],
        damage: [
          `UPDATE items SET v = 'x' WHERE id = 1`,
          'DELETE FROM items WHERE id = 2',
          `DELETE FROM orgs WHERE id = ${bin(A)}`,
        ],
      });
      assert.equal(r.tables.find((t) => t.table === 'items')!.archived, 2);
      if (my) {
        // The bytes as text still name a tenant whose key is text (archives taken before 2026-12-07).
        const b = await backupTenant(db, { tenantId: 'ABCDEFGHIPQRSTUV', config, out: join(dir, 'ascii.tnt') });
        assert.equal(b.manifest.tables.find((t) => t.name === 'items')!.rows, 1);
      }
    },
  );
}
