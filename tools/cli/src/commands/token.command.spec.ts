import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from '@journey/platform';
import { buildProgram } from '../program';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
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
  }
  return { out, err, code };
}

describe('journey token', () => {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-cli-')), 'key.json');
  const auth = {
    mode: 'local' as const,
    localKeyFile: keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    rolesClaim: 'roles',
  };

  it('prints a token the services accept, with the roles asked for', async () => {
    const { out, code } = await run([
      'token',
      '--role',
      'admin',
      '--role',
      'ops',
      '--subject',
      'ops-lead',
      '--key-file',
      keyFile,
    ]);
    expect(code).toBe(0);
    const principal = await new TokenVerifier(auth).verify(out.trim());
    expect(principal).toMatchObject({ subject: 'ops-lead', roles: ['admin', 'ops'] });
  });

  it('refuses an unknown role, naming the valid ones', async () => {
    const { err, code } = await run(['token', '--role', 'root', '--key-file', keyFile]);
    expect(code).not.toBe(0);
    expect(err).toMatch(/unknown role "root" \(one of: agent, supervisor, admin, ops, service\)/);
  });

  it('requires a role', async () => {
    const { err, code } = await run(['token', '--key-file', keyFile]);
    expect(code).not.toBe(0);
    expect(err).toMatch(/--role <role>/);
  });

  it('documents itself with --help', async () => {
    const { out } = await run(['token', '--help']);
    expect(out).toMatch(/Usage: journey token \[options\]/);
    expect(out).toMatch(/--ttl <span>/);
  });
});

describe('journey token --ttl', () => {
  it('refuses a lifetime it cannot read, saying what it expects', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-cli-')), 'key.json');
    const { err, code } = await run(['token', '--role', 'agent', '--ttl', '5x', '--key-file', keyFile]);
    expect(code).toBe(1);
    expect(err).toBe('--ttl must look like 30m, 8h or 7d (got "5x")');
  });
});
