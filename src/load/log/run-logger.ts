import type { Writable } from 'node:stream';
import type { Clock } from '../executors/clock.ts';
import { formatLogLine, type LogLevel } from './format-log-line.ts';

export interface RunLoggerOptions {
  out: Writable & { isTTY?: boolean };
  clock: Clock;
  /** --verbose: debug lines (console.debug included) are printed, as with k6's -v. */
  verbose?: boolean;
  /** NO_COLOR: logfmt lines even on a terminal, as logrus writes them with its colours disabled. */
  noColor?: boolean;
}

/**
 * The run's log on stderr, in k6's format (log/format-log-line.ts): coloured `INFO[0003]` lines on a
 * terminal, logfmt lines otherwise. Debug lines appear only with --verbose, as k6 sets its logger to
 * the info level unless -v is given. https://grafana.com/docs/k6/latest/reference/k6-options/reference/#verbose
 */
export class RunLogger {
  private readonly start: number;

  constructor(private readonly o: RunLoggerOptions) {
    this.start = o.clock.now();
  }

  log(level: LogLevel, message: string, fields?: Record<string, string>): void {
    if (level === 'debug' && !this.o.verbose) return;
    const now = this.o.clock.now();
    const entry = { level, message, fields, seconds: (now - this.start) / 1000, time: this.o.clock.wall() };
    this.o.out.write(`${formatLogLine(entry, Boolean(this.o.out.isTTY) && !this.o.noColor)}\n`);
  }

  debug(message: string, fields?: Record<string, string>): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: Record<string, string>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, string>): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Record<string, string>): void {
    this.log('error', message, fields);
  }
}
