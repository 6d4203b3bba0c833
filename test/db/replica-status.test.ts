import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaStatusFromRows } from '../../src/db/mysql/mysql-replica-status.ts';
import { recoveryStatus } from '../../src/db/postgres/postgres-replica-status.ts';

const mariadb = (sbm: number | null, io = 'Yes', sqlThread = 'Yes') => ({
  Slave_IO_Running: io,
  Slave_SQL_Running: sqlThread,
  Seconds_Behind_Master: sbm,
});

test('MariaDB: no SHOW REPLICA STATUS row means the server is not a replica', () => {
  assert.deepEqual(replicaStatusFromRows([]), { replica: false });
});

test('MariaDB: both threads running gives Seconds_Behind_Master as the lag', () => {
  const s = replicaStatusFromRows([mariadb(3)]);
  assert.ok(s.replica);
  assert.equal(s.lagSeconds, 3);
});

test('MariaDB: a stopped SQL or IO thread makes the lag unknown, whatever Seconds_Behind_Master says', () => {
  for (const row of [mariadb(null, 'Yes', 'No'), mariadb(0, 'Connecting', 'Yes'), mariadb(null)]) {
    const s = replicaStatusFromRows([row]);
    assert.ok(s.replica);
    assert.equal(s.lagSeconds, null, JSON.stringify(row));
  }
  const s = replicaStatusFromRows([mariadb(null, 'Yes', 'No')]);
  assert.ok(s.replica && /SQL thread running: No/.test(s.detail));
});

test("MySQL 8's renamed columns are read too", () => {
  const s = replicaStatusFromRows([
    { Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: 7 },
  ]);
  assert.ok(s.replica);
  assert.equal(s.lagSeconds, 7);
});

test('with several sources the worst counts, and one unknown makes the whole unknown', () => {
  const worst = replicaStatusFromRows([mariadb(1), mariadb(9), mariadb(4)]);
  assert.ok(worst.replica);
  assert.equal(worst.lagSeconds, 9);
  const unknown = replicaStatusFromRows([mariadb(1), mariadb(null, 'Yes', 'No')]);
  assert.ok(unknown.replica);
  assert.equal(unknown.lagSeconds, null);
});

const standby = (o: Partial<Parameters<typeof recoveryStatus>[0]>) =>
  recoveryStatus({
    paused: false,
    caught_up: true,
    since_replay: 120,
    receivers: 1,
    receiver_status: 'streaming',
    ...o,
  });

test('PostgreSQL: a streaming standby that replayed all it received is caught up, however old its last commit', () => {
  const s = standby({});
  assert.ok(s.replica);
  assert.equal(s.lagSeconds, 0);
  // Roles without pg_read_all_stats see the receiver's row with a NULL status: still streaming.
  const hidden = standby({ receiver_status: null });
  assert.ok(hidden.replica);
  assert.equal(hidden.lagSeconds, 0);
});

test('PostgreSQL: replay behind what was received, or no WAL receiver, gives the age of the last replayed commit', () => {
  const behind = standby({ caught_up: false, since_replay: 2.5 });
  assert.ok(behind.replica);
  assert.equal(behind.lagSeconds, 2.5);
  const cutOff = standby({ receivers: 0, receiver_status: null, caught_up: null, since_replay: '40' });
  assert.ok(cutOff.replica);
  assert.equal(cutOff.lagSeconds, 40);
  assert.match(cutOff.detail, /no WAL streaming/);
});

test('PostgreSQL: paused replay, or nothing replayed yet, is unknown lag', () => {
  for (const s of [standby({ paused: true }), standby({ caught_up: false, since_replay: null })]) {
    assert.ok(s.replica);
    assert.equal(s.lagSeconds, null);
  }
});
