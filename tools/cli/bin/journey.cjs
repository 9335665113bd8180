#!/usr/bin/env node
'use strict';
// Runs the built CLI on Node 24: the project's own copy (.local/node) when the machine's Node is older.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..', '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = readFileSync(join(root, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
  const local = join(root, '.local', 'node', pinned, 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(
      `journey: needs Node 24 (this is ${process.version}); run \`npm run setup\` once to install it into .local/node\n`,
    );
    process.exit(1);
  }
  const run = spawnSync(local, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
const entry = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'journey: the CLI is not built yet; run `npm run build` (npm start and npm test build it too)\n',
  );
  process.exit(1);
}
// kafkajs 2.2.4 schedules a timer with a negative delay on Node 24 (harmless: Node runs it at 1 ms);
// keep that one warning out of the CLI's output, and print every other warning as Node would.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
require(entry);
