// Stand-in for https://jslib.k6.io/k6-utils/<version>/index.js, shipped so scripts run offline.
// Behaviour follows https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/
import { check as k6check } from 'k6';
import { randomBytes } from 'k6/crypto';
import exec from 'k6/execution';

/** A random integer in [min, max], both included. */
export function randomIntBetween(min: number, max: number): number {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

export function randomItem<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

export function randomString(length: number, charset = 'abcdefghijklmnopqrstuvwxyz'): string {
  let out = '';
  for (let i = 0; i < length; i++) out += charset[Math.floor(Math.random() * charset.length)];
  return out;
}

/** A version 4 UUID; `secure` draws the bytes from k6/crypto instead of Math.random. */
export function uuidv4(secure = false): string {
  const bytes = secure
    ? new Uint8Array(randomBytes(16))
    : Uint8Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The text between left and right: the first match, or with repeat every match in order
 * (null when there is none).
 */
export function findBetween(content: string, left: string, right: string, repeat = false): string | string[] | null {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const start = content.indexOf(left, from);
    if (start < 0) break;
    const end = content.indexOf(right, start + left.length);
    if (end < 0) break;
    const match = content.slice(start + left.length, end);
    if (!repeat) return match;
    found.push(match);
    from = end + right.length;
  }
  return found.length ? found : null;
}

/**
 * Stages whose targets follow a normal curve peaking at maxVus: a first and last stage of a
 * sixth of the duration each, and numberOfStages stages sharing the middle two thirds.
 */
export function normalDistributionStages(
  maxVus: number,
  durationSeconds: number,
  numberOfStages = 10,
): { duration: string; target: number }[] {
  const density = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const curve = Array.from({ length: numberOfStages + 2 }, (_, i) =>
    i <= numberOfStages ? density(-2 + (4 * i) / numberOfStages) : 0,
  );
  const peak = Math.max(...curve);
  const edge = Math.ceil(durationSeconds / 6);
  const middle = Math.ceil((4 * durationSeconds) / (6 * numberOfStages));
  return curve.map((c, i) => ({
    duration: `${i === 0 || i === numberOfStages + 1 ? edge : middle}s`,
    target: Math.round((c * maxVus) / peak),
  }));
}

/** A duration such as "1m30s" or "250ms" in milliseconds; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  if (!text) throw new Error('str is empty');
  const units: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  const seen = new Set<string>();
  const re = /(\d+(?:\.\d+)?)(ms|d|h|m|s)?/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (m = re.exec(text))) {
    at = re.lastIndex;
    const unit = m[2];
    if (!unit) {
      total += Number(m[1]);
      continue;
    }
    if (seen.has(unit)) throw new Error(`${unit} time unit is provided multiple times`);
    seen.add(unit);
    total += unit === 'ms' ? Math.trunc(Number(m[1])) : Number(m[1]) * units[unit];
  }
  if (at < text.length) throw new Error(`${text[at]} is an unsupported time unit`);
  return total;
}

/** The index of the stage the current scenario (ramping-vus or ramping-arrival-rate) is in. */
export function getCurrentStageIndex(): number {
  const scenario = exec.test.options.scenarios[exec.scenario.name];
  if (!scenario)
    throw new Error(`the exec.test.options object doesn't contain the current scenario ${exec.scenario.name}`);
  const stages = scenario.stages;
  if (!stages) throw new Error('only ramping-vus or ramping-arrival-rate supports stages');
  if (!stages.length) throw new Error(`the current scenario ${exec.scenario.name} doesn't contain any stage`);
  const elapsed = Date.now() - exec.scenario.startTime;
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += parseDuration(stages[i].duration);
    if (elapsed < end) return i;
  }
  return stages.length - 1;
}

export function tagWithCurrentStageIndex(): void {
  exec.vu.tags.stage = getCurrentStageIndex();
}

export function tagWithCurrentStageProfile(): void {
  const i = getCurrentStageIndex();
  const stages = exec.test.options.scenarios[exec.scenario.name].stages ?? [];
  let profile = 'ramp-up';
  if (i > 0) {
    const [prev, cur] = [stages[i - 1].target, stages[i].target];
    profile = cur > prev ? 'ramp-up' : cur === prev ? 'steady' : 'ramp-down';
  }
  exec.vu.tags.stage_profile = profile;
}

type Checker = ((value: unknown) => unknown) | unknown;

/**
 * k6's check() that also accepts promises: a promised value or checker result is awaited,
 * and the checks are recorded once everything is settled.
 */
export function check(
  value: unknown,
  checkers: Record<string, Checker>,
  tags?: Record<string, string>,
): boolean | Promise<boolean> {
  if (value instanceof Promise) return value.then((v) => check(v, checkers, tags));
  const results = Object.entries(checkers).map(([name, c]) => [name, typeof c === 'function' ? c(value) : c] as const);
  const record = (settled: (readonly [string, unknown])[]) =>
    settled.map(([name, ok]) => k6check(value, { [name]: () => ok }, tags)).every(Boolean);
  if (results.some(([, r]) => r instanceof Promise)) {
    return Promise.all(results.map(async ([name, r]) => [name, await r] as const)).then(record);
  }
  return record(results);
}
