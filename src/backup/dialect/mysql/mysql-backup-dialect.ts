import type { DbSession, Queryable } from '../../../db/index.ts';
import type { BackupDialect, CollisionProbe } from '../backup-dialect.ts';
import { bindValue, boundBytes, type CanonicalValue } from '../../archive/canonical-row.ts';
import {
  columnOf,
  emptyTable,
  type ColumnInfo,
  type ExternalReferrerInfo,
  type SchemaInfo,
  type TableInfo,
  type UniqueIndexInfo,
} from '../../schema-info.ts';

import { mysqlDialect } from '../../../db/mysql/mysql-dialect.ts';

// Quoting and placeholders are the engine's one SQL dialect's; this file adds what backup needs.
const q = mysqlDialect.quoteIdent;

const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double', 'year']);
// A value above this is staged in pieces: a statement must fit max_allowed_packet (16 MB by default), and a row
// can hold several such values.
const LARGE_VALUE = 4 * 1024 * 1024;
/**
 * A session's statement budget: a quarter of its max_allowed_packet, at most LARGE_VALUE (what it is under the
 * 16 MB default). The 4 MB fixed before 2026-12-08 passed a smaller packet: with max_allowed_packet = 1M (MySQL
 * 5.x's default, kept by many my.cnf files) a row of two 650 KB values went into one INSERT of 1.3 MB, and the
 * server dropped the connection on every rerun ("connection lost … rerun"). Read once per session.
 */
const budgets = new WeakMap<DbSession, Promise<number>>();
function statementBytes(s: DbSession): Promise<number> {
  let b = budgets.get(s);
  if (!b) {
    b = s
      .query<{ p: string | number }>('SELECT @@max_allowed_packet AS p')
      .then((r) => Math.min(LARGE_VALUE, Math.floor(Number(r[0]?.p) / 4) || LARGE_VALUE));
    budgets.set(s, b);
  }
  return b;
}
/** The largest LIMIT: every row, and a derived table the optimizer may not merge (digestQuery). */
const NO_LIMIT = '18446744073709551615';

/** `nextval(`db`.`seq`)` → `seq`: MariaDB SEQUENCE objects feeding a column default. */
function sequenceOf(def: string | null): string | null {
  const m = def ? /^nextval\((?:`(?:[^`]|``)*`\.)?`((?:[^`]|``)*)`\)$/i.exec(def) : null;
  return m ? m[1]!.split('``').join('`') : null;
}

// FLOAT's text form keeps 6 digits; as DOUBLE it is the exact value, which a FLOAT column takes back unchanged.
function mysqlReadExpr(c: ColumnInfo): string {
  return /^float\b/.test(c.type) ? `CAST(${q(c.name)} AS DOUBLE)` : q(c.name);
}

/**
 * A bound value compared with a column. BIT travels as its bytes, and MariaDB compares a BIT column with a binary
 * string by reading the string as a decimal number (0 for b'1' sent as 0x0001): the bytes are turned into the
 * unsigned number the column holds, which still lets the index find the row. Until 2026-12-07 an update or delete
 * by a BIT key, or of a row without a key that holds a BIT column, touched no row and failed the restore.
 */
function mysqlKeyValue(c: ColumnInfo, ph: string): string {
  if (/^bit\b/.test(c.type)) return `CAST(CONV(HEX(${ph}), 16, 10) AS UNSIGNED)`;
  // A value travels in the session's utf8mb4. MariaDB 10.11 converts it to a latin1 or cp1251 column's character
  // set in `col IN (…)`, but not in a row comparison `(a, col) IN ((…))`, which then matched no non-ASCII value:
  // rows of a composite key (safety-backup lookups, collision probes, another tenant's references) were not found.
  // Converted here, and compared under the column's own collation, as its index compares.
  if (c.collation && c.charset && !/^utf8/.test(c.charset))
    return `CONVERT(${ph} USING ${c.charset}) COLLATE ${c.collation}`;
  return ph;
}

const TEMPORAL = /^(date|datetime|timestamp)\b/;
/** Byte strings and geometries, which can be as long as max_allowed_packet (rowHash). */
const BYTES = /^(tiny|medium|long)?blob\b|binary|^(geometry|point|linestring|polygon|multi\w+|geometrycollection)\b/;

/**
 * The period of a unique key declared `UNIQUE (room, p WITHOUT OVERLAPS)` (application-time periods), or null.
 * information_schema lists such a key as (room, end, start), like a plain key on those columns: only SHOW CREATE
 * TABLE tells them apart, asked only for a unique key that ends in two temporal columns.
 */
async function withoutOverlaps(
  db: Queryable,
  t: TableInfo,
  index: string,
  cols: readonly string[],
): Promise<{ start: string; end: string } | null> {
  const [end, start] = cols.slice(-2);
  if (cols.length < 3 || ![end, start].every((c) => TEMPORAL.test(columnOf(t, c!).type))) return null;
  const r = await db.query<Record<string, string>>(`SHOW CREATE TABLE ${q(t.name)}`);
  const ddl = String(Object.values(r[0] ?? {})[1] ?? '');
  const key = ddl.split('\n').find((l) => l.trim().startsWith(`UNIQUE KEY ${q(index)} (`));
  const period = /[(,](`(?:[^`]|``)+`) WITHOUT OVERLAPS\)/.exec(key ?? '')?.[1];
  if (!period) return null;
  // PERIOD FOR `p` (`s`, `e`): the key's last two columns are its end and start.
  const name = '`(?:[^`]|``)+`';
  const def = new RegExp(`PERIOD FOR (${name}) \\((${name}), (${name})\\)`, 'g');
  for (const m of ddl.matchAll(def))
    if (m[1] === period && m[2] === q(start!) && m[3] === q(end!)) return { start: start!, end: end! };
  return null;
}

/**
 * A unique key that reads generated columns, which the archive does not carry: the archive rows become a derived
 * table of bound values under the table's column names, and the generated columns are computed on it by their own
 * expressions, as the server computes them on insert. Until 2026-12-07 such a key was not probed: a collision failed
 * the restore at the write. Null when a column the expressions may read is missing from the archive.
 */
function generatedProbe(
  info: TableInfo,
  ix: UniqueIndexInfo,
  cols: readonly string[],
  columns: readonly string[],
  rows: readonly (readonly CanonicalValue[])[],
): CollisionProbe | null {
  const gen = info.columns.filter((c) => c.generationExpr && !columns.includes(c.name));
  if (!cols.every((c) => columns.includes(c) || gen.some((g) => g.name === c))) return null;
  if (info.columns.some((c) => !c.generated && !columns.includes(c.name))) return null;
  const params: unknown[] = [];
  const derived = rows
    .map(
      (r) =>
        `SELECT ${columns
          .map((name, i) => {
            params.push(bindValue(r[i]!));
            return `${mysqlKeyValue(columnOf(info, name), '?')} AS ${q(name)}`;
          })
          .join(', ')}`,
    )
    .join(' UNION ALL ');
  const computed = gen.map((c) => `(${c.generationExpr}) AS ${q(c.name)}`).join(', ');
  const lhs = ix.parts.length === 1 ? ix.parts[0]! : `(${ix.parts.join(', ')})`;
  return {
    select: ix.parts.map((p, i) => `${p} AS k${i + 1}`).join(', '),
    match: `${lhs} IN (SELECT ${ix.parts.join(', ')} FROM (SELECT tenantops_v.*, ${computed} FROM (${derived}) AS tenantops_v) AS tenantops_probe)`,
    params,
  };
}

/**
 * The character set a text column is hashed in (rowHash): its own, which keeps its bytes, except for the ones whose
 * text is not ASCII-based. MariaDB will not join ucs2, utf16, utf16le or utf32 with the utf8mb4 of the other values
 * in one CONCAT_WS ("Illegal mix of collations for operation 'concat_ws'"): until 2026-12-08 a table with such a
 * column could not be backed up at all. Every character they hold has one utf8mb4 form, so the hash stays exact.
 */
function hashCharset(charset: string): string {
  return /^(ucs2|utf16|utf16le|utf32)$/.test(charset) ? 'utf8mb4' : charset;
}

/** Bytes without a character set: BINARY, VARBINARY and the BLOBs. */
const isBinary = (c: ColumnInfo) => !c.collation && /binary|blob/.test(c.type);

export const mysqlBackupDialect: BackupDialect = {
  quote: q,
  param: mysqlDialect.param,
  from: q,
  fromOther: (schema, t) => `${q(schema)}.${q(t)}`,
  async introspect(db: Queryable): Promise<SchemaInfo> {
    // A system-versioned table is a table whose plain SELECT reads its current rows: its history is the server's
    // record of changes (a restore adds to it, like any write), not the tenant's data.
    // ENGINES says which storage engines take part in transactions (MyISAM, Aria, MEMORY do not).
    const tables = await db.query<{ t: string; e: string | null; tx: string | null }>(
      `SELECT t.TABLE_NAME AS t, t.ENGINE AS e, g.TRANSACTIONS AS tx FROM information_schema.TABLES t
         LEFT JOIN information_schema.ENGINES g ON g.ENGINE = t.ENGINE
        WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY t.TABLE_NAME`,
    );
    const out: SchemaInfo = new Map();
    for (const { t, e, tx } of tables)
      out.set(t, { ...emptyTable(t), ...(e && tx !== null && tx !== 'YES' ? { nonTransactional: e } : {}) });
    const cols = await db.query<{
      t: string;
      c: string;
      ty: string;
      dt: string;
      n: string;
      d: string | null;
      x: string;
      cs: string | null;
      co: string | null;
      ge: string | null;
    }>(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ty, DATA_TYPE AS dt, IS_NULLABLE AS n,
              COLUMN_DEFAULT AS d, EXTRA AS x, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co,
              GENERATION_EXPRESSION AS ge
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    // System-versioning columns the table declares: the server stamps them on every write.
    const period = new Set<string>();
    for (const c of cols) {
      const t = out.get(c.t);
      if (!t) continue;
      if (c.ge === 'ROW START' || c.ge === 'ROW END') period.add(`${c.t}\u0000${c.c}`);
      const extra = (c.x ?? '').toLowerCase();
      const dataType = String(c.dt).toLowerCase();
      t.columns.push({
        name: c.c,
        type: String(c.ty).toLowerCase(),
        nullable: c.n === 'YES',
        hasDefault: c.d !== null || extra.includes('auto_increment'),
        generated:
          extra.includes('generated') ||
          extra.includes('virtual') ||
          extra.includes('stored') ||
          extra.includes('persistent'),
        // What a collision probe computes a generated column from (not ROW START/END: the server stamps those).
        ...(c.ge && c.ge !== 'ROW START' && c.ge !== 'ROW END' ? { generationExpr: c.ge } : {}),
        sequence: sequenceOf(c.d),
        onUpdate: extra.includes('on update'),
        numeric: NUMERIC.has(dataType),
        // Every MariaDB collation pads with spaces ('a' = 'a '), and most fold case: no collated text is exact.
        collation: c.co ?? null,
        charset: c.cs ?? null,
        exactEquality: c.co === null,
      });
      if (extra.includes('auto_increment')) t.autoIncrement = c.c;
    }
    const idx = await db.query<{ t: string; i: string; u: number | string; c: string; sp: number | string | null }>(
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS u, COLUMN_NAME AS c, SUB_PART AS sp
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    const groups = new Map<string, { t: string; i: string; unique: boolean; cols: string[]; parts: string[] }>();
    for (const r of idx) {
      // MariaDB appends ROW END to every unique key of a system-versioned table, so that history rows may repeat
      // a key; among current rows (ROW END at its maximum) the key is the other columns.
      if (period.has(`${r.t}\u0000${r.c}`)) continue;
      const k = `${r.t}\u0000${r.i}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { t: r.t, i: r.i, unique: Number(r.u) === 0, cols: [], parts: [] }));
      g.cols.push(r.c);
      // A prefix index compares only the first SUB_PART characters (bytes for binary columns).
      g.parts.push(r.sp === null ? q(r.c) : `LEFT(${q(r.c)}, ${Number(r.sp)})`);
    }
    for (const g of groups.values()) {
      const t = out.get(g.t);
      if (!t) continue;
      t.indexes.push(g.cols);
      (t.namedIndexes ??= []).push({ name: g.i, columns: g.cols });
      if (g.i === 'PRIMARY') t.primaryKey = g.cols;
      else if (g.unique) {
        t.uniqueKeys.push(g.cols);
        const overlaps = await withoutOverlaps(db, t, g.i, g.cols);
        t.uniqueIndexes.push({
          name: g.i,
          parts: g.parts,
          columns: g.cols,
          predicate: null,
          ...(overlaps ? { overlaps } : {}),
        });
      }
    }
    // Every foreign key into this database, from its own tables or from other databases', in one query.
    // KEY_COLUMN_USAGE lists a foreign key to a role with SELECT on its table; REFERENTIAL_CONSTRAINTS, which only
    // adds its actions, lists it only to a role with more than SELECT on the whole database (MariaDB 10.11): joined
    // inner, a SELECT-only backup login saw no foreign key at all, and left every table reached through one out
    // of the scope. The actions stay unknown (undefined) where it does not show them. A key from another database
    // points at rows that are nobody's tenant rows, and with foreign_key_checks = 0 a restore would leave them
    // dangling (restore-checks.ts checkReferencedRows refuses first); information_schema lists only tables the
    // user holds some privilege on (docs/backup.md).
    const fks = await db.query<{
      own: unknown;
      s: string;
      t: string;
      n: string;
      c: string;
      rt: string;
      rc: string;
      dr: string | null;
      ur: string | null;
    }>(
      `SELECT k.TABLE_SCHEMA = DATABASE() AS own, k.TABLE_SCHEMA AS s, k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS n,
              k.COLUMN_NAME AS c, k.REFERENCED_TABLE_NAME AS rt, k.REFERENCED_COLUMN_NAME AS rc,
              r.DELETE_RULE AS dr, r.UPDATE_RULE AS ur
         FROM information_schema.KEY_COLUMN_USAGE k
         LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
        WHERE k.REFERENCED_TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
        ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    );
    const fkGroups = new Map<string, ExternalReferrerInfo & { own: boolean; rt: string }>();
    for (const r of fks) {
      const k = `${r.s}\u0000${r.t}\u0000${r.n}`;
      let g = fkGroups.get(k);
      if (!g)
        fkGroups.set(
          k,
          (g = {
            own: String(r.own) === '1',
            name: r.n,
            schema: r.s,
            table: r.t,
            columns: [],
            refColumns: [],
            onDelete: r.dr ?? undefined,
            onUpdate: r.ur ?? undefined,
            rt: r.rt,
          }),
        );
      g.columns.push(r.c);
      g.refColumns.push(r.rc);
    }
    for (const { own, rt, ...ref } of fkGroups.values()) {
      if (!own) {
        const t = out.get(rt);
        if (t) (t.externalReferrers ??= []).push(ref);
        continue;
      }
      // foreign_key_checks=0 lets a restore write cycles in any order, so every FK counts as deferrable.
      out.get(ref.table)?.foreignKeys.push({
        columns: ref.columns,
        refTable: rt,
        refColumns: ref.refColumns,
        deferrable: true,
        onDelete: ref.onDelete,
        onUpdate: ref.onUpdate,
      });
    }
    // Visible to a role with the TRIGGER privilege on the table (docs/backup.md lists the grants).
    const trg = await db.query<{ t: string; n: string; w: string; e: string }>(
      `SELECT EVENT_OBJECT_TABLE AS t, TRIGGER_NAME AS n, ACTION_TIMING AS w, EVENT_MANIPULATION AS e
         FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME`,
    );
    for (const r of trg) out.get(r.t)?.triggers.push({ table: r.t, name: r.n, timing: `${r.w} ${r.e}`, always: true });
    return out;
  },
  // A semi-join's plan follows the statistics: after an --all-tenants --parallel 2 run MariaDB 10.11 read whole
  // field tables in key order and probed the parent per row, 3x the run's time (docs/performance.md). STRAIGHT_JOIN
  // reads the parent's keys first; the index hint keeps the join a lookup by the referencing columns even where the
  // table looks tiny (a full scan into a join buffer otherwise).
  parentFirst(keys: string, alias: string, info: TableInfo, columns: readonly string[], on: string): string {
    const ix = (info.namedIndexes ?? []).filter((i) => columns.includes(i.columns[0]!)).map((i) => q(i.name));
    const hint = ix.length ? ` FORCE INDEX FOR JOIN (${ix.join(', ')})` : '';
    return `${keys} AS ${q(alias)} STRAIGHT_JOIN ${q(info.name)}${hint} ON ${on}`;
  },
  readExpr: mysqlReadExpr,
  // Text sorts by its UTF-8 bytes, as compareRows orders the strings the utf8mb4 session receives: a column of
  // another character set is converted first. By its own bytes a latin1 (cp1252) '€' (0x80) sorted before 'Ÿ'
  // (0x9F) and 'é' (0xE9), which UTF-8 puts after them: the merge took such rows for deletes plus inserts, and a
  // restore was refused when another tenant's row referenced one of them (TENANTOPS_E_SHARED_ROWS).
  // MariaDB's UUID sorts a version-1 UUID by its time fields (its segments swapped), INET6 by its 16 bytes and TIME
  // numerically ('-10:00:00' before '-09:00:00'): not their text's order, so they sort by their text as well.
  orderExpr: (c: ColumnInfo) =>
    /^(uuid|inet4|inet6|time)\b/.test(c.type)
      ? `CAST(CAST(${q(c.name)} AS CHAR) AS BINARY)`
      : !c.collation
        ? q(c.name)
        : /^utf8/.test(c.charset ?? '')
          ? `CAST(${q(c.name)} AS BINARY)`
          : `CAST(CONVERT(${q(c.name)} USING utf8mb4) AS BINARY)`,
  equalsExactly: (qualified: string, c: ColumnInfo, ph: string, textId = false) =>
    textId && /^(tiny|small|medium|big)?int\b/.test(c.type)
      ? `(${qualified} = ${ph} AND CAST(${qualified} AS CHAR) = ${ph})`
      : c.exactEquality === false
        ? // The first comparison can use an index; the second makes it exact (case, accents, trailing spaces).
          `(${qualified} = ${ph} AND CAST(${qualified} AS BINARY) = CAST(CONVERT(${ph} USING ${c.charset ?? 'utf8mb4'}) AS BINARY))`
        : isBinary(c)
          ? // idText's 0x and hex; any other id is its bytes, as before (ids that are text in a binary column).
            `${qualified} = IF(${ph} REGEXP '^0[xX]([0-9a-fA-F]{2})+$', UNHEX(SUBSTRING(${ph}, 3)), ${ph})`
          : `${qualified} = ${ph}`,
  // A binary key (BINARY(16) holding UUIDs) names its tenant by 0x and its bytes in hex: read as text, random bytes
  // are not UTF-8, and became U+FFFD (two tenants under one id, neither found again).
  idText: (c: ColumnInfo) => (isBinary(c) ? `CONCAT('0x', LOWER(HEX(${q(c.name)})))` : q(c.name)),
  keyValue: mysqlKeyValue,
  tupleIn: (columns: readonly ColumnInfo[], tuples: readonly (readonly string[])[]) =>
    `(${columns.map((c) => q(c.name)).join(', ')}) IN (${tuples.map((t) => `(${t.join(', ')})`).join(', ')})`,
  matchExactly: (c: ColumnInfo, ph: string) =>
    c.collation
      ? `CAST(${q(c.name)} AS BINARY) <=> CAST(CONVERT(${ph} USING ${c.charset ?? 'utf8mb4'}) AS BINARY)`
      : `${mysqlReadExpr(c)} <=> ${mysqlKeyValue(c, ph)}`,
  collisionProbe(
    info: TableInfo,
    ix: UniqueIndexInfo,
    columns: readonly string[],
    rows: readonly (readonly CanonicalValue[])[],
  ): CollisionProbe | null {
    const cols = ix.columns;
    if (!cols) return null;
    if (!cols.every((c) => columns.includes(c))) return generatedProbe(info, ix, cols, columns, rows);
    // Values bound as literals take the column's collation, so the server compares them as the index does;
    // a prefix part compares the same prefix of the value.
    const params: unknown[] = [];
    const tuple = (r: readonly CanonicalValue[]) =>
      ix.parts.map((p, i) => {
        params.push(bindValue(r[columns.indexOf(cols[i]!)]!));
        return p.replace(q(cols[i]!), mysqlKeyValue(columnOf(info, cols[i]!), '?'));
      });
    const select = ix.parts.map((p, i) => `${p} AS k${i + 1}`).join(', ');
    if (ix.overlaps) {
      // WITHOUT OVERLAPS: the other parts equal, and the periods [start, end) overlap.
      const { start, end } = ix.overlaps;
      const value = (r: readonly CanonicalValue[], c: string) => {
        params.push(bindValue(r[columns.indexOf(c)]!));
        return mysqlKeyValue(columnOf(info, c), '?');
      };
      const conds = rows.map((r) => {
        const eq = ix.parts.flatMap((p, i) =>
          cols[i] === start || cols[i] === end ? [] : [`${p} = ${p.replace(q(cols[i]!), value(r, cols[i]!))}`],
        );
        return `(${[...eq, `${q(start)} < ${value(r, end)}`, `${q(end)} > ${value(r, start)}`].join(' AND ')})`;
      });
      return { select, match: `(${conds.join(' OR ')})`, params };
    }
    const lhs = ix.parts.length === 1 ? ix.parts[0]! : `(${ix.parts.join(', ')})`;
    const rhs = rows.map((r) => (ix.parts.length === 1 ? tuple(r)[0]! : `(${tuple(r).join(', ')})`));
    return { select, match: `${lhs} IN (${rhs.join(', ')})`, params };
  },
  deleteOne: (table: string, where: string) => `DELETE FROM ${q(table)} WHERE ${where} LIMIT 1`,
  insertHead: (t: TableInfo, columns: readonly string[]) =>
    `INSERT INTO ${q(t.name)} (${columns.map(q).join(', ')}) VALUES `,
  lockingRead: ' FOR UPDATE',
  // foreign_key_checks = 0 for the restore's transaction: its writes are not checked and run no CASCADE or SET NULL.
  foreignKeysAtStatement: false,
  // MariaDB has no integer hash of a string wider than CRC32's 32 bits; MD5 it is.
  digestKinds: ['md5'],
  // QUOTE() keeps NULL apart from 'NULL' and escapes the separator. Each text value is converted to its own
  // character set, which keeps its bytes (and so every hash) but drops its collation: CONCAT_WS refuses some pairs
  // of collations of one character set (utf8mb4_bin beside utf8mb4_nopad_bin, "Illegal mix of collations").
  // QUOTE() and CONCAT_WS() give NULL, with a warning, for a result longer than max_allowed_packet (16 MB by
  // default): a value of 8 MB of zero bytes (each escaped in two) was left out of its row's hash, and a row whose
  // values together passed it hashed to NULL. Until 2026-12-08 a restore then took a changed value for unchanged
  // (and its verification passed), and a backup of a small table with such a row failed ("NaN cannot be converted
  // to a BigInt"). Such a value now stands in its row's text as `md5:` and its own MD5 (no QUOTE() starts so), and
  // such a row hashes the MD5s of its values; every other row's hash is what it was.
  rowHash: (info: TableInfo, columns: readonly string[]) => {
    const values = columns.map((name) => {
      const c = columnOf(info, name);
      const cs = c.charset && hashCharset(c.charset);
      const v = cs ? `CONVERT(${q(c.name)} USING ${cs})` : mysqlReadExpr(c);
      // Only text (in its own character set: IFNULL would refuse to mix latin1 with the utf8mb4 of MD5's hex) and
      // bytes (binary wins any mix) can be that long. A number's or a date's QUOTE() keeps its own collation: in a
      // utf8mb4 IFNULL it made CONCAT_WS refuse a row of latin1 beside utf8mb4 ("Illegal mix of collations").
      const md5 = `CONCAT('md5:', MD5(${v}))`;
      if (cs) return `IFNULL(QUOTE(${v}), CONVERT(${md5} USING ${cs}))`;
      return BYTES.test(c.type) ? `IFNULL(QUOTE(${v}), ${md5})` : `QUOTE(${v})`;
    });
    return (
      `COALESCE(MD5(CONCAT_WS(',', ${values.join(', ')})), ` +
      `MD5(CONCAT_WS(',', ${values.map((v) => `MD5(${v})`).join(', ')})))`
    );
  },
  // The LIMIT keeps the derived table from being merged into the outer query: merged, `h` is an alias for the
  // whole MD5(CONCAT_WS(…)), which the server then computed twice per row, once for s and once for x (a third of
  // the digest's time on a 40k-row table, docs/performance.md). Materialized, each row is hashed once.
  digestQuery(info: TableInfo, columns: readonly string[], from: string, where: string, lock: boolean): string {
    return (
      `SELECT COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING(h, 1, 15), 16, 10) AS UNSIGNED)), 0) AS s, ` +
      `COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(h, 16, 16), 16, 10) AS UNSIGNED)), 0) AS x ` +
      `FROM (SELECT ${mysqlBackupDialect.rowHash(info, columns)} AS h FROM ${from} WHERE ${where} LIMIT ${NO_LIMIT}${lock ? ' FOR UPDATE' : ''}) tenantops_d`
    );
  },
  // InnoDB's locking reads (FOR UPDATE in REPEATABLE READ) lock the tenant's rows and the gaps beside them, so
  // writers of the tenant wait for the restore's COMMIT; LOCK TABLES would commit the transaction.
  async lockTables(): Promise<void> {},
  async relaxConstraints(s: DbSession): Promise<() => Promise<void>> {
    // Session-scoped: it must be switched back before the pooled connection is reused. With checks off InnoDB
    // also runs no CASCADE / SET NULL actions; the restore checks every reference itself before COMMIT.
    await s.execute('SET SESSION foreign_key_checks = 0');
    return async () => {
      await s.execute('SET SESSION foreign_key_checks = 1');
    };
  },
  // MariaDB defers nothing to COMMIT: its triggers run within their statement, and it has no deferred constraints.
  async fireDeferred(): Promise<void> {},
  // With foreign_key_checks = 0 (relaxConstraints) InnoDB neither checks references nor runs their actions;
  // checkForeignKeys checks them before COMMIT.
  reinsertKeepsReferences: () => true,
  // MariaDB has no session switch for triggers.
  skipTriggers: async () => false,
  async advanceSequences(s: DbSession, tables: readonly TableInfo[]): Promise<void> {
    // AUTO_INCREMENT moves past explicit ids by itself. SEQUENCE objects do not; SETVAL only ever moves forward,
    // and takes a literal, so the maximum is read first (it is the server's own integer, checked as such).
    for (const t of tables) {
      for (const c of t.columns) {
        if (!c.sequence) continue;
        const r = await s.query<{ m: string | null }>(`SELECT MAX(${q(c.name)}) AS m FROM ${q(t.name)}`);
        const m = r[0]?.m;
        if (m !== null && m !== undefined && /^-?\d{1,20}$/.test(String(m)))
          await s.query(`SELECT SETVAL(${q(c.sequence)}, ${String(m)})`);
      }
    }
  },
  statementBytes,
  async stageLargeValue(s: DbSession, value: unknown, slot: number, force = false): Promise<string | null> {
    const size = boundBytes(value);
    const budget = await statementBytes(s);
    if (size === 0 || (size <= budget && !force)) return null;
    // Piece by piece into a user variable, each piece a binary-protocol parameter; CONCAT keeps the value within
    // max_allowed_packet, as the original INSERT had to.
    const v = `@tenantops_large_${slot}`;
    const pieces: unknown[] = [];
    if (Buffer.isBuffer(value)) {
      for (let i = 0; i < value.length; i += budget) pieces.push(value.subarray(i, i + budget));
    } else {
      const str = value as string;
      // Cut on code points (never inside a surrogate pair); a quarter of the byte budget in UTF-16 units is safe.
      const step = Math.max(1, Math.floor(budget / 4));
      for (let i = 0; i < str.length;) {
        let end = Math.min(str.length, i + step);
        if (end < str.length && /[\uD800-\uDBFF]/.test(str[end - 1]!)) end--;
        pieces.push(str.slice(i, end));
        i = end;
      }
    }
    await s.execute(`SET ${v} = ?`, [pieces[0]]);
    for (const p of pieces.slice(1)) await s.execute(`SET ${v} = CONCAT(${v}, ?)`, [p]);
    return v;
  },
  async avgRowBytes(db: Queryable, table: string): Promise<number> {
    const r = await db.query<{ b: number | string | null }>(
      `SELECT AVG_ROW_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
      [table],
    );
    return Number(r[0]?.b ?? 0) || 100;
  },
};
