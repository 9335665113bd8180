import { analyticsBenchmark } from './analytics.bench';
import { writeSummary } from './bench-kit';
import { commandsBenchmark } from './commands.bench';
import { eventStoreBenchmark } from './eventstore.bench';
import { knowledgeBenchmark } from './knowledge.bench';
import { livePathBenchmark } from './live-path.bench';
import { metricsUnderLoadBenchmark } from './metrics-under-load.bench';
import { relayBenchmark } from './relay.bench';
import { replayBenchmark } from './replay.bench';
import { ticketsBenchmark } from './tickets.bench';
import { unifiedViewBenchmark } from './unified-view.bench';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  analytics: analyticsBenchmark,
  commands: commandsBenchmark,
  eventstore: eventStoreBenchmark,
  knowledge: knowledgeBenchmark,
  'live-path': livePathBenchmark,
  'metrics-under-load': metricsUnderLoadBenchmark,
  relay: relayBenchmark,
  replay: replayBenchmark,
  tickets: ticketsBenchmark,
  'unified-view': unifiedViewBenchmark,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `Usage: npx nx bench bench [-- <name>...]\n\nBenchmarks: ${Object.keys(BENCHMARKS).join(', ')} (all when none is named).\n` +
        'Needs the local infrastructure (npm run infra:up). Writes bench/results/<name>.json and bench/README.md.\n' +
        '--summary only regenerates bench/README.md from the results and bench/readings/<name>.md.\n',
    );
    return;
  }
  if (args.includes('--summary')) {
    writeSummary();
    process.stdout.write('bench/README.md regenerated from bench/results and bench/readings\n');
    return;
  }
  const unknown = args.filter((a) => !(a in BENCHMARKS));
  if (unknown.length)
    throw new Error(
      `unknown benchmark: ${unknown.join(', ')} (one of: ${Object.keys(BENCHMARKS).join(', ')})`,
    );
  for (const name of args.length ? args : Object.keys(BENCHMARKS)) {
    process.stdout.write(`\n━━ ${name} ━━\n`);
    const started = Date.now();
    const run = BENCHMARKS[name];
    if (run) await run();
    process.stdout.write(
      `${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s → bench/results/${name}.json\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
