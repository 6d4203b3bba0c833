import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RespConnection } from '../../src/load/runtime/resp-connection.ts';
import { runScript } from './helpers/run-script.ts';

const REDIS_URL = process.env.TENANTOPS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/redis/client/ (the Client and its
// commands; Client.get, hget, lpop… reject when the key does not exist: .../client/client-get/)
describe('k6/experimental/redis against the Redis server on loopback', () => {
  const prefix = `tenantops-test:${randomUUID()}:`;
  const url = new URL(REDIS_URL);
  const admin = new RespConnection({ host: url.hostname, port: Number(url.port) || 6379, tls: false });
  before(async () => {
    try {
      await admin.command(['PING']);
    } catch (e) {
      if (process.env.TENANTOPS_REQUIRE_SERVERS) throw e;
    }
  });
  after(async () => {
    const keys = (await admin.command(['KEYS', `${prefix}*`])) as string[];
    if (keys.length) await admin.command(['DEL', ...keys]);
    admin.close();
  });

  it('runs the common commands as promises, rejects a missing key, and leaves the data in Redis', async () => {
    const run = await runScript(
      `
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = { iterations: 1 };
const client = new redis.Client(__ENV.REDIS_URL);
const p = __ENV.PREFIX;
export default async function () {
  const set = await client.set(p + 'name', 'tenant-a', 60);
  const name = await client.get(p + 'name');
  const missing = await client.get(p + 'missing').then(() => 'resolved', (e) => 'rejected: ' + e.message);
  await client.incr(p + 'counter');
  const counter = await client.incr(p + 'counter');
  const expired = await client.expire(p + 'counter', 120);
  const ttl = await client.ttl(p + 'counter');
  await client.hset(p + 'hash', 'plan', 'gold');
  const plan = await client.hget(p + 'hash', 'plan');
  await client.lpush(p + 'list', 'first', 'second');
  const popped = await client.rpop(p + 'list');
  await client.sadd(p + 'set', 'x', 'y', 'x');
  const members = (await client.smembers(p + 'set')).sort();
  const exists = await client.exists(p + 'name', p + 'hash', p + 'missing');
  const deleted = await client.del([p + 'name']);
  const strlen = await client.sendCommand('STRLEN', p + 'kept');
  await client.sendCommand('SET', p + 'kept', 'from-k6');
  const wrongType = await client.sendCommand('LPUSH', p + 'hash', 'v').then(() => 'resolved', (e) => e.message);
  check(null, {
    'set OK, get the value': () => set === 'OK' && name === 'tenant-a',
    'get of a missing key rejects': () => missing.startsWith('rejected'),
    'incr and expire': () => counter === 2 && expired === true && ttl > 60 && ttl <= 120,
    'hset/hget, lpush/rpop, sadd/smembers': () => plan === 'gold' && popped === 'first' && members.join() === 'x,y',
    'exists counts, del deletes': () => exists === 2 && deleted === 1,
    'sendCommand returns the reply, a server error rejects': () => strlen === 0 && wrongType.startsWith('WRONGTYPE'),
  });
  // Not awaited: the iteration still waits for it, as k6's event loop does.
  client.set(p + 'late', 'set-after-return');
}
`,
      { REDIS_URL, PREFIX: prefix },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(Object.keys(run.checks).length, 6, JSON.stringify(run.checks));
    assert.deepEqual(run.failed, [], run.stderr);
    assert.equal(await admin.command(['GET', `${prefix}kept`]), 'from-k6');
    assert.equal(await admin.command(['GET', `${prefix}late`]), 'set-after-return');
    assert.equal(await admin.command(['EXISTS', `${prefix}name`]), 0);
    assert.deepEqual(await admin.command(['LRANGE', `${prefix}list`, 0, -1]), ['second']);
  });
});
