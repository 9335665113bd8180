import { CommanderError } from 'commander';
import type { Command } from 'commander';

/**
 * Runs an ops command line to its end: `… | head` closing the pipe early is not an error, a usage
 * error exits with commander's code (its message already printed), any other error is printed as
 * `<name>: <message>` and exits 1. The exit code of a finished command is whatever it set.
 */
export function runProgram(program: Command, name: string, argv = process.argv): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  program.parseAsync(argv).catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
