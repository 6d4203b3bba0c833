import type { Writable } from 'node:stream';

/**
 * Progress on stderr: a redrawn bar with rows/s and ETA on a TTY, plain lines (at most one per second) otherwise,
 * so logs stay readable.
 */
export function progressReporter(stream: Writable & { isTTY?: boolean }, label: string, unit = 'rows') {
  const start = Date.now();
  let lastPlain = 0;
  return {
    update(done: number, total: number): void {
      const secs = Math.max(0.001, (Date.now() - start) / 1000);
      const rate = Math.round(done / secs);
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      const eta = rate > 0 && total > done ? Math.ceil((total - done) / rate) : 0;
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((pct / 100) * width);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done}/${total} ${unit} ${rate} ${unit}/s ETA ${eta}s `,
        );
      } else if (Date.now() - lastPlain >= 1000 || done >= total) {
        lastPlain = Date.now();
        stream.write(`${label}: ${done}/${total} ${unit} (${pct}%, ${rate} ${unit}/s)\n`);
      }
    },
    done(): void {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
