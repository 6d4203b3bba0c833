import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexSaver } from '../../src/backup/fleet/index-saver.ts';
import type { RunIndex, RunTenant } from '../../src/backup/fleet/run-index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function emptyIndex(): RunIndex {
  return { runId: 'r', finishedAt: null, tenants: [] } as unknown as RunIndex;
}

describe('IndexSaver (the run index, rewritten whole, at most once per interval)', () => {
  it('coalesces a burst of tenants into few writes, in order, the last holding every line', async () => {
    const index = emptyIndex();
    const writes: RunIndex[] = [];
    const saver = new IndexSaver(index, async (copy) => void writes.push(copy), 200);
    await saver.now();
    for (let i = 0; i < 50; i++) {
      index.tenants.push({ tenant: String(i) } as RunTenant);
      saver.soon();
      await sleep(2);
    }
    await saver.flush();
    assert.ok(writes.length <= 4, `${writes.length} writes for 50 tenants`);
    assert.equal(writes.at(-1)!.tenants.length, 50);
    const counts = writes.map((w) => w.tenants.length);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'writes land in the order asked',
    );
  });

  it('writes a copy: lines added after the request are not in that write', async () => {
    const index = emptyIndex();
    const writes: RunIndex[] = [];
    const saver = new IndexSaver(index, async (copy) => {
      await sleep(20);
      writes.push(copy);
    });
    const first = saver.now();
    index.tenants.push({ tenant: '1' } as RunTenant);
    await first;
    assert.equal(writes[0]!.tenants.length, 0);
    await saver.flush();
    assert.equal(writes.at(-1)!.tenants.length, 1);
  });

  it('a failed background write is thrown by flush', async () => {
    let n = 0;
    const saver = new IndexSaver(emptyIndex(), async () => {
      if (++n === 1) throw new Error('disk full');
    });
    saver.soon();
    await sleep(10);
    await assert.rejects(saver.flush(), /disk full/);
  });
});
