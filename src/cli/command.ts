import type { Writable } from 'node:stream';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. URL. */
  value?: string;
  description: string;
}

/** A command's option table: the one place its flags, their types and their help are defined. */
export type Options = Record<string, OptionSpec>;

/** The parsed value of one option, typed from its spec (a string flag is a string, a repeated one a list). */
type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean | undefined
  : O['multiple'] extends true
    ? string[] | undefined
    : string | undefined;

export type ValuesOf<O extends Options> = { [K in keyof O]: ValueOf<O[K]> };

/** Values as the parser returns them, before a command's table types them. */
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface RunArgs<V> {
  values: V;
  positionals: string[];
  argv: string[];
}

export interface CommandSpec<O extends Options> {
  name: string;
  /** Help section the command is listed under. */
  section: 'Backup and restore' | 'Reference platform' | 'Load testing' | 'Demo';
  summary: string;
  usage: string;
  options: O;
  /** Allow positionals after the command name (e.g. FILE). */
  positionals?: { min: number; max: number; names: string };
  /** Pass argv through untouched (for commands with their own parser). */
  rawArgs?: boolean;
  run(args: RunArgs<ValuesOf<O>>, io: CliIo): Promise<number>;
}

/** A command as the dispatcher sees it: its values come from parseArgs over its own option table. */
export type Command = CommandSpec<Options> & { run(args: RunArgs<ParsedValues>, io: CliIo): Promise<number> };

/**
 * Declares a command; its `run` receives values typed from its option table, so no command casts a flag.
 * The dispatcher parses argv with that same table, which is what makes the one cast here sound.
 */
export function defineCommand<const O extends Options>(spec: CommandSpec<O>): Command {
  return spec as unknown as Command;
}
