export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields?: Record<string, string>;
  /** Whole seconds since the run started: the [0012] of a terminal line. */
  seconds: number;
  /** Wall-clock epoch ms, for the time="…" of a plain line. */
  time: number;
}

// logrus's level names and colours (gray, blue, yellow, red), which k6 prints through.
const NAMES: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };
const COLORS: Record<LogLevel, number> = { debug: 37, info: 36, warn: 33, error: 31 };

/**
 * One log line as k6 writes it with logrus's text formatter. On a terminal:
 * `WARN[0003] Request Failed                                error="…"`, the level coloured, the message
 * padded to 44 columns, fields sorted by name. Elsewhere (CI logs, files):
 * `time="2025-01-01T10:00:03Z" level=warning msg="Request Failed" error="…"`.
 * https://grafana.com/docs/k6/latest/reference/k6-options/reference/#log-format
 */
export function formatLogLine(entry: LogEntry, terminal: boolean): string {
  const keys = Object.keys(entry.fields ?? {}).sort();
  const fields = entry.fields ?? {};
  if (terminal) {
    const color = COLORS[entry.level];
    const level = NAMES[entry.level].toUpperCase().slice(0, 4);
    const seconds = String(Math.max(0, Math.floor(entry.seconds))).padStart(4, '0');
    const message = entry.message.replace(/\n$/, '').padEnd(44);
    let line = `\x1b[${color}m${level}\x1b[0m[${seconds}] ${message} `;
    for (const k of keys) line += ` \x1b[${color}m${k}\x1b[0m=${logfmtValue(fields[k])}`;
    return line;
  }
  const parts = [
    `time=${logfmtValue(rfc3339(entry.time))}`,
    `level=${NAMES[entry.level]}`,
    `msg=${logfmtValue(entry.message)}`,
    ...keys.map((k) => `${k}=${logfmtValue(fields[k])}`),
  ];
  return parts.join(' ');
}

/** logrus quotes a value (with Go's %q) unless it is only letters, digits and `-._/@^+`. */
export function logfmtValue(value: string): string {
  return /^[A-Za-z0-9\-._/@^+]*$/.test(value) ? value : goQuote(value);
}

/** Go's strconv.Quote: C-style escapes for control characters, printable Unicode kept as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** RFC 3339 in local time with its offset, as Go's time.RFC3339 prints it. */
function rfc3339(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const zone =
    offset === 0
      ? 'Z'
      : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`
  );
}
