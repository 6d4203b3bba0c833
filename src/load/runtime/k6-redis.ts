import { RespConnection, type RespTarget, type RespValue } from './resp-connection.ts';
import type { VuState } from './vu-state.ts';

type Arg = string | number | boolean;

interface ClientOptions {
  socket?: { host?: string; port?: number; tls?: unknown };
  username?: string;
  password?: string;
  database?: number;
  /** The options of k6 < 0.50: `addrs: ['host:port']`, `db`. */
  addrs?: string[];
  db?: number;
}

/** k6's client options: a redis[s]:// URL or an object. https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/redis/client/ */
function target(options: string | ClientOptions): RespTarget {
  if (typeof options === 'string') {
    const url = new URL(options);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new Error(`invalid redis URL "${options}": use redis://host:port or rediss://host:port`);
    }
    return {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port) || 6379,
      tls: url.protocol === 'rediss:',
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      database: Number(url.pathname.slice(1)) || 0,
    };
  }
  const addr = options.addrs?.[0]?.split(':');
  return {
    host: options.socket?.host ?? addr?.[0] ?? '127.0.0.1',
    port: Number(options.socket?.port ?? addr?.[1] ?? 6379),
    tls: Boolean(options.socket?.tls),
    username: options.username,
    password: options.password,
    database: Number(options.database ?? options.db ?? 0),
  };
}

/** k6 passes keys either as arrays or as rest arguments; both reach the server as one list. */
const flat = (args: unknown[]): Arg[] => args.flat(Infinity) as Arg[];

/**
 * The `k6/experimental/redis` module (and `k6/x/redis`): https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/redis/
 * Every command returns a promise that holds the iteration until it settles, as k6's event loop does;
 * a nil reply rejects where k6's docs say it does (get, hget, lpop…).
 */
export function createK6Redis(state: VuState) {
  class Client {
    private readonly connection: RespConnection;

    constructor(options: string | ClientOptions) {
      this.connection = new RespConnection(target(options));
    }

    sendCommand(command: string, ...args: unknown[]): Promise<RespValue> {
      return this.run([command, ...flat(args)]);
    }

    set(key: string, value: Arg, expiration = 0): Promise<RespValue> {
      return this.run(expiration > 0 ? ['SET', key, value, 'EX', expiration] : ['SET', key, value]);
    }
    get(key: string) {
      return this.run(['GET', key], true);
    }
    getSet(key: string, value: Arg) {
      return this.run(['GETSET', key, value], true);
    }
    getDel(key: string) {
      return this.run(['GETDEL', key], true);
    }
    del(...keys: unknown[]) {
      return this.run(['DEL', ...flat(keys)]);
    }
    exists(...keys: unknown[]) {
      return this.run(['EXISTS', ...flat(keys)]);
    }
    incr(key: string) {
      return this.run(['INCR', key]);
    }
    incrBy(key: string, n: number) {
      return this.run(['INCRBY', key, n]);
    }
    decr(key: string) {
      return this.run(['DECR', key]);
    }
    decrBy(key: string, n: number) {
      return this.run(['DECRBY', key, n]);
    }
    mget(...keys: unknown[]) {
      return this.run(['MGET', ...flat(keys)]);
    }
    expire(key: string, seconds: number) {
      return this.bool(['EXPIRE', key, seconds]);
    }
    ttl(key: string) {
      return this.run(['TTL', key]);
    }
    persist(key: string) {
      return this.bool(['PERSIST', key]);
    }
    lpush(key: string, ...values: unknown[]) {
      return this.run(['LPUSH', key, ...flat(values)]);
    }
    rpush(key: string, ...values: unknown[]) {
      return this.run(['RPUSH', key, ...flat(values)]);
    }
    lpop(key: string) {
      return this.run(['LPOP', key], true);
    }
    rpop(key: string) {
      return this.run(['RPOP', key], true);
    }
    lrange(key: string, start: number, stop: number) {
      return this.run(['LRANGE', key, start, stop]);
    }
    lindex(key: string, index: number) {
      return this.run(['LINDEX', key, index], true);
    }
    lset(key: string, index: number, value: Arg) {
      return this.run(['LSET', key, index, value]);
    }
    lrem(key: string, count: number, value: Arg) {
      return this.run(['LREM', key, count, value]);
    }
    llen(key: string) {
      return this.run(['LLEN', key]);
    }
    hset(key: string, field: string, value: Arg) {
      return this.run(['HSET', key, field, value]);
    }
    hsetnx(key: string, field: string, value: Arg) {
      return this.bool(['HSETNX', key, field, value]);
    }
    hget(key: string, field: string) {
      return this.run(['HGET', key, field], true);
    }
    hdel(key: string, ...fields: unknown[]) {
      return this.run(['HDEL', key, ...flat(fields)]);
    }
    async hgetall(key: string): Promise<Record<string, string>> {
      const list = (await this.run(['HGETALL', key])) as string[];
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
      return out;
    }
    hkeys(key: string) {
      return this.run(['HKEYS', key]);
    }
    hvals(key: string) {
      return this.run(['HVALS', key]);
    }
    hlen(key: string) {
      return this.run(['HLEN', key]);
    }
    hincrby(key: string, field: string, n: number) {
      return this.run(['HINCRBY', key, field, n]);
    }
    sadd(key: string, ...members: unknown[]) {
      return this.run(['SADD', key, ...flat(members)]);
    }
    srem(key: string, ...members: unknown[]) {
      return this.run(['SREM', key, ...flat(members)]);
    }
    sismember(key: string, member: Arg) {
      return this.bool(['SISMEMBER', key, member]);
    }
    smembers(key: string) {
      return this.run(['SMEMBERS', key]);
    }
    srandmember(key: string) {
      return this.run(['SRANDMEMBER', key], true);
    }
    spop(key: string) {
      return this.run(['SPOP', key], true);
    }

    private async bool(args: Arg[]): Promise<boolean> {
      return (await this.run(args)) === 1;
    }

    private run(args: Arg[], nilRejects = false): Promise<RespValue> {
      if (state.inInit) {
        return Promise.reject(new Error('redis commands can only run in a VU context, not in the init context'));
      }
      const release = state.loop?.hold() ?? (() => {});
      const cmd = args.map((a) => (typeof a === 'boolean' ? (a ? '1' : '0') : a));
      return this.connection.command(cmd).then(
        (value) => {
          release();
          if (value === null && nilRejects) throw new Error('redis: nil');
          return value;
        },
        (e: unknown) => {
          release();
          throw e;
        },
      );
    }
  }
  return { Client };
}
