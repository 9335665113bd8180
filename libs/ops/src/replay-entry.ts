import type { ReadModel } from '@journey/projections';
import { replayCommand } from './replay-command';
import { runProgram } from './run-program';

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
  runProgram(program, `${service}-replay`, argv);
}
