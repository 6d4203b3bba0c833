import type { DbSession, Queryable } from '../../../db/index.ts';
import type { BackupDialect, CollisionProbe } from '../backup-dialect.ts';
import type { DigestKind } from '../../digest-kind.ts';
import { bindValue, type CanonicalValue } from '../../archive/canonical-row.ts';
import {
  columnOf,
  emptyTable,
  isPartitionOf,
  type ColumnInfo,
  type SchemaInfo,
  type TableInfo,
  type UniqueIndexInfo,
} from '../../schema-info.ts';

import { postgresDialect } from '../../../db/postgres/postgres-dialect.ts';
import { TenantopsError } from '../../../errors/index.ts';

// Quoting, placeholders and sequences are the engine's one SQL dialect's; this file adds what backup needs.
const q = postgresDialect.quoteIdent;

/**
 * A key column as it is compared with bound values. PostgreSQL finds no `=` for a domain over an enum (the enum's
 * operators are polymorphic, and a domain does not match them: "operator does not exist: d = d"), so such a column
 * is compared as its enum; an index on it still serves (the cast only relabels).
 */
function keyColumn(c: ColumnInfo): string {
  return c.enumBase ? `${q(c.name)}::${c.enumBase}` : q(c.name);
}

/** A row's text over these columns, what every row hash of this engine is taken of. */
const rowText = (columns: readonly string[]) => `ROW(${columns.map(q).join(', ')})::text`;
const truthy = (v: unknown) => v === true || v === 't' || v === 'true';
const FK_ACTION: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** `nextval('s'::regclass)` → the sequence as the default names it (already quoted where it needs to be). */
function sequenceOf(def: string | null): string | null {
  const m = def ? /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(def) : null;
  return m ? m[1]!.split("''").join("'") : null;
}

/** PostgreSQL and PGlite. Only the current schema (the URL's ?schema=) is read. */
export const postgresBackupDialect: BackupDialect = {
  quote: q,
  param: postgresDialect.param,
  // An inheritance child or partition is a table of its own: never read its rows through the parent.
  from: (t) => `ONLY ${q(t)}`,
  fromOther: (schema, t) => `ONLY ${q(schema)}.${q(t)}`,
  // With stale statistics (a freshly loaded table: never analysed), the planner turns `entity_id IN (SELECT id
  // FROM parent WHERE tenant_id = $1)` into a hash join over a scan of the whole child table, for every tenant: 14 ms
  // against 0.2 ms for a tenant's 24 rows of a 31,000-row field table (docs/performance.md). A LATERAL subquery
  // kept apart by OFFSET 0 cannot be pulled up into such a join: the rows are looked up key by key, through the
  // index. Without an index to look them up by, that would be a scan per key, so the predicate stays.
  parentFirst(keys: string, alias: string, info: TableInfo, columns: readonly string[], on: string): string | null {
    if (!info.indexes.some((ix) => columns.includes(ix[0]!))) return null;
    return `${keys} AS ${q(alias)} CROSS JOIN LATERAL (SELECT * FROM ONLY ${q(info.name)} WHERE ${on} OFFSET 0) AS ${q(info.name)}`;
  },
  async introspect(db: Queryable): Promise<SchemaInfo> {
    const out: SchemaInfo = new Map();
    // relkind 'r' only: a partitioned parent ('p') holds no rows of its own; its partitions are listed as tables.
    const tables = await db.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname`,
    );
    for (const { t } of tables) out.set(t, emptyTable(t));
    // Every partitioned table above a partition, nearest first: with sub-partitions an FK names the root (or a
    // level between), never the leaf that holds the rows.
    const parts = await db.query<{ t: string; p: string }>(
      `WITH RECURSIVE up(leaf, parent, depth) AS (
         SELECT i.inhrelid, i.inhparent, 1 FROM pg_inherits i
         UNION ALL
         SELECT up.leaf, i.inhparent, up.depth + 1 FROM up JOIN pg_inherits i ON i.inhrelid = up.parent
       )
       SELECT c.relname AS t, pc.relname AS p FROM up JOIN pg_class c ON c.oid = up.leaf
         JOIN pg_class pc ON pc.oid = up.parent JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND pc.relkind = 'p' ORDER BY c.relname, up.depth`,
    );
    for (const r of parts) {
      const t = out.get(r.t);
      if (t) (t.partitionOf ??= []).push(r.p);
    }
    const cols = await db.query<{
      t: string;
      c: string;
      ty: string;
      nn: string | boolean;
      hd: string | boolean;
      g: string;
      id: string;
      d: string | null;
      cat: string;
      tn: string;
      co: string | null;
      det: string | boolean | null;
      eb: string | null;
    }>(
      `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS nn,
              a.atthasdef AS hd, a.attgenerated AS g, a.attidentity AS id, pg_get_expr(d.adbin, d.adrelid) AS d,
              ty.typcategory AS cat, co.collname AS co, co.collisdeterministic AS det, b.tn, b.eb
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type ty ON ty.oid = a.atttypid
         -- The base type under any domains (tn: a domain over citext compares as citext does) and, for a domain
         -- over an enum, the enum as a cast names it (eb): one walk down the domain chain gives both.
         CROSS JOIN LATERAL (
           WITH RECURSIVE dom(t, k) AS (
             SELECT a.atttypid, 0
             UNION ALL
             SELECT pt.typbasetype, dom.k + 1 FROM pg_type pt JOIN dom ON pt.oid = dom.t WHERE pt.typtype = 'd'
           ) SELECT pt.typname AS tn,
                    CASE WHEN dom.k > 0 AND pt.typtype = 'e' THEN format_type(pt.oid, NULL) END AS eb
               FROM dom JOIN pg_type pt ON pt.oid = dom.t ORDER BY dom.k DESC LIMIT 1) b
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`,
    );
    for (const c of cols) {
      const t = out.get(c.t);
      if (!t) continue;
      const identity = c.id === 'a' || c.id === 'd';
      const seq = sequenceOf(c.d);
      t.columns.push({
        name: c.c,
        type: c.ty,
        nullable: !truthy(c.nn),
        hasDefault: truthy(c.hd) || identity,
        generated: (c.g ?? '') !== '',
        ...((c.g ?? '') !== '' && c.d ? { generationExpr: c.d } : {}),
        identityAlways: c.id === 'a',
        sequence: seq,
        // money is category N but prints with a currency symbol, and the oid aliases (regclass, regtype, …) print
        // as names while the server sorts them by number: compare them as text, as they sort by text (until
        // 2026-12-08 a regclass key's unchanged rows were taken for deletes plus inserts).
        numeric: c.cat === 'N' && c.tn !== 'money' && !/^reg/.test(c.tn),
        collation: c.co ?? null,
        // citext folds case (also under a domain: until 2026-12-07 a tenant column of a domain over citext took
        // tenant 'ABC''s rows into 'abc''s backup, and its restore rewrote them); a nondeterministic (ICU)
        // collation can make different strings equal.
        exactEquality: c.tn !== 'citext' && (c.det === null || truthy(c.det)),
        // A domain's category is its base type's.
        composite: c.cat === 'C',
        ...(c.eb ? { enumBase: c.eb } : {}),
      });
      if (identity || seq) t.autoIncrement = c.c;
    }
    const idx = await db.query<{
      t: string;
      p: string | boolean;
      u: string | boolean;
      n: string;
      cols: string | null;
      parts: string;
      pred: string | null;
      plain: string | boolean;
      imm: string | boolean;
      nnd: string | null;
      xops: string | null;
    }>(
      `SELECT c.relname AS t, i.indisprimary AS p, i.indisunique AS u, ic.relname AS n, i.indimmediate AS imm,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE k.ord <= i.indnkeyatts) AS cols,
              (SELECT json_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
                 FROM generate_series(1, i.indnkeyatts) k)::text AS parts,
              pg_get_expr(i.indpred, i.indrelid, true) AS pred,
              (i.indexprs IS NULL) AS plain,
              -- PostgreSQL 15's NULLS NOT DISTINCT, read through to_jsonb: an older server has no such column.
              to_jsonb(i) ->> 'indnullsnotdistinct' AS nnd,
              (SELECT json_agg(format('OPERATOR(%I.%s)', ons.nspname, o.oprname) ORDER BY k.ord)
                 FROM pg_constraint x CROSS JOIN unnest(x.conexclop) WITH ORDINALITY k(op, ord)
                 JOIN pg_operator o ON o.oid = k.op JOIN pg_namespace ons ON ons.oid = o.oprnamespace
                WHERE x.conindid = i.indexrelid AND x.contype = 'x')::text AS xops
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname, ic.relname`,
    );
    for (const r of idx) {
      const t = out.get(r.t);
      if (!t) continue;
      const plain = truthy(r.plain);
      const list = r.cols ? String(r.cols).split(',') : [];
      if (list.length) t.indexes.push(list);
      // An exclusion constraint refuses a row for another row's values, as a unique key does (with its own
      // operators): probed before writing the same way, also DEFERRABLE.
      const operators = r.xops ? (JSON.parse(r.xops) as string[]) : undefined;
      if ((truthy(r.p) || truthy(r.u) || operators) && !truthy(r.imm)) t.deferrableUnique = true;
      if (truthy(r.p)) t.primaryKey = list;
      else if (truthy(r.u) || operators) {
        const nullsEqual = truthy(r.nnd);
        if (plain && !r.pred && !operators) t.uniqueKeys.push(list);
        t.uniqueIndexes.push({
          name: r.n,
          parts: JSON.parse(r.parts) as string[],
          columns: plain ? list : null,
          predicate: r.pred,
          ...(nullsEqual ? { nullsEqual } : {}),
          ...(operators ? { operators } : {}),
        });
      }
    }
    // Every foreign key into this schema: from its own tables, and from other schemas' (external referrers: their
    // rows are nobody's tenant rows, and a restore that removes a row they point at would cascade into them or fail;
    // restore-checks.ts checkReferencedRows refuses first). An FK to a partitioned table is one constraint on the
    // parent (whose rows are its partitions' rows) plus a clone per partition; the clones are left out, so the
    // reference is checked once, through the parent. From another schema only plain tables count ('r': a
    // partitioned referencing table holds no rows; each partition has its own clone of the FK).
    const fks = await db.query<{
      s: string;
      local: string | boolean;
      t: string;
      n: string;
      rt: string;
      cols: string;
      rcols: string;
      def: string | boolean;
      dt: string;
      ut: string;
    }>(
      `SELECT n.nspname AS s, n.nspname = current_schema() AS local, c.relname AS t, con.conname AS n,
              rc.relname AS rt, con.condeferrable AS def, con.confdeltype AS dt, con.confupdtype AS ut,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS rcols
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.contype = 'f' AND rn.nspname = current_schema()
          AND (n.nspname = current_schema() OR c.relkind = 'r')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.oid = con.conparentid AND p.conrelid = con.conrelid)
        ORDER BY n.nspname, c.relname, con.conname`,
    );
    for (const f of fks) {
      const fk = {
        columns: String(f.cols).split(','),
        refColumns: String(f.rcols).split(','),
        deferrable: truthy(f.def),
        onDelete: FK_ACTION[f.dt] ?? 'NO ACTION',
        onUpdate: FK_ACTION[f.ut] ?? 'NO ACTION',
      };
      if (truthy(f.local)) {
        out.get(f.t)?.foreignKeys.push({ ...fk, refTable: f.rt });
        continue;
      }
      const ref = { ...fk, name: f.n, schema: f.s, table: f.t };
      // An FK into a partitioned table is one constraint on the parent: each partition holds referenced rows.
      for (const t of out.values())
        if (t.name === f.rt || isPartitionOf(t, f.rt)) (t.externalReferrers ??= []).push(ref);
    }
    const trg = await db.query<{ t: string; n: string; e: string }>(
      `SELECT c.relname AS t, tg.tgname AS n, tg.tgenabled AS e
         FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND NOT tg.tgisinternal AND tg.tgenabled <> 'D' ORDER BY tg.tgname`,
    );
    // 'always': fires in the replica mode skipTriggers sets: ENABLE ALWAYS, and ENABLE REPLICA, which fires only there.
    const firesInReplica = (e: string) => e === 'A' || e === 'R';
    for (const r of trg)
      out.get(r.t)?.triggers.push({ table: r.t, name: r.n, timing: '', always: firesInReplica(r.e) });
    // Rewrite rules on INSERT (ev_type '3'), UPDATE ('2') and DELETE ('4') run with the restore's statements as
    // triggers do (a DO ALSO can write any table, another tenant's rows included), and session_replication_role
    // governs them as it does triggers: so they are triggers to checkTriggers, refused, skipped or let fire.
    const rules = await db.query<{ t: string; n: string; ty: string; e: string }>(
      `SELECT c.relname AS t, r.rulename AS n, r.ev_type AS ty, r.ev_enabled AS e
         FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND r.ev_type IN ('2', '3', '4') AND r.ev_enabled <> 'D'
        ORDER BY r.rulename`,
    );
    const EVENT: Record<string, string> = { '2': 'UPDATE', '3': 'INSERT', '4': 'DELETE' };
    for (const r of rules) {
      const t = out.get(r.t);
      if (!t) continue;
      if (r.ty === '3') (t.insertRules ??= []).push(r.n);
      t.triggers.push({ table: r.t, name: `${r.n} (rule)`, timing: `ON ${EVENT[r.ty]}`, always: firesInReplica(r.e) });
    }
    return out;
  },
  readExpr: (c: ColumnInfo) => q(c.name),
  orderExpr(c: ColumnInfo, row: boolean): string {
    // A whole row's numbers that are equal but written differently ('1.0' and '1', float '-0' and '0') sort by
    // their text next, as compareRows breaks their tie: left to the next column, a table without a key whose
    // changed rows held such numbers had unchanged rows taken for deletes plus inserts.
    if (c.numeric) return row ? `${q(c.name)}, ${q(c.name)}::text COLLATE "C"` : q(c.name);
    // Collatable text sorts by its bytes; types whose order is their text's order keep theirs (an index serves
    // it; dates and timestamps as compareRows orders them); every other type (enums, intervals, json, point…)
    // sorts by its text, as compareRows does. Not natively, until 2026-12-08 (a key's unchanged rows were taken for
    // deletes plus inserts, and a restore was refused when another tenant referenced one): citext, which compares
    // in lower case even under COLLATE "C" ('a' before 'B'); arrays, compared element by element ('{a}' before
    // '{a,b}'); char(n), compared without its padding ('a' before 'a' and a tab); ranges ('empty' first).
    const array = c.type.endsWith('[]');
    if (!row && c.collation && c.exactEquality !== false && !array && !/^character(\(|$)/.test(c.type))
      return `${q(c.name)} COLLATE "C"`;
    if (!row && !array && /^(uuid|date|timestamp|boolean|bytea)\b/.test(c.type)) return q(c.name);
    // char(n) as it is written, padded: its cast to text drops the padding.
    if (/^character(\(|$)/.test(c.type)) return `concat(${q(c.name)}) COLLATE "C"`;
    return `${q(c.name)}::text COLLATE "C"`;
  },
  // A text id goes in as text ('abc' would not even bind as an integer); only its canonical integer form is a
  // number, which the index still finds.
  equalsExactly: (qualified: string, c: ColumnInfo, ph: string, textId = false) =>
    textId && /^(smallint|integer|bigint)$/.test(c.type)
      ? `${qualified} = CASE WHEN (${ph})::text ~ '^(0|-?[1-9][0-9]{0,18})$' THEN (${ph})::text::bigint END`
      : c.exactEquality === false
        ? `(${qualified} = ${ph} AND ${qualified}::text COLLATE "C" = (${ph})::text)`
        : `${qualified} = ${ph}`,
  // `key IN ($1)` types $1 as the column's type, except for a composite key, where `record = record` makes it an
  // anonymous record the server cannot read: until 2026-12-08 every restore that updated or deleted a row of a
  // table keyed by a composite type failed ("input of anonymous composite types is not implemented", rolled back).
  // The oid aliases (regclass, regtype, …) compare with oid's `=`, which takes $1 as an oid: a name ('orders') then
  // fails to parse ("invalid input syntax for type oid"), as every update or delete by such a key did.
  keyValue: (c: ColumnInfo, placeholder: string) =>
    c.composite || /^reg[a-z]+$/.test(c.type) ? `CAST(${placeholder} AS ${c.type})` : placeholder,
  // A VALUES list is a relation the planner joins through the key's index; each value typed as its column.
  // format_type's text, which names the type as a cast takes it (typmod, schema where it is not on the path). The
  // value is parsed by the type's input function, as a parameter assigned to the column is.
  setValue: (c: ColumnInfo, placeholder: string) => `CAST(${placeholder} AS ${c.type})`,
  keyColumn,
  tupleIn: (columns: readonly ColumnInfo[], tuples: readonly (readonly string[])[]) =>
    `(${columns.map(keyColumn).join(', ')}) IN (SELECT * FROM (VALUES ${tuples
      .map((t) => `(${t.map((p, i) => `${p}::${columns[i]!.enumBase ?? columns[i]!.type}`).join(', ')})`)
      .join(', ')}) AS tenantops_keys)`,
  // Text is what travels, so text is what is compared: exact for every type, json and point included.
  matchExactly: (c: ColumnInfo, ph: string) => `${q(c.name)}::text IS NOT DISTINCT FROM (${ph})::text`,
  collisionProbe(
    info: TableInfo,
    ix: UniqueIndexInfo,
    columns: readonly string[],
    rows: readonly (readonly CanonicalValue[])[],
    first: number,
  ): CollisionProbe | null {
    // A generated column the archive lacks is computed from the columns it reads (below).
    const computed = (c: string) => !columns.includes(c) && !!columnOf(info, c).generationExpr;
    if (ix.columns && !ix.columns.every((c) => columns.includes(c) || computed(c))) return null;
    if (info.columns.some((c) => !c.generated && !columns.includes(c.name))) {
      if (!ix.columns || ix.columns.some(computed)) return null;
    }
    // The archive's rows become a VALUES list whose columns carry the table's names and types, so the index's own
    // expressions and predicate (over unqualified names) evaluate on them unchanged, inside the subquery.
    const params: unknown[] = [];
    const types = columns.map((c) => columnOf(info, c).type);
    const values = rows.map(
      (r) =>
        `(${r.map((v, i) => {
          params.push(bindValue(v));
          return `$${first + params.length - 1}::${types[i]}`;
        })})`,
    );
    // Generated columns, as the server computes them on insert (until 2026-12-07 a unique key on one, such as
    // lower(email) STORED, was not probed: a collision failed the restore at the write).
    const generated = info.columns.filter((c) => c.generated && c.generationExpr && !columns.includes(c.name));
    const rowsOf = generated.length
      ? (list: string) =>
          `(SELECT tenantops_v.*, ${generated.map((c) => `(${c.generationExpr})::${c.type} AS ${q(c.name)}`).join(', ')} FROM ${list} AS tenantops_v(${columns.map(q).join(', ')})) AS tenantops_probe`
      : (list: string) => `${list} AS tenantops_probe(${columns.map(q).join(', ')})`;
    // OFFSET 0 keeps the VALUES list a subquery of its own, so each key is looked up through the index: flattened
    // into a semi-join, a table whose statistics are stale (never analysed after a bulk load) was read whole by a
    // hash join for every batch of 2,000 rows, quadratic in the tenant's size (docs/performance.md, "Full restore").
    const where = `${ix.predicate ? ` WHERE ${ix.predicate}` : ''} OFFSET 0`;
    const probe = `FROM ${rowsOf(`(VALUES ${values.join(', ')})`)}${where}`;
    const select = ix.parts.map((p, i) => `(${p})::text AS k${i + 1}`).join(', ');
    const pred = ix.predicate ? `(${ix.predicate}) AND ` : '';
    if (ix.operators) {
      // An exclusion constraint: a row conflicts where every part's operator holds between it and an archive row
      // (two overlapping ranges). The archive rows' parts are computed inside, under names of their own, so the
      // parts compared with them below read the table's row (unqualified names resolve to the nearest relation).
      const inner = ix.parts.map((p, i) => `${p} AS tenantops_x${i + 1}`).join(', ');
      const cond = ix.parts.map((p, i) => `(${p}) ${ix.operators![i]} tenantops_p.tenantops_x${i + 1}`).join(' AND ');
      return {
        select,
        match: `${pred}EXISTS (SELECT 1 FROM (SELECT ${inner} ${probe}) AS tenantops_p WHERE ${cond})`,
        params,
      };
    }
    // NULLS NOT DISTINCT: NULL parts collide too, which `=` (and so IN) never says. Each part is compared as its
    // NULL-ness and a one-element array of it (array equality takes two NULL elements as equal, and hashes).
    const key = ix.nullsEqual ? (p: string) => `(${p}) IS NULL, ARRAY[${p}]` : (p: string) => p;
    // A plain index's columns as keyColumn compares them (a domain over an enum, as its enum).
    const cmp = ix.columns ? ix.columns.map((c) => keyColumn(columnOf(info, c))) : ix.parts;
    const parts = cmp.map(key).join(', ');
    const lhs = cmp.length === 1 && !ix.nullsEqual ? cmp[0]! : `(${parts})`;
    return { select, match: `${pred}${lhs} IN (SELECT ${parts} ${probe})`, params };
  },
  // PostgreSQL's DELETE has no LIMIT; the row's physical id picks one of several equal rows.
  deleteOne: (table: string, where: string) =>
    `DELETE FROM ONLY ${q(table)} WHERE ctid = (SELECT ctid FROM ONLY ${q(table)} WHERE ${where} LIMIT 1)`,
  insertHead: (t: TableInfo, columns: readonly string[]) =>
    `INSERT INTO ${q(t.name)} (${columns.map(q).join(', ')})${
      t.columns.some((c) => c.identityAlways && columns.includes(c.name)) ? ' OVERRIDING SYSTEM VALUE' : ''
    } VALUES `,
  lockingRead: '',
  // Referential actions are not deferrable: they run at the DELETE, whatever SET CONSTRAINTS says; NOT
  // DEFERRABLE checks run at every statement.
  foreignKeysAtStatement: true,
  digestKinds: ['hte', 'md5'],
  // A row value's text keeps NULL (nothing) apart from '' (""), and quotes separators. 'hte': the two 64-bit hashes
  // as 16 hex digits each (to_hex of a negative bigint is its two's complement), the layout md5's digits have.
  rowHash(_info: TableInfo, columns: readonly string[], kind: DigestKind = 'hte'): string {
    const text = rowText(columns);
    if (kind === 'md5') return `md5(${text})`;
    return `lpad(to_hex(hashtextextended(${text}, 0)), 16, '0') || lpad(to_hex(hashtextextended(${text}, 1)), 16, '0')`;
  },
  // Locking is the table lock lockTables took.
  digestQuery(
    info: TableInfo,
    columns: readonly string[],
    from: string,
    where: string,
    _lock: boolean,
    kind: DigestKind = 'hte',
  ): string {
    // OFFSET 0 keeps each row's MD5 computed once: pulled up into the outer query, it was computed for s and again
    // for x (an md5 archive's digest of analytics_event, 40k rows: 188 → 127 ms, docs/performance.md).
    if (kind === 'md5')
      return (
        `SELECT COUNT(*) AS n, COALESCE(SUM(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS s, ` +
        `COALESCE(bit_xor(('x' || substr(h, 16, 16))::bit(64)::bigint), 0)::text AS x ` +
        `FROM (SELECT ${postgresBackupDialect.rowHash(info, columns, 'md5')} AS h FROM ${from} WHERE ${where} OFFSET 0) tenantops_d`
      );
    // The same n, s and x as rowHash's hex digits summed by DigestAccumulator, in integer arithmetic: s sums the
    // first hash's top 60 bits, x XORs its low 4 bits followed by the second's top 60. OFFSET 0 keeps the row's
    // text computed once: without it the planner pulls the subquery up and renders the row once per hash.
    const low60 = '1152921504606846975';
    return (
      `SELECT COUNT(*) AS n, COALESCE(SUM((a >> 4) & ${low60}), 0)::text AS s, ` +
      `COALESCE(bit_xor(((a & 15) << 60) | ((b >> 4) & ${low60})), 0)::text AS x ` +
      `FROM (SELECT hashtextextended(r, 0) AS a, hashtextextended(r, 1) AS b ` +
      `FROM (SELECT ${rowText(columns)} AS r FROM ${from} WHERE ${where} OFFSET 0) tenantops_r) tenantops_d`
    );
  },
  async lockTables(s: DbSession, tables: readonly string[]): Promise<void> {
    if (!tables.length) return;
    // Row locks cannot stop new rows of the tenant from being inserted, so writers of these tables wait for the
    // COMMIT (readers do not). EXCLUSIVE, not SHARE ROW EXCLUSIVE: row locks (SELECT … FOR UPDATE, an FK check's
    // FOR KEY SHARE) wait too, so a writer that locks a row of the tenant before updating it is not granted the
    // lock half-way through the restore, which then waited for that row while the writer waited for the table: a
    // deadlock that killed one of them. The wait for the lock itself is bounded, so a long-running writer is reported.
    // The restore never waits for one table while holding another: one LOCK TABLE of all of them took them in turn,
    // and an application transaction that had written a later table and then wrote an earlier one deadlocked with
    // it (every restore under such writers failed, "deadlock detected"). So it waits for one busy table alone, then
    // takes the others NOWAIT; a busy one releases them all (the savepoint) and is the next one waited for.
    const budgetMs = 30_000;
    const started = Date.now();
    await s.execute('SAVEPOINT tenantops_lock');
    let waitFor: string | null = null;
    try {
      for (;;) {
        let busy: string | null = null;
        try {
          if (waitFor !== null) {
            const left = Math.max(1, budgetMs - (Date.now() - started));
            await s.execute(`SET LOCAL lock_timeout = '${String(left)}ms'`);
            await s.execute(`LOCK TABLE ONLY ${q(waitFor)} IN EXCLUSIVE MODE`);
          }
          for (const t of tables) {
            if (t === waitFor) continue;
            busy = t;
            await s.execute(`LOCK TABLE ONLY ${q(t)} IN EXCLUSIVE MODE NOWAIT`);
          }
          await s.execute('RELEASE SAVEPOINT tenantops_lock');
          await s.execute(`SET LOCAL lock_timeout = '30s'`);
          return;
        } catch (e) {
          const code = (e as { driverCode?: string }).driverCode;
          // 55P03 from a NOWAIT: that table is busy, wait for it next. From the wait itself: out of time.
          // 40P01: the wait was part of a deadlock among other sessions' locks; release and try again.
          const timedOut = code === '55P03' && (busy === null || Date.now() - started >= budgetMs);
          if ((code !== '55P03' && code !== '40P01') || timedOut) throw e;
          await s.execute('ROLLBACK TO SAVEPOINT tenantops_lock');
          if (code === '55P03') waitFor = busy;
        }
      }
    } catch (e) {
      if ((e as { driverCode?: string }).driverCode !== '55P03') throw e;
      // Said as what it is, naming who holds the tables (an application's transaction left open is the usual
      // one), instead of the server's "canceling statement due to lock timeout".
      await s.execute('ROLLBACK TO SAVEPOINT tenantops_lock');
      const holders = await s.query<{ pid: number | string; state: string | null; age: string | null }>(
        `SELECT a.pid, a.state, date_trunc('second', now() - a.xact_start)::text AS age
           FROM pg_stat_activity a
          WHERE a.pid IN (SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                           WHERE l.granted AND l.pid <> pg_backend_pid() AND c.relname = ANY($1::text[])
                             AND c.relnamespace = current_schema()::regnamespace)
          ORDER BY a.xact_start`,
        [tables],
      );
      throw new TenantopsError(
        'TENANTOPS_E_LOCKED',
        `the restore waited 30 s to lock the tenant's tables while other transactions held them (${holders.length} sessions); nothing was written`,
        {
          details: holders.map(
            (h) =>
              `pid ${String(h.pid)}: ${h.state ?? 'state not visible to this role'}, transaction open ${h.age ?? '?'}`,
          ),
        },
      );
    }
  },
  async relaxConstraints(s: DbSession): Promise<() => Promise<void>> {
    // Least privilege: deferrable FKs are checked at COMMIT, after the whole tenant is back. NOT DEFERRABLE ones
    // hold at every statement, which the FK-ordered writes respect.
    await s.execute('SET CONSTRAINTS ALL DEFERRED');
    return async () => {};
  },
  // Switching every deferrable constraint to IMMEDIATE runs the events queued so far, at this statement: deferred
  // FK and unique checks, and constraint triggers (INITIALLY DEFERRED ones included).
  // https://www.postgresql.org/docs/current/sql-set-constraints.html
  async fireDeferred(s: DbSession): Promise<void> {
    await s.execute('SET CONSTRAINTS ALL IMMEDIATE');
  },
  // An oid (or the lo extension's domain over it) is how lo_import / lo_from_bytea and Hibernate's @Lob refer to a
  // large object, which lives in pg_largeobject, outside any tenant's rows.
  columnGap: (c: ColumnInfo) =>
    /^(oid|lo)(\[\])*$/.test(c.type)
      ? 'holds large-object numbers (oid): the objects themselves are not in the archive, only the numbers'
      : null,
  // SET CONSTRAINTS ALL DEFERRED defers only the NO ACTION check of a DEFERRABLE FK: RESTRICT fails at the
  // DELETE, and CASCADE / SET NULL / SET DEFAULT change the referencing rows there, deferred or not.
  reinsertKeepsReferences(info: TableInfo, schema: SchemaInfo): boolean {
    // The same holds for FKs from other schemas (SET CONSTRAINTS ALL defers theirs too).
    if (info.externalReferrers?.some((fk) => !(fk.deferrable && (fk.onDelete ?? 'NO ACTION') === 'NO ACTION')))
      return false;
    for (const t of schema.values())
      for (const fk of t.foreignKeys)
        if (
          (fk.refTable === info.name || isPartitionOf(info, fk.refTable)) &&
          !(fk.deferrable && (fk.onDelete ?? 'NO ACTION') === 'NO ACTION')
        )
          return false;
    return true;
  },
  async skipTriggers(s: DbSession): Promise<boolean> {
    // Replica mode skips user triggers (and FK triggers: the restore checks references itself) for this
    // transaction only. It needs superuser; a failed statement aborts a PostgreSQL transaction, hence the savepoint.
    await s.execute('SAVEPOINT tenantops_srr');
    try {
      await s.execute("SET LOCAL session_replication_role = 'replica'");
      await s.execute('RELEASE SAVEPOINT tenantops_srr');
      return true;
    } catch {
      await s.execute('ROLLBACK TO SAVEPOINT tenantops_srr');
      return false;
    }
  },
  async advanceSequences(s: DbSession, tables: readonly TableInfo[]): Promise<void> {
    for (const t of tables) {
      for (const c of t.columns) {
        if (!(c.sequence || (t.autoIncrement === c.name && !c.generated))) continue;
        const sync = postgresDialect.syncSequenceSql(t.name, c.name, c.sequence ?? null)!;
        await s.query(sync.sql, sync.params);
      }
    }
  },
  stageLargeValue: async () => null,
  // No packet limit; the budget keeps one statement's memory on both sides bounded.
  statementBytes: async () => 4 * 1024 * 1024,
  // concat() renders a value with its type's output function, the text a text-mode session receives (a cast to
  // text can differ: bool gives 'true', char(n) drops its padding, inet adds its mask); to_json escapes it as
  // JSON.stringify does (\b \f \n \r \t \" \\, other control characters as \u00xx in lowercase, the rest
  // as is). Chained with || rather than concat_ws, which takes at most 100 arguments.
  canonicalLine: (exprs: readonly string[]) =>
    `'[' || ${exprs.length ? exprs.map((e) => `CASE WHEN ${e} IS NULL THEN 'null' ELSE to_json(concat(${e}))::text END`).join(" || ',' || ") : "''"} || ']'`,
  async avgRowBytes(db: Queryable, table: string): Promise<number> {
    const r = await db.query<{ b: number | string | null }>(
      `SELECT CASE WHEN c.reltuples > 0 THEN pg_relation_size(c.oid) / c.reltuples ELSE 0 END AS b
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = $1`,
      [table],
    );
    return Math.round(Number(r[0]?.b ?? 0)) || 100;
  },
};
