/**
 * `sql` with each `$n` placeholder replaced by `by(n)`. String literals, quoted identifiers, dollar-quoted strings
 * and comments are copied unchanged, so a `$1` inside one of them stays what it is.
 */
export function replacePlaceholders(sql: string, by: (n: number) => string): string {
  let out = '';
  let i = 0;
  const copyTo = (end: number): void => {
    out += sql.slice(i, end);
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A doubled quote inside is an escaped one: it ends nothing. E'…' strings are not written by tenantops.
      let j = i + 1;
      for (;;) {
        j = sql.indexOf(c, j);
        if (j < 0) j = sql.length;
        else if (sql[j + 1] === c) {
          j += 2;
          continue;
        } else j++;
        break;
      }
      copyTo(j);
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      copyTo(j < 0 ? sql.length : j);
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      copyTo(j < 0 ? sql.length : j + 2);
    } else if (c === '$') {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      const prev = sql[i - 1] ?? ' ';
      if (param && !/[\w$]/.test(prev)) {
        out += by(Number(param[1]));
        i += param[0].length;
        continue;
      }
      const tag = /^\$[A-Za-z_]?\w*\$/.exec(sql.slice(i, i + 64));
      if (tag && !/[\w$]/.test(prev)) {
        const j = sql.indexOf(tag[0], i + tag[0].length);
        copyTo(j < 0 ? sql.length : j + tag[0].length);
      } else copyTo(i + 1);
    } else {
      // Up to the next character that may start one of the cases above.
      const m = /['"$/-]/g;
      m.lastIndex = i + 1;
      const next = m.exec(sql);
      copyTo(next ? next.index : sql.length);
    }
  }
  return out;
}
