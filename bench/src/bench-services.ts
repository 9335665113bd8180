import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@journey/testing';
import { BENCH_DIR, REPO, round } from './bench-kit';
// Type only: importing the generator's module would run it.
import type { Summary } from './load-generator';

/** A service started from its build for a benchmark, on loopback. */
export interface BenchService {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
}

/** Starts apps/<name>/dist/main.js with exactly this environment (plus PATH), node options first. */
export function launch(
  name: string,
  port: number,
  env: NodeJS.ProcessEnv,
  nodeOptions: string[] = [],
): BenchService {
  let output = '';
  const child = spawn(process.execPath, [...nodeOptions, join(REPO, 'apps', name, 'dist', 'main.js')], {
    cwd: REPO,
    env: { PATH: process.env['PATH'], HTTP_PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail is kept: a benchmark's service may log for minutes.
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, url: `http://127.0.0.1:${port}`, child, output: () => output };
}

export async function ready(services: BenchService[], timeoutMs = 120_000): Promise<void> {
  for (const s of services)
    await eventually(
      async () => (await fetch(`${s.url}/health/ready`).catch(() => undefined))?.status === 200,
      { timeoutMs, what: `${s.name} ready` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${s.output()}`);
    });
}

/** SIGTERM, then waits for the exit (SIGKILL after 20 s): a profile is written on a clean exit. */
export async function stop(services: BenchService[]): Promise<void> {
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** The journey webhooks' signature headers: HMAC-SHA256 of "<timestamp>.<body>" with the channel secret. */
export function signedHeaders(secret: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-journey-timestamp': timestamp,
    'x-journey-signature': `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command: state is field 3, utime 14 and stime 15 (1-based, see proc(5)).
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of a process and its direct children (PostgreSQL's backends are the postmaster's). */
export function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.split(') ')[1]?.split(' ')[1]);
      if (ppid === pid) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The pid of a local infrastructure server (infra/local writes .local/run/<name>.pid). */
export const infraPid = (name: string) =>
  Number(readFileSync(join(REPO, '.local', 'run', `${name}.pid`), 'utf8'));

/** Runs the load generator (a process of its own) with these arguments and returns its JSON summary. */
export async function runLoadGenerator(args: string[]): Promise<Summary> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(BENCH_DIR, 'dist', 'load-generator.js'), ...args],
    { maxBuffer: 256 * 2 ** 20 },
  );
  return JSON.parse(stdout) as Summary;
}

/** Starts measuring: the returned function gives the cores each process (with its children) used since. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, treeCpuSeconds(pid)]));
  const started = Date.now();
  return () => {
    const wall = (Date.now() - started) / 1000;
    return Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, round((treeCpuSeconds(pid) - (before[k] ?? 0)) / wall)]),
    );
  };
}
