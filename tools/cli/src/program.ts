import { Command, InvalidArgumentError, Option } from 'commander';
import { tokenCommand } from './commands/token.command';

export interface ProgramOptions {
  /** Where help and errors go (tests capture them); defaults to stdout/stderr. */
  output?: { writeOut(text: string): void; writeErr(text: string): void };
}

/** The `journey` ops CLI; each command lives in ./commands and registers itself here. */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('journey')
    .description(
      'Operate the customer-journey platform: tokens, and (as they arrive) projections, replays, DLQs, event streams.',
    )
    .version(process.env['npm_package_version'] ?? '0.1.0');
  program.addCommand(tokenCommand());
  // Commands added with addCommand() do not inherit settings, so every command gets them here:
  // errors throw (main.ts decides the exit code) and are prefixed with the program name.
  for (const command of [program, ...program.commands]) {
    command
      .exitOverride()
      .showHelpAfterError('(run with --help for usage)')
      .configureOutput({ ...options.output, outputError: (text, write) => write(`journey: ${text}`) });
  }
  return program;
}

/** Parses a positive integer option or fails with a message naming the option. */
export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export { Option };
