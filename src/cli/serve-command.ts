import { defineCommand } from './command.ts';
import { connectTimeoutFrom, dbOption } from './common-options.ts';

import { intOption } from './parse-int-option.ts';
import { TenantopsError } from '../errors/index.ts';
import { redactUrl } from '../db/index.ts';
import { parseFaults } from '../platform/faults.ts';

/** A port that cannot be bound is the command line's problem, not an internal error: say which flag fixes it. */
function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new TenantopsError(
      'TENANTOPS_E_USAGE',
      `port ${port} on ${host} is already in use: pass --port with a free port (--port 0 picks one), or stop the other server`,
    );
  if (code === 'EACCES')
    return new TenantopsError('TENANTOPS_E_USAGE', `not allowed to listen on port ${port}: pass --port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new TenantopsError('TENANTOPS_E_USAGE', `cannot listen on --host ${host}: no such local address`);
  return e;
}

export const serveCommand = defineCommand({
  name: 'serve',
  section: 'Reference platform',
  summary: 'Run the reference platform API (CRM, agents, analytics) with /metrics and queue workers',
  usage:
    'serve [--db URL] [--db-replica URL] [--port 8080] [--host 127.0.0.1] [--workers N] [--admin-token T] [--rate-limit R]',
  options: {
    ...dbOption,
    'db-replica': {
      type: 'string',
      value: 'URL',
      description:
        'read replica of --db: tenant GET routes read from it while healthy; prefer env TENANTOPS_DB_REPLICA_URL',
    },
    'read-your-writes-ms': {
      type: 'string',
      value: 'MS',
      description: "after a tenant's write, its reads go to the primary for this long (default 2000; 0 off)",
    },
    'replica-max-lag-s': {
      type: 'string',
      value: 'S',
      description: 'a replica further behind than this, or with unknown lag, is not read from (default 5)',
    },
    port: { type: 'string', value: 'PORT', description: 'TCP port (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', description: 'address to bind (default 127.0.0.1)' },
    workers: { type: 'string', value: 'N', description: 'in-process queue workers (default 2; 0 pauses the queue)' },
    'admin-token': {
      type: 'string',
      value: 'T',
      description: 'bearer token for /api/v1/admin; prefer env TENANTOPS_ADMIN_TOKEN (keeps it out of ps)',
    },
    'pool-max': { type: 'string', value: 'N', description: 'database pool size (default 10)' },
    'rate-limit': { type: 'string', value: 'R', description: 'per-tenant requests/s before 429 (default off)' },
    'rate-burst': { type: 'string', value: 'B', description: 'per-tenant burst above the rate (default R)' },
    'job-latency-ms': { type: 'string', value: 'MS', description: 'simulated agent latency per job (default 200)' },
    'lease-seconds': {
      type: 'string',
      value: 'S',
      description: 'job lease before a dead worker’s job is reclaimed (default 30)',
    },
  },
  async run({ values }, io) {
    const port = intOption('port', values.port, 8080, 0);
    if (port > 65535) throw new TenantopsError('TENANTOPS_E_USAGE', `--port must be ≤ 65535, got ${port}`);
    const rate = values['rate-limit'] === undefined ? null : intOption('rate-limit', values['rate-limit'], 0, 1);
    if (values['rate-burst'] !== undefined && rate === null) {
      throw new TenantopsError('TENANTOPS_E_USAGE', '--rate-burst needs --rate-limit');
    }
    const host = values.host ?? '127.0.0.1';
    const flagToken = values['admin-token'];
    if (flagToken) io.stderr.write('tenantops: --admin-token is visible in ps; prefer TENANTOPS_ADMIN_TOKEN\n');
    const adminToken = flagToken || io.env.TENANTOPS_ADMIN_TOKEN || null;
    // Test-only fault injection is deliberately env-only: it must never appear in a production command line.
    const faults = parseFaults(io.env.TENANTOPS_FAULTS);
    if (faults.disableTenantFilterOn?.length || Object.keys(faults.tenantDelayMs ?? {}).length) {
      io.stderr.write(
        'tenantops: WARNING test-only faults enabled from TENANTOPS_FAULTS; never use this in production\n',
      );
    }
    const dbReplicaUrl = values['db-replica'] || io.env.TENANTOPS_DB_REPLICA_URL || undefined;
    // The URL's password would be visible in ps; the env variable keeps it out (the URL is only ever printed redacted).
    if (values['db-replica'] && redactUrl(values['db-replica']) !== values['db-replica']) {
      io.stderr.write('tenantops: a password in --db-replica is visible in ps; prefer TENANTOPS_DB_REPLICA_URL\n');
    }
    const readYourWritesMs = intOption('read-your-writes-ms', values['read-your-writes-ms'], 2000, 0);
    const replicaMaxLagSeconds = intOption('replica-max-lag-s', values['replica-max-lag-s'], 5, 0);
    if (!dbReplicaUrl && (values['read-your-writes-ms'] !== undefined || values['replica-max-lag-s'] !== undefined)) {
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        '--read-your-writes-ms and --replica-max-lag-s need --db-replica (or TENANTOPS_DB_REPLICA_URL)',
      );
    }
    const log = (line: string): void => void io.stderr.write(`${line}\n`);
    // Fastify and prom-client load only when serving, keeping every other command's startup short.
    const { startServer } = await import('../platform/server.ts');
    const server = await startServer({
      dbUrl: values.db || io.env.TENANTOPS_DB_URL || undefined,
      dbReplicaUrl,
      readYourWritesMs,
      replicaMaxLagSeconds,
      connectTimeoutMs: connectTimeoutFrom(values),
      port,
      host,
      poolMax: intOption('pool-max', values['pool-max'], 10, 1),
      adminToken,
      rateLimit:
        rate === null
          ? null
          : { requestsPerSecond: rate, burst: intOption('rate-burst', values['rate-burst'], rate, 1) },
      queue: {
        workers: intOption('workers', values.workers, 2, 0),
        latencyMs: intOption('job-latency-ms', values['job-latency-ms'], 200, 0),
        leaseSeconds: intOption('lease-seconds', values['lease-seconds'], 30, 1),
      },
      faults,
      logger: { level: 'warn' },
      log,
    }).catch((e: unknown) => {
      throw listenError(e, host, port);
    });
    log(
      `tenantops serve: listening on ${server.url} (db ${server.db.target.redacted}${server.replica ? `, replica ${server.replica.redacted}` : ''}${adminToken ? ', admin API on' : ''})`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) {
          log(`${signal} again: exiting without waiting`);
          process.exit(1);
        }
        stopping = true;
        server.close().then(
          () => resolve(signal),
          (e: unknown) => {
            log(`tenantops serve: shutdown error: ${(e as Error).message}`);
            resolve(signal);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    log(
      `tenantops serve: stopped by ${signal}; in-flight requests finished, unfinished jobs stay queued in the database`,
    );
    return 0;
  },
});
