import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MULTI_TENANT_SCRIPT = 'tests/performance/multi_tenant_load_test.js';
export const CLASSIC_SCRIPT = 'tests/performance/load_test.js';

/** A metric in k6's --summary-export file; each threshold maps to true when it FAILED (k6's format). */
export interface ExportMetric {
  thresholds?: Record<string, boolean>;
  [stat: string]: unknown;
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The --summary-export file. */
  exported: { metrics: Record<string, ExportMetric> };
  /** What handleSummary() wrote: { report, k6 }. */
  summary: { report: Record<string, unknown>; k6: unknown } | null;
  /** --out json= points, when asked for. */
  points: { type: string; metric: string; data: { value: number; tags: Record<string, string> } }[];
  /** The report directory (removed by cleanup()). */
  dir: string;
  cleanup(): void;
}

/**
 * Runs `tenantops load SCRIPT` in a child process, the way CI and users do, with a hard time bound (a load test
 * must stop by itself, and a test must not hang on one that does not).
 */
export async function runLoadScript(
  script: string,
  env: Record<string, string>,
  { json = false, timeoutMs = 120_000 }: { json?: boolean; timeoutMs?: number } = {},
): Promise<ScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-loadtest-'));
  const args = [join(ROOT, 'bin/tenantops'), 'load', script, '--quiet', '--summary-export', join(dir, 'export.json')];
  if (json) args.push('--out', `json=${join(dir, 'points.ndjson')}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, REPORT_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const read = (f: string): string | null => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : null);
  const exportedText = read('export.json');
  if (exportedText === null) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${script} wrote no summary export (exit ${code}):\n${stderr.slice(-3000)}`);
  }
  const stem = script.includes('multi_tenant') ? 'multi_tenant' : 'load_test';
  const summaryText = read(`${stem}_summary.json`);
  const points = (read('points.ndjson') ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ScriptRun['points'][number])
    .filter((p) => p.type === 'Point');
  return {
    code,
    stdout,
    stderr,
    exported: JSON.parse(exportedText) as ScriptRun['exported'],
    summary: summaryText === null ? null : (JSON.parse(summaryText) as ScriptRun['summary']),
    points,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Threshold verdicts from the export as "metric: expression" → passed. */
export function thresholdVerdicts(run: ScriptRun): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const [metric, m] of Object.entries(run.exported.metrics)) {
    for (const [expr, failed] of Object.entries(m.thresholds ?? {})) out.set(`${metric}: ${expr}`, !failed);
  }
  return out;
}
