import type { Tags } from './protocol.ts';

/**
 * A thread's samples on their way to the main thread: numbers in one Float64Array, metric names
 * and tag sets sent once each and referred to by id afterwards. Structured-cloning an array of
 * [name, value, tags, time] tuples copied every tag object and every string of every sample, on
 * the VU thread and again on the main thread; this is most of a shared thread's shipping cost.
 */
export interface SampleBatchMessage {
  /** Records of [names id, tags id, time, one value per name], back to back. */
  data: Float64Array;
  /** Names lists first seen in this batch, ids continuing the reader's table. */
  names: (readonly string[])[];
  /** Tag sets first seen in this batch, ids continuing the reader's table. */
  tags: Tags[];
  /** The reader forgets its tag sets before reading this batch (the writer's table grew too large). */
  reset: boolean;
}

/**
 * Distinct tag sets kept before the table starts again: a script that tags every request with a
 * unique URL and no name tag would otherwise grow both sides' tables for the whole run.
 */
const MAX_TAG_SETS = 4096;

/** The VU thread's side: collects samples until take(). */
export class SampleBatch {
  private data = new Float64Array(4096);
  private used = 0;
  private records = 0;
  private readonly nameIds = new Map<string | readonly string[], number>();
  private readonly tagIds = new Map<string, number>();
  private newNames: (readonly string[])[] = [];
  private newTags: Tags[] = [];
  private resetNext = false;

  /** Records since the last take(). */
  get length(): number {
    return this.records;
  }

  add(name: string, value: number, tags: Tags, time: number): void {
    const at = this.record(name, 1, tags, time);
    this.data[at] = value;
  }

  /** Samples that share tags and time (an HTTP hop's metrics); names is expected to be a constant list. */
  addMany(names: readonly string[], values: readonly number[], tags: Tags, time: number): void {
    const at = this.record(names, names.length, tags, time);
    for (let i = 0; i < names.length; i++) this.data[at + i] = values[i];
  }

  /** Everything since the last take(), or undefined when there is nothing. */
  take(): SampleBatchMessage | undefined {
    if (!this.records) return undefined;
    const message: SampleBatchMessage = {
      data: this.data.slice(0, this.used),
      names: this.newNames,
      tags: this.newTags,
      reset: this.resetNext,
    };
    this.used = 0;
    this.records = 0;
    this.newNames = [];
    this.newTags = [];
    this.resetNext = false;
    // Ids stay valid within a batch: the table starts again only between two batches.
    if (this.tagIds.size >= MAX_TAG_SETS) {
      this.tagIds.clear();
      this.resetNext = true;
    }
    return message;
  }

  /** Writes a record's header; returns where its values go. */
  private record(names: string | readonly string[], count: number, tags: Tags, time: number): number {
    if (this.used + 3 + count > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2 + count);
      bigger.set(this.data.subarray(0, this.used));
      this.data = bigger;
    }
    const at = this.used;
    this.data[at] = this.namesId(names);
    this.data[at + 1] = this.tagsId(tags);
    this.data[at + 2] = time;
    this.used = at + 3 + count;
    this.records++;
    return at + 3;
  }

  private namesId(names: string | readonly string[]): number {
    let id = this.nameIds.get(names);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(names, id);
      this.newNames.push(typeof names === 'string' ? [names] : names);
    }
    return id;
  }

  private tagsId(tags: Tags): number {
    // Length-prefixed pairs name the set whatever the strings hold; insertion order is part of the
    // key, which costs at most a duplicate entry (the engine builds its tags in one order).
    let key = '';
    for (const k in tags) {
      const v = tags[k];
      key += `${k.length}:${k}${v.length}:${v}`;
    }
    let id = this.tagIds.get(key);
    if (id === undefined) {
      id = this.tagIds.size;
      this.tagIds.set(key, id);
      // A copy: the caller may change its object after this sample.
      const copy: Tags = {};
      for (const k in tags) copy[k] = tags[k];
      this.newTags.push(copy);
    }
    return id;
  }
}

/** The main thread's side: one reader per sending thread, fed its batches in order. */
export class SampleBatchReader {
  private readonly names: (readonly string[])[] = [];
  private tags: Tags[] = [];

  read(m: SampleBatchMessage, add: (name: string, value: number, tags: Tags, time: number) => void): void {
    if (m.reset) this.tags = [];
    for (const n of m.names) this.names.push(n);
    for (const t of m.tags) this.tags.push(t);
    const d = m.data;
    for (let at = 0; at < d.length;) {
      const names = this.names[d[at]];
      const tags = this.tags[d[at + 1]];
      const time = d[at + 2];
      at += 3;
      for (let i = 0; i < names.length; i++) add(names[i], d[at + i], tags, time);
      at += names.length;
    }
  }
}
