// What every `arl` subcommand provides. Each lives in commands/<name>.ts and is listed in main.ts.
import type { ParseArgsConfig } from 'node:util';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: long commands stop and keep what they have. */
  signal: AbortSignal;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  /** One line for `arl --help`. */
  summary: string;
  /** Full usage text for `arl <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code. */
  run(positionals: string[], values: OptionValues, io: Io): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}
