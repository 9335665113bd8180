import { Command, Option } from 'commander';
import { dlqCommand } from './commands/dlq.command';
import { eventsCommand } from './commands/events.command';
import { kbCommand } from './commands/kb.command';
import { migrateCommand } from './commands/migrate.command';
import { projectionsCommand, replayCommand } from '@journey/ops';
import { serviceReadModels } from './commands/service-read-models';
import { tokenCommand } from './commands/token.command';

export interface ProgramOptions {
  /** Where help and errors go (tests capture them); defaults to stdout/stderr. */
  output?: { writeOut(text: string): void; writeErr(text: string): void };
}

/** The `journey` ops CLI; each command lives in ./commands and registers itself here. */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('journey')
    .description(
      "Operate the customer-journey platform: projections and their replay, dead-letter topics, a customer's stored journey, tokens, the knowledge base's articles, the database schema.",
    )
    .version(process.env['npm_package_version'] ?? '0.1.0');
  // The projections are the services' own; both commands find them in the services' builds when run.
  program.addCommand(projectionsCommand(() => serviceReadModels()));
  program.addCommand(replayCommand(() => serviceReadModels()));
  program.addCommand(dlqCommand());
  program.addCommand(eventsCommand());
  program.addCommand(tokenCommand());
  program.addCommand(kbCommand());
  program.addCommand(migrateCommand());
  // Commands added with addCommand() do not inherit settings, so every command gets them here:
  // errors throw (main.ts decides the exit code) and are prefixed with the program name.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) {
    command
      .exitOverride()
      .showHelpAfterError('(run with --help for usage)')
      .configureOutput({ ...options.output, outputError: (text, write) => write(`journey: ${text}`) });
  }
  return program;
}

export { Option };
