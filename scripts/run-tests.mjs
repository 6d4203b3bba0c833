#!/usr/bin/env node
// Runs the test files one at a time (the suites share real database servers and a 2-core machine), each in its
// own `node --test`, and prints one line per file with its time, so a 10-minute run shows where it is.
// Each file gets its own empty TMPDIR; whatever it leaves there is listed and fails the file: every test removes
// what it creates. Node 20's `--test` does not expand globs, so the files are found here.
// `node scripts/run-tests.mjs backup cli` runs the files whose path contains `backup` or `cli`.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...walk('src', []), ...walk('test', [])].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));

const root = mkdtempSync(join(tmpdir(), 'tenantops-tests-'));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function runFile(file, tmp) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
      stdio: 'inherit',
      env: { ...process.env, TMPDIR: tmp },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// Ctrl-C reaches the child too (same process group); the temp root goes either way.
process.on('SIGINT', () => {
  rmSync(root, { recursive: true, force: true });
  process.exit(130);
});

// tsx keeps its transform cache in $TMPDIR/tsx-<uid>: every file shares one, as it would without a TMPDIR per file.
const tsxCache = `tsx-${process.getuid?.() ?? 0}`;
mkdirSync(join(root, 'shared', tsxCache), { recursive: true });

const results = [];
const t0 = Date.now();
for (const [i, file] of files.entries()) {
  const tmp = join(root, String(i));
  mkdirSync(tmp);
  symlinkSync(join(root, 'shared', tsxCache), join(tmp, tsxCache));
  const start = Date.now();
  const code = await runFile(file, tmp);
  const left = readdirSync(tmp).filter((n) => n !== tsxCache);
  const ok = code === 0 && left.length === 0;
  results.push({ file, ok, ms: Date.now() - start });
  const why =
    code !== 0 ? 'FAILED' : left.length ? `LEFT ${left.length} temp entries: ${left.slice(0, 5).join(', ')}` : 'ok';
  process.stdout.write(`\n[${i + 1}/${files.length}] ${file}  ${seconds(Date.now() - start)}  ${why}\n\n`);
}
rmSync(root, { recursive: true, force: true });

const failed = results.filter((r) => !r.ok);
process.stdout.write(`\n${results.length} files in ${seconds(Date.now() - t0)}; ${failed.length} failed\n`);
for (const r of [...results].sort((a, b) => b.ms - a.ms).slice(0, 5))
  process.stdout.write(`  slowest: ${r.file}  ${seconds(r.ms)}\n`);
for (const r of failed) process.stdout.write(`  FAILED: ${r.file}\n`);
process.exit(failed.length ? 1 : 0);
