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

/** The consumer groups each service runs, as suffixes of its KAFKA_CONSUMER_GROUP (`<group>-<suffix>`). */
const CONSUMER_GROUP_SUFFIXES = {
  channels: ['ticket-replies', 'auto-answers', 'delivery', 'erasure', 'conversation-list'],
  contacts: ['resolution', 'unified-view'],
  tickets: ['intake', 'contacts', 'routing', 'timers', 'ticket-board', 'agent-board', 'routing-contacts'],
  knowledge: [
    'auto-answer',
    'article-catalogue',
    'content-gaps',
    'conversation-suggestions',
    'answer-contacts',
    'solved-cases',
  ],
  analytics: ['ticket-records', 'sla-calendars', 'report-contacts', 'journey-facts', 'knowledge-facts'],
} as const;

/** The consumer groups of a service started with KAFKA_CONSUMER_GROUP=`group` (what a test starts at the topics' end). */
export function consumerGroupsOf(service: keyof typeof CONSUMER_GROUP_SUFFIXES, group: string): string[] {
  return CONSUMER_GROUP_SUFFIXES[service].map((suffix) => `${group}-${suffix}`);
}
