#!/usr/bin/env node
// `npm test` after set-up: build, lint, typecheck, unit tests, integration tests, then one summary
// per runner and a closing "N passed, N failed" line. Exits non-zero if anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const results = join(root, '.local', 'test-results');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: npm test

Builds every project, then runs format (Prettier), lint (ESLint, 0 warnings), typecheck (tsc), unit tests (Jest) and
integration tests (Jest, against the real Kafka, PostgreSQL and MongoDB-wire server that npm test
starts), and prints a summary per runner. JOURNEY_TEST_INFRA=auto|local|containers picks the
integration infrastructure (default auto: testcontainers when a Docker engine answers).
`);
  process.exit(0);
}

const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  FORCE_COLOR: process.env.CI ? '0' : '1',
};
const nx = join(root, 'node_modules', '.bin', 'nx');

// The last lines each task printed in each phase (nx's stream style prefixes them with `<project>: `),
// so that a task that fails without a failing test shows why in the summary, where a CI log's tail reaches.
const TAIL_LINES = 30;
/** phase → project → its last lines */
const tails = new Map();
/** phase → the tasks nx listed as failed */
const failedTasks = new Map();

function remember(phaseName, line) {
  const task = /^- ([\w-]+:[\w:-]+)\s*$/.exec(line);
  if (task) failedTasks.set(phaseName, [...(failedTasks.get(phaseName) ?? []), task[1]]);
  const prefixed = /^([\w-]+): (.*)$/.exec(line);
  if (!prefixed) return;
  const [, project, text] = prefixed;
  const byProject = tails.get(phaseName) ?? new Map();
  const tail = byProject.get(project) ?? [];
  tail.push(text);
  if (tail.length > TAIL_LINES) tail.shift();
  byProject.set(project, tail);
  tails.set(phaseName, byProject);
}

async function phase(name, args, command = nx, extra = ['--output-style=stream']) {
  console.log(`\n━━ ${name} ━━`);
  const started = Date.now();
  const child = spawn(command, [...args, ...extra], { cwd: root, env, stdio: ['inherit', 'pipe', 'pipe'] });
  const pending = { stdout: '', stderr: '' };
  const take = (line) => remember(name, line.replace(/\u001b\[[0-9;]*m/g, ''));
  const forward = (stream, out) => {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (text) => {
      out.write(text);
      const parts = (pending[stream] + text).split('\n');
      pending[stream] = parts.pop() ?? '';
      for (const line of parts) take(line);
    });
  };
  forward('stdout', process.stdout);
  forward('stderr', process.stderr);
  const status = await new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[test] ${name}: could not run ${command}: ${err.message}`);
      resolve(-1);
    });
    child.on('close', (code) => resolve(code));
  });
  for (const stream of ['stdout', 'stderr']) if (pending[stream]) take(pending[stream]);
  return { name, ok: status === 0, seconds: (Date.now() - started) / 1000 };
}

// The start of a Jest failure message (up to four lines, no stack, no colour codes).
function failureText(messages) {
  const text = (messages ?? []).join('\n').replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('●') && !l.startsWith('at '));
  return lines.length ? lines.slice(0, 4).join('\n    ').slice(0, 600) : '(no message)';
}

function jestTotals(kind) {
  const dir = join(results, kind);
  const totals = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0, projects: [], failures: [] };
  if (!existsSync(dir)) return totals;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const skipped = r.numPendingTests + r.numTodoTests;
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += skipped;
    // A suite that fails to load has no failed test; count it so that it cannot pass unnoticed.
    totals.suitesFailed += r.numRuntimeErrorTestSuites ?? 0;
    const project = file.replace(/\.json$/, '');
    totals.projects.push(`${project} ${r.numPassedTests}/${r.numTotalTests}`);
    for (const suite of r.testResults ?? []) {
      const failedTests = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of failedTests)
        totals.failures.push(`${project}: ${a.fullName}\n    ${failureText(a.failureMessages)}`);
      if (suite.status === 'failed' && failedTests.length === 0)
        totals.failures.push(
          `${project}: ${suite.name.replace(`${root}/`, '')}\n    ${failureText([suite.message])}`,
        );
    }
  }
  return totals;
}

rmSync(results, { recursive: true, force: true });
// Jest writes --outputFile without creating its folder.
for (const kind of ['unit', 'integration']) mkdirSync(join(results, kind), { recursive: true });
const outcomes = [];
const build = await phase('build', ['run-many', '-t', 'build']);
outcomes.push(build);
if (build.ok) {
  outcomes.push(
    await phase(
      'format (prettier --check)',
      ['--check', '.'],
      join(root, 'node_modules', '.bin', 'prettier'),
      ['--log-level=warn'],
    ),
  );
  outcomes.push(await phase('lint (eslint --max-warnings 0)', ['run-many', '-t', 'lint']));
  outcomes.push(await phase('typecheck (tsc)', ['run-many', '-t', 'typecheck']));
  outcomes.push(await phase('unit tests (jest)', ['run-many', '-t', 'test', '--skip-nx-cache']));
  outcomes.push(
    await phase('integration tests (jest, real infrastructure)', [
      'run-many',
      '-t',
      'test:integration',
      '--parallel=1',
    ]),
  );
}

const unit = jestTotals('unit');
const integration = jestTotals('integration');
console.log('\n━━ summary ━━');
for (const o of outcomes) console.log(`${o.ok ? 'ok  ' : 'FAIL'}  ${o.name} (${o.seconds.toFixed(0)} s)`);
const line = (label, t) =>
  console.log(
    `${label}: ${t.passed} passed, ${t.failed + t.suitesFailed} failed, ${t.skipped} skipped   [${t.projects.join(', ')}]`,
  );
line('jest unit', unit);
line('jest integration', integration);
const failures = [...unit.failures, ...integration.failures];
if (failures.length) {
  console.log('\nfailed tests:');
  for (const f of failures) console.log(`  ✕ ${f}`);
}
const passed = unit.passed + integration.passed;
const failed = unit.failed + integration.failed + unit.suitesFailed + integration.suitesFailed;
const allOk = outcomes.every((o) => o.ok) && failed === 0 && outcomes.length === 6;
if (!allOk && failed === 0) {
  console.log('(a phase failed without a failing test: see its output above)');
  for (const [phaseName, tasks] of failedTasks)
    for (const task of tasks) {
      const project = task.split(':')[0];
      console.log(`\nlast lines of ${task} (${phaseName}):`);
      for (const line of tails.get(phaseName)?.get(project) ?? ['(none captured)'])
        console.log(`  | ${line}`);
    }
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(allOk ? 0 : 1);
