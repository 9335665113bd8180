import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '@journey/testing';

const root = join(__dirname, '..', '..', '..', '..');

export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
}

/** Starts a service from its built output with exactly this environment (plus PATH), on loopback. */
export function launchService(name: string, port: number, env: NodeJS.ProcessEnv): ServiceProcess {
  let output = '';
  const child = spawn(process.execPath, [join(root, 'apps', name, 'dist', 'main.js')], {
    cwd: root,
    env: { PATH: process.env['PATH'], HTTP_PORT: String(port), ...env },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { name, url: `http://127.0.0.1:${port}`, child, output: () => output };
}

/** Waits until each service answers ready; a timeout says which one, with its output. */
export async function readyServices(services: ServiceProcess[], timeoutMs = 60_000): Promise<void> {
  for (const s of services)
    await eventually(
      async () => (await fetch(`${s.url}/health/ready`).catch(() => undefined))?.status === 200,
      { timeoutMs, what: `${s.name} ready` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${s.output()}`);
    });
}

/** Stops the services with SIGTERM and waits for each to exit. */
export async function stopServices(services: ServiceProcess[]): Promise<void> {
  for (const { child } of services) child.kill('SIGTERM');
  await Promise.all(
    services.map(({ child }) => new Promise((r) => (child.exitCode !== null ? r(0) : child.once('exit', r)))),
  );
}

export { consumerGroupsOf } from '@journey/testing';
