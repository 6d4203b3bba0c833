import type { BulkValue } from '../db.ts';

/** The slice of mysql2's callback-API connection this reader uses. */
export interface RawRowConnection {
  query(o: { sql: string; values: unknown[]; rowsAsArray: boolean }): RowEvents;
  pause(): void;
  resume(): void;
}

interface RowEvents {
  on(event: 'result', fn: (row: BulkValue[]) => void): RowEvents;
  on(event: 'error', fn: (e: unknown) => void): RowEvents;
  on(event: 'end', fn: () => void): RowEvents;
}

/**
 * The rows of a query as arrays of its select list's values, `batchSize` at a time, from mysql2's row events
 * (`rowsAsArray`: no object per row, no per-row async iteration as the Readable row stream has). Two batches at
 * most wait here: past that the socket is paused until the consumer catches up, so memory stays bounded.
 */
export async function* streamRowArrays(
  raw: RawRowConnection,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
): AsyncIterable<BulkValue[][]> {
  const ready: BulkValue[][][] = [];
  let batch: BulkValue[][] = [];
  let ended = false;
  let failure: { e: unknown } | null = null;
  let paused = false;
  let dropping = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  raw
    .query({ sql, values: params as unknown[], rowsAsArray: true })
    .on('result', (row) => {
      if (dropping) return;
      batch.push(row);
      if (batch.length < batchSize) return;
      ready.push(batch);
      batch = [];
      if (ready.length >= 2 && !paused) {
        paused = true;
        raw.pause();
      }
      notify();
    })
    .on('error', (e) => {
      failure = { e };
      notify();
    })
    .on('end', () => {
      if (batch.length) ready.push(batch);
      batch = [];
      ended = true;
      notify();
    });
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        if (paused && ready.length < 2) {
          paused = false;
          raw.resume();
        }
        yield next;
        continue;
      }
      if (failure) throw (failure as { e: unknown }).e;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    // A consumer that stopped early: the connection answers nothing else until this result set has been read.
    if (!ended && !failure) {
      dropping = true;
      ready.length = 0;
      batch = [];
      if (paused) raw.resume();
      while (!ended && !failure) await new Promise<void>((r) => (wake = r));
    }
  }
}
