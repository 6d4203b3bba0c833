import { parseArgs } from 'node:util';
import type { Command, CliIo, OptionSpec } from './command.ts';
import { globalOptions } from './common-options.ts';
import { COMMANDS } from './commands.ts';
import { isTenantopsError, TenantopsError } from '../errors/index.ts';
import { redactUrl } from '../db/index.ts';
import { VERSION } from '../version.ts';

function defaultIo(): CliIo {
  // A reader that stops early (`| head`) closes the pipe: that ends the command quietly, as it does for cat.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: !!process.stdin.isTTY,
    env: process.env,
    cwd: process.cwd(),
  };
}

function optionLine(name: string, o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
  return `  ${flag.padEnd(34)} ${o.description}`;
}

export function commandHelp(c: Command): string {
  const opts: Record<string, OptionSpec> = { ...c.options, ...globalOptions };
  return [
    `Usage: tenantops ${c.usage}`,
    '',
    c.summary,
    '',
    'Options:',
    ...Object.entries(opts).map(([n, o]) => optionLine(n, o)),
    '',
  ].join('\n');
}

export function mainHelp(): string {
  const sections = new Map<string, Command[]>();
  for (const c of COMMANDS) sections.set(c.section, [...(sections.get(c.section) ?? []), c]);
  const lines = [
    `tenantops ${VERSION}: scaling infrastructure for shared-schema multi-tenant SaaS`,
    '',
    'Usage: tenantops <command> [options]',
    '',
  ];
  for (const [section, cmds] of sections) {
    lines.push(`${section}:`);
    for (const c of cmds) lines.push(`  ${c.name.padEnd(14)} ${c.summary}`);
    lines.push('');
  }
  lines.push(
    'Run `tenantops <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 failure, 2 usage/config error; others in docs/errors.md.',
    '',
  );
  return lines.join('\n');
}

/** The one place that turns errors into a message and an exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const debug = options.includes('--debug');
  // With --json, a script reading stdout gets JSON on failure too, unless the command already printed its result
  // (a backup --all-tenants with failed tenants prints the run, then fails).
  const json = options.includes('--json');
  let printed = false;
  const out = json ? watchedIo(io, () => (printed = true)) : io;
  try {
    return await dispatch(argv, out);
  } catch (e) {
    return report(e, io, debug, json && !printed);
  }
}

/** io whose stdout tells `onWrite` when something is written to it; everything else is the stream's own. */
function watchedIo(io: CliIo, onWrite: () => void): CliIo {
  const stdout = new Proxy(io.stdout, {
    get(target, prop) {
      if (prop === 'write')
        return (...args: Parameters<typeof target.write>) => {
          onWrite();
          return target.write(...args);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ...io, stdout };
}

function report(e: unknown, io: CliIo, debug: boolean, json: boolean): number {
  const err = isTenantopsError(e)
    ? e
    : new TenantopsError('TENANTOPS_E_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  io.stderr.write(`tenantops: ${redactUrl(err.message)} [${err.code}]\n`);
  for (const d of err.details) io.stderr.write(`  - ${redactUrl(d)}\n`);
  if (debug) io.stderr.write(`${redactUrl(String((err.cause as Error | undefined)?.stack ?? err.stack))}\n`);
  if (json)
    io.stdout.write(
      JSON.stringify({
        ok: false,
        error: {
          code: err.code,
          message: redactUrl(err.message),
          details: err.details.map(redactUrl),
          exit: err.exitCode,
        },
      }) + '\n',
    );
  return err.exitCode;
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  // `tenantops --debug backup …`: a global flag before the command is taken as if written after it.
  const lead = argv.findIndex((a) => a !== '--debug' && a !== '--json');
  if (lead > 0) return dispatch([...argv.slice(lead), ...argv.slice(0, lead)], io);
  const [name, ...rest] = argv;
  // `tenantops help backup` is `tenantops backup --help`; `help nosuch` is the unknown command it names.
  if (name === 'help' && rest[0] && !rest[0].startsWith('-')) return dispatch([...rest, '--help'], io);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // `db migrate` and `db seed` are two-word commands.
  const two = rest[0] && !rest[0].startsWith('-') ? `${name} ${rest[0]}` : '';
  const cmd = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    // `backups` and `db` are the first word of their commands: name them rather than deny the word exists.
    const family = COMMANDS.filter((c) => c.name.startsWith(`${name} `));
    if (family.length && (rest.includes('--help') || rest.includes('-h'))) {
      io.stdout.write(family.map(commandHelp).join('\n'));
      return 0;
    }
    if (family.length)
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `${rest[0] && !rest[0].startsWith('-') ? `unknown command "${name} ${rest[0]}"` : `"${name}" needs a subcommand`}: ` +
          `${family.map((c) => `tenantops ${c.name}`).join(', ')} (see --help)`,
      );
    const near = nearest(
      name,
      COMMANDS.map((c) => c.name.split(' ')[0]!),
    );
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `unknown command "${name}"${near ? `; did you mean ${near}?` : ''} (see tenantops --help)`,
    );
  }
  const args = cmd.name === two ? rest.slice(1) : rest;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandHelp(cmd));
    return 0;
  }
  if (cmd.rawArgs) return cmd.run({ values: {}, positionals: [], argv: args }, io);
  const options = Object.fromEntries(
    Object.entries<OptionSpec>({ ...cmd.options, ...globalOptions }).map(([n, o]) => [
      n,
      { type: o.type, multiple: !!o.multiple, ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message)?.[1];
    if (unknown) throw unknownOption(unknown, Object.keys(options), cmd.name);
    // Every line of parseArgs' message, on one: the first alone left '--keep-last -1' at 'argument is ambiguous.',
    // without the way to write a value that starts with a dash.
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `${(e as Error).message.split('\n').join(' ')} (see tenantops ${cmd.name} --help)`,
    );
  }
  assertGivenOnce(parsed.tokens, options, cmd.name);
  const pos = cmd.positionals ?? { min: 0, max: 0, names: '' };
  if (parsed.positionals.length > pos.max) {
    const extra = parsed.positionals[pos.max]!;
    throw new TenantopsError('TENANTOPS_E_USAGE', `unexpected argument "${extra}" (see tenantops ${cmd.name} --help)`);
  }
  if (parsed.positionals.length < pos.min) {
    throw new TenantopsError('TENANTOPS_E_USAGE', `missing ${pos.names}; usage: tenantops ${cmd.usage}`);
  }
  return cmd.run(
    {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
      argv: args,
    },
    io,
  );
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * A single-valued flag given twice with different values is refused: parseArgs keeps the last, so
 * `backup --tenant 1 … --tenant 2` (a line edited in a hurry) backed up tenant 2 without a word. The same value
 * twice, a boolean twice and a repeatable flag are fine.
 */
function assertGivenOnce(tokens: Token[], options: Record<string, { type: string; multiple: boolean }>, cmd: string) {
  const seen = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    const o = options[t.name];
    if (!o || o.type !== 'string' || o.multiple) continue;
    const before = seen.get(t.name);
    if (before !== undefined && before !== t.value)
      throw new TenantopsError(
        'TENANTOPS_E_USAGE',
        `--${t.name} is given twice, with different values: give it once (see tenantops ${cmd} --help)`,
      );
    seen.set(t.name, t.value);
  }
}

/** Edit distance, for "did you mean": flags are short, so the quadratic table is nothing. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The one of `names` nearest to `word`, if it is near: a prefix of two letters or more, or a typo or two. */
function nearest(word: string, names: string[]): string | undefined {
  return names
    .map((n) => ({ n, d: n.startsWith(word) && word.length >= 2 ? 0 : distance(word, n) }))
    .filter(({ n, d }) => d <= Math.max(1, Math.min(2, Math.floor(n.length / 3))))
    .sort((a, b) => a.d - b.d)[0]?.n;
}

/** "unknown option --tenat; did you mean --tenant?": the nearest of the command's flags, if it is near. */
function unknownOption(flag: string, names: string[], cmd: string): TenantopsError {
  const near = nearest(flag.replace(/^-+/, ''), names);
  return new TenantopsError(
    'TENANTOPS_E_USAGE',
    `unknown option ${flag}${near ? `; did you mean --${near}?` : ''} (see tenantops ${cmd} --help)`,
  );
}
