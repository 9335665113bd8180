#!/usr/bin/env node
// Starts, stops and lists the five services as background processes (pid files in .local/run/services,
// logs in .local/logs). Used by `npm start` / `npm stop`; safe to run again at any time.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runDir = join(root, '.local', 'run', 'services');
const logDir = join(root, '.local', 'logs');
const require = createRequire(import.meta.url);

function usage() {
  process.stdout.write(`Usage: node tools/scripts/services.mjs <start|stop|status> [service...]

  start    start every service that is not already running, wait until all are ready, print their URLs;
           with channels, also the web server (WEB_HTTP_PORT, default 3100): the agent workspace at /,
           a demo shop page with the chat widget at /shop/
  stop     stop the services started by start (SIGTERM, then SIGKILL after 15 s)
  status   show each service, its pid, URL and readiness

Services: channels contacts tickets knowledge analytics (all when none is named).
Each reads its configuration from the environment (see README.md, "Configuration");
<SERVICE>_HTTP_PORT (e.g. TICKETS_HTTP_PORT) moves one service's port.
`);
}

function platform() {
  const entry = join(root, 'libs', 'platform', 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error('the services are not built; run `npm run build` first');
  return require(entry);
}

function pidOf(name) {
  try {
    const pid = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function probe(url, timeoutMs = 1500) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  } catch {
    return { status: 0 };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function selected(args) {
  const { SERVICE_NAMES } = platform();
  const unknown = args.filter((a) => !SERVICE_NAMES.includes(a));
  if (unknown.length)
    throw new Error(`unknown service: ${unknown.join(', ')} (one of: ${SERVICE_NAMES.join(', ')})`);
  return args.length ? args : [...SERVICE_NAMES];
}

/** The web server's origin (tools/scripts/web.mjs): its pages call the services from a browser. */
const webOrigin = () => `http://127.0.0.1:${process.env.WEB_HTTP_PORT ?? 3100}`;

/**
 * A service's environment: shared variables, plus <SERVICE>_HTTP_PORT as its HTTP_PORT; the demo site
 * may call every service from its pages unless HTTP_CORS_ORIGINS says otherwise.
 */
function envFor(name) {
  return {
    ...process.env,
    HTTP_PORT: process.env[`${name.toUpperCase()}_HTTP_PORT`] ?? '',
    HTTP_CORS_ORIGINS: process.env.HTTP_CORS_ORIGINS ?? webOrigin(),
  };
}

/** Starts the web server (the agent workspace, and a shop page with the chat widget) unless it runs already. */
function startWeb() {
  if (pidOf('web')) return console.log(`  ${'web'.padEnd(10)} already running (pid ${pidOf('web')})`);
  const logFile = join(logDir, 'web.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(root, 'tools', 'scripts', 'web.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      ...Object.fromEntries(
        ['channels', 'contacts', 'tickets', 'knowledge', 'analytics'].map((n) => [
          `${n.toUpperCase()}_URL`,
          baseUrl(n),
        ]),
      ),
    },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  writeFileSync(join(runDir, 'web.pid'), String(child.pid));
  console.log(`  ${'web'.padEnd(10)} started (pid ${child.pid}, log ${relative(root, logFile)})`);
}

function baseUrl(name) {
  const { loadServiceConfig } = platform();
  const { http } = loadServiceConfig(name, envFor(name));
  const host = http.host === '0.0.0.0' ? '127.0.0.1' : http.host;
  return `http://${host}:${http.port}`;
}

async function start(names) {
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const { loadServiceConfig, ConfigurationError } = platform();
  for (const name of names) {
    try {
      loadServiceConfig(name, envFor(name));
    } catch (err) {
      if (err instanceof ConfigurationError) throw new Error(err.message);
      throw err;
    }
    const pid = pidOf(name);
    if (pid) {
      console.log(`  ${name.padEnd(10)} already running (pid ${pid})`);
      continue;
    }
    const logFile = join(logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [join(root, 'apps', name, 'dist', 'main.js')], {
      cwd: root,
      env: envFor(name),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.unref();
    writeFileSync(join(runDir, `${name}.pid`), String(child.pid));
    console.log(`  ${name.padEnd(10)} started (pid ${child.pid}, log ${relative(root, logFile)})`);
  }

  const deadline = Date.now() + 90_000;
  const pending = new Set(names);
  let shown = '';
  const exited = new Set();
  while (pending.size > exited.size && Date.now() < deadline) {
    for (const name of [...pending]) {
      // A process that exited (a bad setting, a port taken) will not become ready: report it now.
      if (!pidOf(name)) exited.add(name);
      else if ((await probe(`${baseUrl(name)}/health/ready`)).status === 200) pending.delete(name);
    }
    if (pending.size === exited.size) break;
    const waiting = `waiting for ${[...pending].filter((n) => !exited.has(n)).join(', ')} to be ready…`;
    // On a terminal the line updates in place; in a log, it is written when it changes.
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K  ${waiting}`);
    else if (waiting !== shown) console.log(`  ${waiting}`);
    shown = waiting;
    await sleep(500);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  const failed = names.filter((n) => pending.has(n));
  for (const name of failed) {
    const log = join(logDir, `${name}.log`);
    const tail = existsSync(log)
      ? readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n')
      : '(no log)';
    console.error(
      `\n${name} is not ready (${pidOf(name) ? 'still starting or a dependency is down' : 'the process exited'}). Last log lines:\n${tail}`,
    );
  }
  if (names.includes('channels') && !failed.includes('channels')) {
    startWeb();
    for (let i = 0; i < 20 && (await probe(`${webOrigin()}/health/ready`)).status !== 200; i++)
      await sleep(150);
  }
  await status(names);
  if (failed.length) process.exit(1);
  console.log(`
Workspace:     ${webOrigin()}/#token=$(npx journey token --role agent)      Shop with the chat widget: ${webOrigin()}/shop/
Call an API:   curl -H "Authorization: Bearer $(npx journey token --role admin)" ${baseUrl('tickets')}/v1/me
Logs:          .local/logs/<service>.log      Stop: npm stop
`);
}

function startedServices() {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4));
}

async function stop(names) {
  for (const name of names) {
    const pid = pidOf(name);
    rmSync(join(runDir, `${name}.pid`), { force: true });
    if (!pid) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await sleep(200);
      } catch {
        break;
      }
    }
    try {
      process.kill(pid, 'SIGKILL');
      console.log(`  ${name.padEnd(10)} did not stop in 15 s; killed (pid ${pid})`);
    } catch {
      console.log(`  ${name.padEnd(10)} stopped (pid ${pid})`);
    }
  }
}

async function status(names) {
  let allReady = true;
  console.log(`  ${'service'.padEnd(10)} ${'state'.padEnd(9)} ${'pid'.padEnd(8)} ${'url'.padEnd(24)} docs`);
  for (const name of names) {
    const pid = pidOf(name);
    const url = baseUrl(name);
    const ready = pid ? (await probe(`${url}/health/ready`)).status === 200 : false;
    allReady &&= ready;
    const state = !pid ? 'stopped' : ready ? 'ready' : 'not-ready';
    console.log(
      `  ${name.padEnd(10)} ${state.padEnd(9)} ${String(pid ?? '-').padEnd(8)} ${url.padEnd(24)} ${url}/docs`,
    );
  }
  const web = pidOf('web');
  if (web || names.includes('channels')) {
    const up = web ? (await probe(`${webOrigin()}/health/ready`)).status === 200 : false;
    console.log(
      `  ${'web'.padEnd(10)} ${(up ? 'ready' : 'stopped').padEnd(9)} ${String(web ?? '-').padEnd(8)} ${webOrigin().padEnd(24)} the agent workspace; /shop/: a shop page with the chat widget`,
    );
  }
  return allReady;
}

const [command, ...args] = process.argv.slice(2);
try {
  switch (command) {
    case 'start':
      await start(selected(args));
      break;
    case 'stop':
      // Stops what a pid file names; needs no build, so it works on a tree that never started.
      await stop(args.length ? selected(args) : startedServices());
      break;
    case 'status':
      process.exitCode = (await status(selected(args))) ? 0 : 1;
      break;
    case '-h':
    case '--help':
    case 'help':
      usage();
      break;
    default:
      usage();
      process.exitCode = 2;
  }
} catch (err) {
  console.error(`services: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
}
