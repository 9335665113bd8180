import { CommanderError } from 'commander';
import { buildProgram } from './program';

// `journey … | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`journey: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
