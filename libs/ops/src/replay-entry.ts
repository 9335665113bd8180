import { CommanderError } from 'commander';
import type { ReadModel } from '@journey/projections';
import { replayCommand } from './replay-command';

/**
 * The replay entry point of a service (`node apps/<service>/dist/replay.js <projection>`): rebuilds
 * the projections that service owns, from its own build — what a Kubernetes replay Job runs in the
 * service's image. Exits 0 when done, 130 when interrupted (it resumes when run again), 1 on an error.
 */
export function runReplayEntry(service: string, readModels: readonly ReadModel[], argv = process.argv): void {
  const program = replayCommand(readModels, `${service}-replay`)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`${service}-replay: ${text}`) });
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  program.parseAsync(argv).then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      if (err instanceof CommanderError) process.exit(err.exitCode);
      process.stderr.write(`${service}-replay: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
