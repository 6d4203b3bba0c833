import { percentile } from './percentile.ts';

/**
 * Keeps every value, like k6's TrendSink, so percentiles are exact rather than estimated.
 * A Float64Array that doubles keeps memory at 8 bytes a sample and sorts natively.
 */
export class TrendSink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private values = new Float64Array(1024);
  private sorted = true;

  add(v: number): void {
    if (this.count === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.count++] = v;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sorted = false;
  }

  /** p in 0..1. */
  p(p: number): number {
    if (!this.sorted) {
      this.values.subarray(0, this.count).sort();
      this.sorted = true;
    }
    return percentile(this.values.subarray(0, this.count), p);
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}
