import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from './lab-check.ts';

export interface LabSummary {
  checks: CheckResult[];
  ok: boolean;
  mode: 'short' | 'full';
  startedAt: string;
  durationS: number;
  machine: { cpus: number; node: string };
  /** How the lab differs from production, so figures are read right (scaled rule durations…). */
  conditions: string[];
}

/** Writes summary.json atomically (temp file, rename): a reader never sees half a file. */
export function writeSummary(dir: string, s: LabSummary): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'summary.json');
  writeFileSync(`${file}.partial`, JSON.stringify(s, null, 2) + '\n');
  renameSync(`${file}.partial`, file);
  return file;
}
