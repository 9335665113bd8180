import { execFileSync } from 'node:child_process';
import { cpus, freemem, release, totalmem, type } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const BENCH_DIR = join(__dirname, '..');
export const REPO = join(BENCH_DIR, '..');

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export interface Ratio {
  name: string;
  /** ours / peer-or-limit */
  value: number;
  against: string;
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: Record<string, string | number>;
  parameters: Record<string, string | number>;
  figures: Figure[];
  ratios: Ratio[];
  notes: string[];
  /** Earlier runs' figures and ratios, newest first: kept so that progress stays visible. */
  history?: HistoryEntry[];
}

export interface HistoryEntry {
  date: string;
  parameters: Record<string, string | number>;
  figures: Figure[];
  ratios: Ratio[];
}

/** How many earlier runs a result keeps. */
const HISTORY_LIMIT = 12;

/** What the figures were measured on: the same machine and servers for ours and the peer. */
export async function describeMachine(postgresUrl: string): Promise<Record<string, string | number>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  await client.end();
  const kafkaPom = readFileSync(join(REPO, 'infra/local/kafka/pom.xml'), 'utf8');
  let java = 'unknown';
  try {
    java =
      execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || 'java';
  } catch (err) {
    java = String((err as { stderr?: string }).stderr ?? 'unknown');
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    postgres: rows[0]?.version.split(',')[0] ?? 'unknown',
    kafka: `Apache Kafka ${/<kafka.version>([^<]+)</.exec(kafkaPom)?.[1] ?? '?'} (KRaft, 1 node, loopback)`,
    mongoWire: 'mongo-java-server 1.47.0, H2 backend (loopback)',
    java:
      java
        .split('\n')
        .find((l) => l.includes('version'))
        ?.trim() ?? java.trim(),
  };
}

/** Median of repeated timings, in events per second. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The nearest-rank percentile (p in 0..100) of values, in any order. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The last item of a non-empty list. */
export function last<T>(items: T[]): T {
  const item = items[items.length - 1];
  if (item === undefined) throw new Error('empty list');
  return item;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Writes a run's result; the run it replaces joins the history (newest first, bounded). */
export function writeResult(result: BenchResult): void {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResult) : undefined;
  const history = previous
    ? [
        {
          date: previous.date,
          parameters: previous.parameters,
          figures: previous.figures,
          ratios: previous.ratios,
        },
        ...(previous.history ?? []),
      ].slice(0, HISTORY_LIMIT)
    : [];
  writeFileSync(file, `${JSON.stringify({ ...result, history }, null, 2)}\n`);
  writeSummary();
  printSpread(result, history);
}

/** Prints each ratio of this run beside the spread of the same ratio over the earlier runs. */
function printSpread(result: BenchResult, history: HistoryEntry[]): void {
  for (const q of result.ratios) {
    const earlier = history.flatMap((h) => h.ratios.filter((e) => e.name === q.name).map((e) => e.value));
    const spread = earlier.length
      ? ` (earlier ${earlier.length} run${earlier.length > 1 ? 's' : ''}: ${Math.min(...earlier)}×–${Math.max(...earlier)}×)`
      : ' (no earlier run)';
    process.stdout.write(`  ${q.name}: ${q.value}×${spread}\n`);
  }
}

/** Earlier runs as one table: each figure or ratio of any run, one column per run (newest first). */
function historyLines(r: BenchResult): string[] {
  const runs = [{ date: r.date, figures: r.figures, ratios: r.ratios }, ...(r.history ?? [])];
  if (runs.length < 2) return [];
  const rows = new Map<string, string[]>();
  runs.forEach((run, i) => {
    const cells = (name: string) => {
      let row = rows.get(name);
      if (!row) rows.set(name, (row = runs.map(() => '')));
      return row;
    };
    for (const f of run.figures) cells(f.name)[i] = `${f.value.toLocaleString('en')} ${f.unit}`;
    for (const q of run.ratios) cells(`${q.name} (ratio)`)[i] = `${q.value}×`;
  });
  return [
    '',
    `Earlier runs (${runs.length - 1}), newest first:`,
    '',
    `| figure | ${runs.map((run) => run.date.slice(0, 16).replace('T', ' ')).join(' | ')} |`,
    `| --- | ${runs.map(() => '---').join(' | ')} |`,
    ...[...rows].map(([name, row]) => `| ${name} | ${row.join(' | ')} |`),
  ];
}

/** bench/README.md: how to run, then one table per result file. */
export function writeSummary(): void {
  const dir = join(BENCH_DIR, 'results');
  const results = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult);
  const lines = [
    '# Benchmarks',
    '',
    'Run with `npx nx bench bench` (all) or `npx nx bench bench -- <name>` after `npm run infra:up`. Each run writes',
    '`bench/results/<name>.json` (machine, date, parameters, figures, ratios) and regenerates this page.',
    'Figures are throughput measured in one run on the same servers; ratios compare ours with a peer or a',
    'limit measured in that same run. They are not run by `npm test`.',
    '',
  ];
  for (const r of results) {
    lines.push(`## ${r.name} — ${r.date.slice(0, 10)}`, '');
    lines.push(
      `Machine: ${r.machine['cpu']}, ${r.machine['cores']} cores, ${r.machine['memoryGiB']} GiB, ${r.machine['node']}; ${r.machine['postgres']}; ${r.machine['kafka']}; ${r.machine['mongoWire']}.`,
      '',
    );
    lines.push(
      `Parameters: ${Object.entries(r.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      '',
    );
    lines.push('| figure | value |', '| --- | --- |');
    for (const f of r.figures) lines.push(`| ${f.name} | ${f.value.toLocaleString('en')} ${f.unit} |`);
    lines.push('', '| ratio | value | against | target |', '| --- | --- | --- | --- |');
    for (const q of r.ratios) {
      lines.push(
        `| ${q.name} | **${q.value}×** | ${q.against} | ${q.target ? `${q.target} — ${q.met ? 'met' : 'NOT met'}` : ''} |`,
      );
    }
    if (r.notes.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
    // What the figures mean and what holds them back, written by people: bench/readings/<name>.md.
    const reading = join(BENCH_DIR, 'readings', `${r.name}.md`);
    if (existsSync(reading)) lines.push('', readFileSync(reading, 'utf8').trim());
    lines.push(...historyLines(r));
    lines.push('');
  }
  writeFileSync(join(BENCH_DIR, 'README.md'), lines.join('\n'));
}

export function ensureDir(path: string): string {
  if (!existsSync(path)) mkdirSync(path, { recursive: true });
  return path;
}
