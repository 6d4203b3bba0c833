// k6 provides these globals; @types/k6 declares the timers only as k6/timers exports, and console not at all.
// https://grafana.com/docs/k6/latest/javascript-api/k6-timers/
export {};

declare global {
  const console: {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  };
  const setTimeout: typeof import('k6/timers').setTimeout;
  const clearTimeout: typeof import('k6/timers').clearTimeout;
  const setInterval: typeof import('k6/timers').setInterval;
  const clearInterval: typeof import('k6/timers').clearInterval;
}
