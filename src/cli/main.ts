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
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io);
  } catch (e) {
    return report(e, io, debug);
  }
}

function report(e: unknown, io: CliIo, debug: boolean): number {
  const err = isTenantopsError(e)
    ? e
    : new TenantopsError('TENANTOPS_E_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  io.stderr.write(`tenantops: ${redactUrl(err.message)} [${err.code}]\n`);
  for (const d of err.details) io.stderr.write(`  - ${redactUrl(d)}\n`);
  if (debug) io.stderr.write(`${redactUrl(String((err.cause as Error | undefined)?.stack ?? err.stack))}\n`);
  return err.exitCode;
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
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
    throw new TenantopsError('TENANTOPS_E_USAGE', `unknown command "${name}"; run tenantops --help`);
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
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    // Every line of parseArgs' message, on one: the first alone left '--keep-last -1' at 'argument is ambiguous.',
    // without the way to write a value that starts with a dash.
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `${(e as Error).message.split('\n').join(' ')} (see tenantops ${cmd.name} --help)`,
    );
  }
  const pos = cmd.positionals ?? { min: 0, max: 0, names: '' };
  if (parsed.positionals.length < pos.min || parsed.positionals.length > pos.max) {
    throw new TenantopsError('TENANTOPS_E_USAGE', `usage: tenantops ${cmd.usage}`);
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
