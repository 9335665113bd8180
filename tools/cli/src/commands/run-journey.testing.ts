import { buildProgram } from '../program';

/** What one run of the CLI printed and how it ended (tests only). */
export interface JourneyRun {
  out: string;
  code: number;
  err: string;
}

/**
 * Runs `journey <args>` in this process, as main.ts would, with what it prints captured: standard output
 * (commands print with process.stdout.write), commander's help and errors, and a thrown error's message and
 * exit code.
 */
export async function runJourney(args: string[]): Promise<JourneyRun> {
  let out = '';
  let err = '';
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const writeErr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let code = 0;
  try {
    await buildProgram({
      output: { writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) },
    }).parseAsync(['node', 'journey', ...args]);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
    err += (e as Error).message;
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
  return { out, code, err };
}
