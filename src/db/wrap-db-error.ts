import { TenantopsError } from '../errors/index.ts';
import type { DbTarget } from './db-target.ts';
import { redactUrl } from './parse-db-url.ts';

/** The driver error's own code (ER_DUP_ENTRY, 23505, ECONNREFUSED…), kept for callers that branch on it. */
export function driverCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

// What an operator does next, by the driver's code (MariaDB names, PostgreSQL SQLSTATEs, Node's socket errors).
const ADVICE: [codes: string[], advice: string][] = [
  [['ECONNREFUSED'], 'nothing accepts connections there: start the server, or check the host and port in the URL'],
  [['ENOTFOUND', 'EAI_AGAIN'], 'unknown host: check the host name in the URL'],
  [['ENETUNREACH', 'EHOSTUNREACH'], 'no route to that host: check the host in the URL and the network'],
  [
    ['ETIMEDOUT', 'TIMEOUT'],
    'no answer in time: check the host, the port and any firewall, or wait longer with --connect-timeout SECONDS',
  ],
  [['ENOENT'], 'no socket at that path: is the server running locally, or should the URL name a host?'],
  [['ER_ACCESS_DENIED_ERROR', '28P01', '28000'], 'login refused: check the user name and password in the URL'],
  [
    ['ER_BAD_DB_ERROR', '3D000'],
    'the database does not exist: create it (CREATE DATABASE …) or fix its name in the URL',
  ],
  [
    ['ER_DBACCESS_DENIED_ERROR', '42501'],
    'the user may not use that database: GRANT it access, or log in as another user',
  ],
  [['ER_CON_COUNT_ERROR', '53300'], 'the server has no free connections: retry later or raise its connection limit'],
  [
    ['PROTOCOL'],
    'another kind of server answered: check that the host and port in the URL name a server of this kind (MariaDB 3306, PostgreSQL 5432)',
  ],
  [
    ['CLOSED'],
    'the connection closed during login: check that the host and port in the URL name a server of this kind',
  ],
];

function adviceFor(code: string | undefined, message: string): string | undefined {
  // pg reports its own connect timeout, a peer that hangs up, and a peer that speaks another protocol (MariaDB's
  // greeting read as 'unexpected copyData message'), without a code.
  const c =
    code ??
    (/timeout/i.test(message)
      ? 'TIMEOUT'
      : /terminated|closed/i.test(message)
        ? 'CLOSED'
        : /unexpected \w+ message from backend/i.test(message)
          ? 'PROTOCOL'
          : '');
  return ADVICE.find(([codes]) => codes.includes(c))?.[1];
}

/**
 * Whether e (a driver's error, or ours around one) says the connection is gone, and when it went. 'unsent': the
 * driver knew before sending, so the server never saw the statement. 'in-flight': lost while the server had the
 * statement (killed, restarted, network), so what became of it is unknown; for a COMMIT, whether it committed.
 * Either way the server rolls back a transaction that was still open.
 */
export function connectionLoss(e: unknown): 'unsent' | 'in-flight' | null {
  let raw: unknown = e;
  while (raw instanceof TenantopsError && raw.cause !== undefined) raw = raw.cause;
  const message = raw instanceof Error ? raw.message : String(raw);
  // mysql2 and pg refuse a statement on a connection they already saw close, without a code.
  if (/connection is in closed state|is not queryable/i.test(message)) return 'unsent';
  // MariaDB names: the socket closed, or a KILL ended the session mid-statement (1927); PostgreSQL's 57P0x: the
  // backend was terminated or the server is shutting down; pg's own message for a socket that closed mid-query.
  const inFlight = [
    'PROTOCOL_CONNECTION_LOST',
    'ER_CONNECTION_KILLED',
    'ECONNRESET',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
  ];
  if (inFlight.includes(driverCode(raw) ?? '') || /Connection terminated unexpectedly/i.test(message))
    return 'in-flight';
  return null;
}

export function wrapDbError(e: unknown, target: DbTarget, phase: 'connect' | 'query'): Error {
  if (e instanceof TenantopsError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  // Drivers sometimes echo the connection string; never let a password through.
  let msg = redactUrl(raw);
  if ('password' in target && target.password) msg = msg.split(target.password).join('***');
  const code = driverCode(e);
  const connectish =
    phase === 'connect' ||
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ER_ACCESS_DENIED_ERROR', '28P01', '3D000', 'ER_BAD_DB_ERROR'].includes(
      code ?? '',
    );
  if (connectish) {
    const advice = adviceFor(code, raw);
    return new TenantopsError(
      'TENANTOPS_E_DB_CONNECT',
      `cannot connect to ${target.redacted}: ${msg || code || 'connection failed'}${advice ? `; ${advice}` : ''}`,
      { cause: e },
    );
  }
  // Raised instead of filtering when row_security is off (text sessions set it): a backup must never see a subset.
  if (code === '42501' && /row-level security/i.test(raw)) {
    const table = /for table "((?:[^"]|"")*)"/.exec(raw)?.[1] ?? '?';
    return new TenantopsError(
      'TENANTOPS_E_ROW_SECURITY',
      `row-level security applies to this role on table ${table} (${target.redacted}), which would read only the rows its policies show; connect as the table's owner (without FORCE ROW LEVEL SECURITY), a BYPASSRLS role or a superuser`,
      { cause: e },
    );
  }
  // MariaDB's wait for a row lock ran out (innodb_lock_wait_timeout; 30 s in a text session): said as what it is, as
  // PostgreSQL's restore says its wait for table locks, instead of "try restarting transaction". A restore rolls
  // its transaction back on any error, so nothing it did stays.
  if (code === 'ER_LOCK_WAIT_TIMEOUT')
    return new TenantopsError(
      'TENANTOPS_E_LOCKED',
      `waited for a row lock another transaction holds on ${target.redacted} (innodb_lock_wait_timeout) and gave up; find it with SELECT * FROM information_schema.INNODB_TRX (often an application session idle in a transaction), let it finish or end it, then rerun`,
      { cause: e },
    );
  const lost = connectionLoss(e)
    ? '; the connection to the server was lost (restarted, killed or cut off): the server rolls back a transaction that was open, so rerun when it answers again'
    : '';
  const err = new TenantopsError('TENANTOPS_E_DB_QUERY', `query failed on ${target.redacted}: ${msg}${lost}`, {
    cause: e,
  });
  (err as TenantopsError & { driverCode?: string }).driverCode = code;
  return err;
}

/** `rows`, a query's result read as it arrives, with a driver error met on the way wrapped as a query's is. */
export async function* wrapDbErrors<T>(rows: AsyncIterable<T>, target: DbTarget): AsyncIterable<T> {
  try {
    yield* rows;
  } catch (e) {
    throw wrapDbError(e, target, 'query');
  }
}
