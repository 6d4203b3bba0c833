import type { SqlDialect } from '../db/index.ts';

type Chunk = { text: string } | { value: unknown } | { ident: string };

/**
 * An SQL fragment whose values are always bound parameters and whose identifiers are always quoted by the dialect.
 * Rendering happens last, so '?' (MySQL) and '$n' (PostgreSQL) numbering is right however fragments nest.
 */
export class Sql {
  readonly chunks: readonly Chunk[];
  constructor(chunks: readonly Chunk[]) {
    this.chunks = chunks;
  }

  render(d: SqlDialect, firstParam = 1): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    let text = '';
    for (const c of this.chunks) {
      if ('text' in c) text += c.text;
      else if ('ident' in c) text += d.quoteIdent(c.ident);
      else {
        params.push(c.value);
        text += d.param(firstParam + params.length - 1);
      }
    }
    return { text, params };
  }
}

/** Tagged template: interpolated values become parameters, interpolated Sql fragments are spliced in. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  const chunks: Chunk[] = [];
  strings.forEach((s, i) => {
    if (s) chunks.push({ text: s });
    if (i < values.length) {
      const v = values[i];
      if (v instanceof Sql) chunks.push(...v.chunks);
      else chunks.push({ value: v });
    }
  });
  return new Sql(chunks);
}

/** A quoted identifier (table or column). */
export function ident(name: string): Sql {
  return new Sql([{ ident: name }]);
}

/** Trusted SQL text written in this codebase (keywords, operators); never user input. */
export function raw(text: string): Sql {
  return new Sql([{ text }]);
}

export function joinSql(parts: readonly Sql[], separator: string): Sql {
  const chunks: Chunk[] = [];
  parts.forEach((p, i) => {
    if (i > 0) chunks.push({ text: separator });
    chunks.push(...p.chunks);
  });
  return new Sql(chunks);
}

/** INSERT INTO table (cols…) VALUES (bound values…), for tables whose key is not generated. */
export function insertInto(table: string, values: Readonly<Record<string, unknown>>): Sql {
  const cols = Object.keys(values);
  return sql`INSERT INTO ${ident(table)} (${joinSql(cols.map(ident), ', ')}) VALUES (${joinSql(
    cols.map((c) => sql`${values[c]}`),
    ', ',
  )})`;
}
