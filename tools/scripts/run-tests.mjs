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

// The last lines each project printed (nx's stream style prefixes them with `<project>: `), so that a task
// that fails without a failing test shows why in the summary, where a CI log's tail reaches.
const TAIL_LINES = 30;
const tails = new Map();
const failedTasks = new Set();

function remember(line) {
  const task = /^- ([\w-]+:[\w:-]+)\s*$/.exec(line);
  if (task) failedTasks.add(task[1]);
  const prefixed = /^([\w-]+): (.*)$/.exec(line);
  if (!prefixed) return;
  const [, project, text] = prefixed;
  const tail = tails.get(project) ?? [];
  tail.push(text);
  if (tail.length > TAIL_LINES) tail.shift();
  tails.set(project, tail);
}

async function phase(name, args, command = nx, extra = ['--output-style=stream']) {
  console.log(`\n━━ ${name} ━━`);
  const started = Date.now();
  const child = spawn(command, [...args, ...extra], { cwd: root, env, stdio: ['inherit', 'pipe', 'pipe'] });
  const lines = { stdout: '', stderr: '' };
  const forward = (stream, out) =>
    child[stream].on('data', (chunk) => {
      out.write(chunk);
      const text = lines[stream] + chunk.toString('utf8');
      const parts = text.split('\n');
      lines[stream] = parts.pop() ?? '';
      for (const line of parts) remember(line.replace(/\u001b\[[0-9;]*m/g, ''));
    });
  forward('stdout', process.stdout);
  forward('stderr', process.stderr);
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
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
  for (const task of failedTasks) {
    const project = task.split(':')[0];
    console.log(`\nlast lines of ${task}:`);
    for (const line of tails.get(project) ?? ['(none captured)']) console.log(`  | ${line}`);
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(allOk ? 0 : 1);
