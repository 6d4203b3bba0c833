import type { Writable } from 'node:stream';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. URL. */
  value?: string;
  description: string;
  default?: string | boolean;
}

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** Help section the command is listed under. */
  section: 'Backup and restore' | 'Reference platform' | 'Load testing' | 'Demo';
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Allow positionals after the command name (e.g. FILE). */
  positionals?: { min: number; max: number; names: string };
  /** Pass argv through untouched (for commands with their own parser). */
  rawArgs?: boolean;
  run(args: { values: ParsedValues; positionals: string[]; argv: string[] }, io: CliIo): Promise<number>;
}
