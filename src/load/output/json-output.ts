import { createWriteStream, type WriteStream } from 'node:fs';
import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { Output } from './output.ts';

/**
 * `--out json=FILE`: k6's NDJSON, a "Metric" line the first time a metric is seen,
 * then one "Point" line per sample. Lines are batched to keep write() calls rare.
 */
export class JsonOutput implements Output {
  private readonly stream: WriteStream;
  private readonly seen = new Set<string>();
  private buffer: string[] = [];

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  sample = (metric: Metric, value: number, tags: Tags, time: number): void => {
    if (!this.seen.has(metric.name)) {
      this.seen.add(metric.name);
      const thresholds: string[] = [];
      const data = { name: metric.name, type: metric.type, contains: metric.contains, thresholds, submetrics: null };
      this.buffer.push(JSON.stringify({ type: 'Metric', data, metric: metric.name }));
    }
    const point = { type: 'Point', data: { time: new Date(time).toISOString(), value, tags }, metric: metric.name };
    this.buffer.push(JSON.stringify(point));
    if (this.buffer.length >= 2000) this.flush();
  };

  private flush(): void {
    if (!this.buffer.length) return;
    this.stream.write(`${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  stop(): Promise<void> {
    this.flush();
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(resolve);
    });
  }
}
