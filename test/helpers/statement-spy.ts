import type { Db, DbSession } from '../../src/db/index.ts';

/** `db` whose transactions log each statement's text, with whether `phase()` held when it was sent. */
export function statementSpy(db: Db, phase: () => boolean): { db: Db; statements: { sql: string; phase: boolean }[] } {
  const log: { sql: string; phase: boolean }[] = [];
  const spy = (s: DbSession): DbSession =>
    new Proxy(s, {
      get(target, key) {
        const v = Reflect.get(target, key, target) as unknown;
        if (key !== 'query' && key !== 'execute') return typeof v === 'function' ? v.bind(target) : v;
        return (text: string, params?: readonly unknown[]) => {
          log.push({ sql: text, phase: phase() });
          return (v as (t: string, p?: readonly unknown[]) => unknown).call(target, text, params);
        };
      },
    });
  const wrapped = Object.create(db, {
    transaction: {
      value: <T>(fn: (s: DbSession) => Promise<T>, o?: unknown) => db.transaction((s) => fn(spy(s)), o as never),
    },
  }) as Db;
  return { db: wrapped, statements: log };
}
