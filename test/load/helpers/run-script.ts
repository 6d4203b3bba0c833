import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

interface Group {
  groups: Record<string, Group>;
  checks: Record<string, { passes: number; fails: number }>;
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every check of the run by name, from the summary export. */
  checks: Record<string, { passes: number; fails: number }>;
  /** Checks that failed at least once. */
  failed: string[];
  metrics: Record<string, Record<string, number>>;
}

/**
 * Runs an inline k6 script with `tenantops load` in a temporary directory (removed afterwards)
 * and returns its exit code, output and checks. Extra files go beside the script.
 */
export async function runScript(
  source: string,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  args: string[] = [],
): Promise<ScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-k6-'));
  try {
    const script = join(dir, 'script.js');
    writeFileSync(script, source);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const exportFile = join(dir, 'summary.json');
    const run = await runCli([script, '--quiet', '--summary-export', exportFile, ...args], env, dir);
    let checks: ScriptRun['checks'] = {};
    let metrics: ScriptRun['metrics'] = {};
    try {
      const s = JSON.parse(readFileSync(exportFile, 'utf8')) as { root_group: Group; metrics: ScriptRun['metrics'] };
      metrics = s.metrics;
      const walk = (g: Group) => {
        Object.assign(checks, g.checks);
        Object.values(g.groups).forEach(walk);
      };
      walk(s.root_group);
    } catch {
      checks = {};
    }
    const failed = Object.entries(checks)
      .filter(([, c]) => c.fails > 0)
      .map(([name]) => name);
    return { ...run, checks, failed, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The messages of a run's console lines (k6's logfmt `msg="…"`, escapes kept), in order. */
export const consoleLines = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.includes('source=console'))
    .map((l) => /msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1] ?? l);
