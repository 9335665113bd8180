import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../program';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const writeErr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  const program = buildProgram({
    output: { writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) },
  });
  let code = 0;
  try {
    await program.parseAsync(['node', 'journey', ...args]);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
    if (!('exitCode' in (e as object))) err += (e as Error).message;
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
  return { out, err, code };
}

describe('journey kb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'journey-kb-'));

  it('says what it does in --help', async () => {
    const help = await run(['kb', '--help']);
    expect(help.out).toMatch(/import \[options\] <file>/);
    expect(help.out).toMatch(/export/);
    expect(help.out).toMatch(/corpus/);
  });

  it('writes the seed corpus as shipped, and a grown corpus of the size asked for', async () => {
    const seed = join(dir, 'seed.jsonl');
    expect((await run(['kb', 'corpus', '--out', seed])).code).toBe(0);
    const shipped = join(
      __dirname,
      '..',
      '..',
      '..',
      '..',
      'apps',
      'knowledge',
      'corpus',
      'seed-articles.jsonl',
    );
    expect(readFileSync(seed, 'utf8')).toBe(readFileSync(shipped, 'utf8'));
    const grown = join(dir, 'grown.jsonl');
    expect((await run(['kb', 'corpus', '--count', '500', '--out', grown])).code).toBe(0);
    expect(readFileSync(grown, 'utf8').trim().split('\n')).toHaveLength(500);
    const bad = await run(['kb', 'corpus', '--count', 'many']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a positive whole number: many/);
  });

  it('refuses a file that is not there, and says where the service could not be reached', async () => {
    const missing = await run(['kb', 'import', join(dir, 'nope.jsonl'), '--token', 't']);
    expect(missing.err).toMatch(/no such file/);
    const file = join(dir, 'one.jsonl');
    writeFileSync(
      file,
      readFileSync(
        join(__dirname, '..', '..', '..', '..', 'apps', 'knowledge', 'corpus', 'seed-articles.jsonl'),
        'utf8',
      ).split('\n')[0] + '\n',
    );
    const down = await run(['kb', 'import', file, '--token', 't', '--url', 'http://127.0.0.1:39999']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot reach the knowledge service at http:\/\/127.0.0.1:39999: ECONNREFUSED/);
  });
});
