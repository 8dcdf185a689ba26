// The `arl` command line: the same engine as the language server, for CI and production.
import { parseArgs } from 'node:util';
import { UnsafePathError } from '../io/safefs';
import { UsageError, write, type Command, type Io } from './command';
import { categoriesCommand } from './commands/categories';
import { categorizeCommand } from './commands/categorize';
import { cacheCommand } from './commands/cache';
import { checkCommand } from './commands/check';
import { draftCommand } from './commands/draft';
import { evalCommand } from './commands/eval';
import { exampleCommand } from './commands/example';
import { historyCommand } from './commands/history';
import { labelCommand } from './commands/label';
import { labelsCommand } from './commands/labels';
import { learnCommand } from './commands/learn';
import { lspCommand } from './commands/lsp';
import { plotCommand } from './commands/plot';
import { runCommand } from './commands/run';
import { sqlCommand } from './commands/sql';
import { testCommand } from './commands/test';

const commands: Command[] = [checkCommand, evalCommand, runCommand, testCommand, learnCommand, draftCommand, historyCommand, labelCommand, labelsCommand, categorizeCommand, categoriesCommand, exampleCommand, lspCommand, plotCommand, sqlCommand, cacheCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'arl: anomaly rules you can read, test and improve.',
    '',
    'Usage: arl <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'arl <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    write(io.stdout, help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    write(io.stdout, process.env.ARL_VERSION ?? '0.1.0');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    write(io.stderr, `arl: unknown command '${name}'.\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    write(io.stdout, cmd.usage);
    return 0;
  }
  try {
    const { positionals, values } = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(positionals, values, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      write(io.stderr, `arl ${cmd.name}: ${err.message}\n\n${cmd.usage}`);
      return 2;
    }
    if (e instanceof UnsafePathError) {
      write(io.stderr, `arl ${cmd.name}: ${err.message}`);
      return 1;
    }
    write(io.stderr, `arl ${cmd.name}: internal error: ${err.stack ?? err.message}\nPlease report this with the command you ran.`);
    return 70;
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
