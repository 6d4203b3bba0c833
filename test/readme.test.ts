import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../src/cli/commands.ts';
import { globalOptions } from '../src/cli/common-options.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Shell lines of every ```sh block, comments and continuation-free. */
function shellLines(): string[] {
  const out: string[] = [];
  for (const m of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of m[1]!.split('\n')) {
      const code = line.replace(/\s+#.*$/, '').trim();
      if (code) out.push(code);
    }
  }
  return out;
}

/** Each `tenantops …` invocation in a line, as argv (env assignments and `npm ci &&` stripped). */
function invocations(line: string): string[][] {
  return line
    .split(/&&|\|/)
    .map((part) => part.trim().replace(/&$/, '').trim().split(/\s+/))
    .map((words) => {
      while (words.length && /^[A-Z_]+=/.test(words[0]!)) words.shift();
      return words;
    })
    .filter((w) => w[0] === 'tenantops' || w[0] === './bin/tenantops')
    .map((w) => w.slice(1));
}

test('the README starts with exactly the two set-up commands', () => {
  const first = /```sh\n([\s\S]*?)```/.exec(README)![1]!.trim().split('\n');
  assert.equal(first.length, 2);
  assert.match(first[0]!, /^npm ci && \.\/bin\/tenantops demo\b/);
  assert.match(first[1]!, /^npm ci && npm test\b/);
});

test('every tenantops command and flag in the README exists', () => {
  const calls = shellLines().flatMap(invocations);
  assert.ok(calls.length >= 12, `found only ${calls.length} invocations: the parser missed the README`);
  for (const argv of calls) {
    const two = `${argv[0]} ${argv[1]}`;
    const cmd = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
    assert.ok(cmd, `README uses unknown command: tenantops ${argv.join(' ')}`);
    for (const a of argv.filter((x) => x.startsWith('--'))) {
      const flag = a.slice(2).split('=')[0]!;
      const known = flag in cmd.options || flag in globalOptions || cmd.usage.includes(`--${flag}`);
      assert.ok(known, `README: tenantops ${cmd.name} has no --${flag}`);
    }
  }
});

test('the README commands that need no external server work as written', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-readme-'));
  try {
    const demo = spawnSync(process.execPath, [join(ROOT, 'bin/tenantops'), 'demo', '--dir', dir], {
      encoding: 'utf8',
      cwd: dir,
    });
    assert.equal(demo.status, 0, demo.stderr.slice(-2000));
    assert.match(demo.stdout, /byte-identical/);
    assert.match(demo.stdout, /kept its change/);
    assert.match(demo.stdout, /every step verified/);
    for (const line of shellLines().filter((l) => l.startsWith('promtool '))) {
      const which = spawnSync('sh', ['-c', 'command -v promtool']);
      if (which.status !== 0) {
        assert.ok(process.env.TENANTOPS_REQUIRE_SERVERS !== '1', 'promtool is required in CI');
        continue;
      }
      const r = spawnSync('sh', ['-c', line], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
