// npm run lab:phase3 -- [--short] [--out DIR]
//
// Starts a phase-3 topology on this machine (MariaDB primary + GTID replica, two `tenantops serve` nodes, HAProxy,
// mysqld_exporter per database, Prometheus with the project's rules), runs the five checks described in docs/lab.md against
// it, writes DIR/summary.json, prints a table and tears everything down, also when interrupted.
// Exit 0 only if every check holds; 1 if one does not; 2 for a usage error or a missing tool.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MYSQLD_EXPORTER } from '../src/lab/mysqld-exporter.ts';
import { renderTable, runPhase3Lab } from '../src/lab/run-phase3-lab.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run lab:phase3 -- [--short] [--out DIR]
  --short      small load (smoke profile), under 5 minutes; what CI runs
  --out DIR    where summary.json and the load reports go (default reports/phase3)
  -h, --help   this text

Needs (Debian packages): mariadb-server (mariadbd, mariadb-install-db), haproxy, prometheus,
prometheus-mysqld-exporter. Starts its own MariaDB pair on free loopback ports; the machine's MariaDB is not touched.`;

function usage(message: string): never {
  process.stderr.write(`lab:phase3: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The first missing tool, with the Debian package that has it. */
function missingTool(): string | null {
  const tools: [string, string[], string][] = [
    ['/usr/sbin/mariadbd', ['--version'], 'mariadb-server'],
    ['mariadb-install-db', ['--help'], 'mariadb-server'],
    ['haproxy', ['-v'], 'haproxy'],
    ['prometheus', ['--version'], 'prometheus'],
    [MYSQLD_EXPORTER, ['--version'], 'prometheus-mysqld-exporter'],
  ];
  for (const [cmd, args, pkg] of tools) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.error || (cmd.startsWith('/') && !existsSync(cmd))) return `${cmd} not runnable; install Debian's ${pkg}`;
  }
  return null;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        short: { type: 'boolean', default: false },
        out: { type: 'string', default: 'reports/phase3' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const missing = missingTool();
  if (missing) {
    process.stderr.write(`lab:phase3: ${missing}\n`);
    return 2;
  }
  const outDir = resolve(process.cwd(), values.out);
  const summary = await runPhase3Lab({ root: ROOT, outDir, short: values.short });
  process.stdout.write(`\n${renderTable(summary.checks)}\n\n`);
  const rel = relative(process.cwd(), outDir);
  process.stdout.write(
    `${summary.ok ? 'every check held' : 'some checks did not hold'} (${summary.durationS} s); ` +
      `${rel.startsWith('..') ? outDir : rel}/summary.json\n`,
  );
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lab:phase3: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
