#!/usr/bin/env node
// Compiles src/ to dist/ (tsc, one .js per .ts, imports rewritten), so the CLI runs plain JavaScript and pays no
// TypeScript loader at start-up. `npm ci` runs it (prepare). bin/tenantops falls back to the sources through tsx
// when dist/ is missing or older than any source file, so a stale build is never run.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync('dist/.built', new Date().toISOString() + '\n');
