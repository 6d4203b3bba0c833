import type { Writable } from 'node:stream';

export interface Progress {
  /** The phase's name, shown with every figure ('' for a single-phase job). */
  phase: string;
  done: number;
  total: number;
  unit: string;
}

const PLAIN_EVERY_MS = 5000;
// A job shorter than this prints nothing in a log; a longer one names each phase as it starts, so a log shows
// where a slow restore spent its time even when a phase ends between two periodic lines.
const PLAIN_QUIET_MS = 2000;

function amount(n: number, unit: string): string {
  return unit === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : `${n} ${unit}`;
}

/**
 * Progress on stderr. On a TTY a bar redrawn in place: phase, percentage, done/total, rate and ETA. Otherwise a
 * plain line every few seconds, with the same figures, so a log shows a long job moving without filling up, and
 * once the job has run a moment, a line as each later phase starts. `clock` is for tests.
 */
export function progressReporter(
  stream: Writable & { isTTY?: boolean },
  label: string,
  clock: () => number = Date.now,
) {
  let phase: string | null = null;
  const began = clock();
  let start = began;
  let lastPlain = began;
  let drawn = false;
  return {
    update(p: Progress): void {
      const now = clock();
      if (p.phase !== phase) {
        const first = phase === null;
        phase = p.phase;
        // The first phase began with the job: its first figure can come late (db seed's after several tenants).
        start = first ? began : now;
        // A phase with nothing to do (no rows to write) gets no line; a single step ('tables' of 1) no amount.
        if (!stream.isTTY && !first && p.total > 0 && now - began >= PLAIN_QUIET_MS) {
          lastPlain = now;
          const what = p.unit === 'tables' ? '' : `, ${amount(p.total, p.unit)}`;
          stream.write(`${label} ${p.phase}: started${what}\n`);
          return;
        }
      }
      const secs = Math.max(0.001, (now - start) / 1000);
      const rate = p.done / secs;
      const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100;
      const eta = rate > 0 && p.total > p.done ? `ETA ${Math.ceil((p.total - p.done) / rate)} s` : '';
      const name = p.phase ? `${label} ${p.phase}` : label;
      const figures = `${pct}% ${amount(p.done, p.unit)} of ${amount(p.total, p.unit)}, ${amount(Math.round(rate), p.unit)}/s ${eta}`;
      if (stream.isTTY) {
        const width = 20;
        const filled = Math.round((pct / 100) * width);
        stream.write(`\r${name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${figures}\u001b[K`);
        drawn = true;
      } else if (now - lastPlain >= PLAIN_EVERY_MS) {
        lastPlain = now;
        stream.write(`${name}: ${figures.trim()}\n`);
      }
    },
    /** Ends the bar's line on a TTY. */
    done(): void {
      if (stream.isTTY && drawn) stream.write('\r\u001b[K');
    },
  };
}
