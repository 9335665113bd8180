#!/usr/bin/env node
// Assembles one service's production bundle: what its container image holds, and all it holds.
//   <out>/main.js                    starts the service (the image's command: node main.js)
//   <out>/apps/<service>/dist        the service's build (and its assets, for analytics' dashboard)
//   <out>/libs/<lib>/dist            the shared libraries' builds (libs/testing left out)
//   <out>/tools/cli                  the `journey` CLI, for Jobs (node tools/cli/bin/journey.cjs …)
// The agent workspace (console) is bundled the same way: its server and pages (dist, public) and the one
// library its server uses (platform, for telemetry), without the CLI: it runs no Job.
//   <out>/node_modules               production dependencies only: `npm ci --omit=dev` from the lock file
// The Dockerfile runs it; the k8s project's integration test runs it into a clean folder and starts the
// bundle there with plain `node`, so the image's contents are tested without a Docker engine.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVICES = ['channels', 'contacts', 'tickets', 'knowledge', 'analytics'];
/** The agent workspace's web server: an image of its own, not a service (no events, no Kafka). */
const WEB = 'console';
const BUNDLES = [...SERVICES, WEB];
/** Workspaces needed only by tests: their package.json is copied (the lock file lists them), nothing else. */
const TEST_ONLY_LIBS = new Set(['testing']);

const usage = `Usage: node tools/image/bundle.mjs <service> <out-dir> [--offline]

Assembles the production bundle of one service (${SERVICES.join(', ')}) or of the agent
workspace (${WEB}) into <out-dir>, which must not exist or be empty: its build, the shared libraries'
builds, the journey CLI (services only), and the production dependencies installed from
package-lock.json (npm ci --omit=dev --ignore-scripts). Build first:
  npx nx run-many -t build
Start the bundle with: cd <out-dir> && NODE_ENV=production node main.js

Options:
  --offline   install from npm's cache only (fails if a package is missing from it)
  -h, --help  this text`;

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { offline: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
} catch (err) {
  fail(`${err.message}\n\n${usage}`);
}
if (parsed.values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const [service, outArg] = parsed.positionals;
if (!service || !outArg || parsed.positionals.length > 2) fail(`expected <service> <out-dir>\n\n${usage}`);
if (!BUNDLES.includes(service)) fail(`unknown service "${service}" (one of ${BUNDLES.join(', ')})`);
const isWeb = service === WEB;
/** The file the image's command (node main.js) starts. */
const entry = isWeb ? `apps/${WEB}/dist/server/main.js` : `apps/${service}/dist/main.js`;
const out = resolve(outArg);
if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} is not empty`);

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** Every workspace folder the root package.json declares (libs/*, apps/*, tools/cli). */
const workspaces = packageJson.workspaces.flatMap((pattern) => {
  if (!pattern.endsWith('/*')) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(ROOT, parent))
    .map((name) => join(parent, name))
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')));
});

/** What of each workspace goes into the bundle, besides its package.json. */
function contentsOf(workspace) {
  const [kind, name] = workspace.split('/');
  if (kind === 'libs') return TEST_ONLY_LIBS.has(name) || (isWeb && name !== 'platform') ? [] : ['dist'];
  if (kind === 'apps') return name !== service ? [] : isWeb ? ['dist', 'public'] : ['dist', 'assets'];
  if (workspace === 'tools/cli') return isWeb ? [] : ['dist', 'bin'];
  return [];
}

const needsBuild = [];
for (const workspace of workspaces)
  for (const part of contentsOf(workspace))
    if (part === 'dist' && !existsSync(join(ROOT, workspace, 'dist'))) needsBuild.push(workspace);
if (!existsSync(join(ROOT, entry))) needsBuild.push(`apps/${service}`);
if (needsBuild.length > 0)
  fail(`not built: ${[...new Set(needsBuild)].join(', ')} (run \`npx nx run-many -t build\` first)`);

// Declarations, source maps of declarations and build info are for compilers, not for the running service.
const shipped = (source) =>
  !/\.(d\.ts|d\.ts\.map|tsbuildinfo)$/.test(source) && !/\.spec\.js(\.map)?$/.test(source);

mkdirSync(out, { recursive: true });
for (const file of ['package.json', 'package-lock.json', '.nvmrc']) cpSync(join(ROOT, file), join(out, file));
for (const workspace of workspaces) {
  cpSync(join(ROOT, workspace, 'package.json'), join(out, workspace, 'package.json'));
  for (const part of contentsOf(workspace)) {
    const from = join(ROOT, workspace, part);
    if (existsSync(from)) cpSync(from, join(out, workspace, part), { recursive: true, filter: shipped });
  }
}
writeFileSync(
  join(out, 'main.js'),
  `'use strict';\n// The ${isWeb ? 'agent workspace' : `${service} service`} (the image's command: node main.js).\nrequire('./${entry}');\n`,
);

process.stderr.write(`bundle: installing the production dependencies of ${service} (npm ci --omit=dev)\n`);
const npm = spawnSync(
  'npm',
  [
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    parsed.values.offline ? '--offline' : '--prefer-offline',
  ],
  { cwd: out, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
);
if (npm.status !== 0) fail(`npm ci --omit=dev failed in ${out} (exit ${npm.status ?? npm.signal})`);

function sizeOf(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
const packages = Object.keys(
  JSON.parse(readFileSync(join(out, 'node_modules', '.package-lock.json'), 'utf8')).packages,
).filter((p) => p.startsWith('node_modules/') && !p.startsWith('node_modules/@journey/'));
process.stdout.write(
  `bundle: ${service} → ${relative(process.cwd(), out) || '.'}: ${packages.length} production packages, ` +
    `${(sizeOf(out) / 1024 / 1024).toFixed(1)} MiB\n`,
);
