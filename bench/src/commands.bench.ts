import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  localInfrastructureAddresses,
  uniqueName,
} from '@journey/testing';
import { describeMachine, percentile, round, writeResult } from './bench-kit';
import { launch, ready, signedHeaders, stop } from './bench-services';
import type { BenchService } from './bench-services';

const PORT = 3293;
const CHANNEL = 'bench-app';
/** Conversations of these many events before the timed appends. */
const LENGTHS = [10, 1_000, 10_000] as const;
const CACHED_ROUNDS = 300;
const UNCACHED_ROUNDS = 20;
const WARM_UP = 10;

/** Every timed append of the shortest length goes to a conversation of its own, so each is that long. */
const SHORT_POOL = CACHED_ROUNDS + UNCACHED_ROUNDS + 2 * WARM_UP;
let shortUsed = 0;

/** The app user whose conversation (one per user: its thread key) a timed append of this length goes to. */
const userOf = (length: number) =>
  length === LENGTHS[0] ? `bench-user-${length}-${shortUsed++}` : `bench-user-${length}`;

async function send(secret: string, user: string, text: string): Promise<number> {
  const body = JSON.stringify({ idempotencyKey: randomUUID(), user: { id: user }, text });
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${PORT}/v1/webhooks/api/${CHANNEL}`, {
    method: 'POST',
    headers: signedHeaders(secret, body),
    body,
  });
  await res.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  return ms;
}

/** One message to each conversation per round, round after round, so every length sees the same load. */
async function timeRounds(secret: string, rounds: number): Promise<Map<number, number[]>> {
  const times = new Map<number, number[]>(LENGTHS.map((l) => [l, []]));
  for (let r = 0; r < rounds + WARM_UP; r++)
    for (const length of LENGTHS) {
      const ms = await send(secret, userOf(length), `round ${r}`);
      if (r >= WARM_UP) times.get(length)?.push(ms);
    }
  return times;
}

/**
 * Command latency against the conversation's length: a customer's message appended through the
 * channels service (signed webhook → decide on the conversation's state → append), to conversations of
 * 10, 1,000 and 10,000 events; with the aggregate cache (the service's default) and without it (each
 * command folds its whole stream, as before).
 */
export async function commandsBenchmark(): Promise<void> {
  const infra = { mode: 'local' as const, ...localInfrastructureAddresses() };
  const db = await isolatedPostgresDatabase(infra, 'bench_commands');
  const secret = randomBytes(24).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'journey-bench-commands-'));
  const configFile = join(dir, 'channels.json');
  writeFileSync(configFile, JSON.stringify({ api: [{ id: CHANNEL, kind: 'app', secret }] }));
  const group = uniqueName('bench-commands');
  const start = (cacheStreams: number): BenchService =>
    launch('channels', PORT, {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_CONSUMER_GROUP: group,
      EVENTSTORE_URL: db.url,
      MONGO_URL: isolatedMongoUrl(infra, 'bench_commands'),
      AUTH_LOCAL_KEY_FILE: join(dir, 'key.json'),
      CHANNELS_CONFIG_FILE: configFile,
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '1000000',
      AGGREGATE_CACHE_STREAMS: String(cacheStreams),
    });
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  let service = start(5_000);
  let seeded = '';
  try {
    await ready([service]);
    // Each message is one event; the first also starts the conversation.
    process.stdout.write(`  seeding conversations of ${LENGTHS.join(', ')} events\n`);
    const seed = async (user: string, length: number) => {
      for (let i = 0; i < length - 1; i++) await send(secret, user, `seed ${i}`);
    };
    const [short, ...long] = LENGTHS;
    let next = 0;
    await Promise.all([
      ...long.map((length) => seed(userOf(length), length)),
      ...Array.from({ length: 4 }, async () => {
        while (next < SHORT_POOL) await seed(`bench-user-${short}-${next++}`, short);
      }),
    ]);
    const { rows } = await pool.query<{ events: string; n: string }>(
      `SELECT revision + 1 AS events, count(*) AS n FROM eventstore.streams
        WHERE stream_id LIKE 'conversation-%' GROUP BY 1 ORDER BY 1`,
    );
    seeded = rows.map((r) => `${r.n} × ${r.events}`).join(', ');
    process.stdout.write(`  seeded conversations (count × events): ${seeded}\n`);
    process.stdout.write(`  timing ${CACHED_ROUNDS} rounds with the aggregate cache\n`);
    const cached = await timeRounds(secret, CACHED_ROUNDS);
    process.stdout.write(`  timing ${UNCACHED_ROUNDS} rounds with the cache off\n`);
    await stop([service]);
    service = start(0);
    await ready([service]);
    const uncached = await timeRounds(secret, UNCACHED_ROUNDS);

    const row = (times: Map<number, number[]>, length: number) => {
      const t = times.get(length) ?? [];
      return { p50: percentile(t, 50), p95: percentile(t, 95), p99: percentile(t, 99) };
    };
    const figures = LENGTHS.flatMap((length) => {
      const c = row(cached, length);
      const u = row(uncached, length);
      const label = `${length.toLocaleString('en')}-event conversation`;
      return [
        { name: `${label}, with the aggregate cache: p50`, value: round(c.p50), unit: 'ms' },
        { name: `${label}, with the aggregate cache: p99`, value: round(c.p99), unit: 'ms' },
        { name: `${label}, whole stream folded (cache off): p50`, value: round(u.p50), unit: 'ms' },
        { name: `${label}, whole stream folded (cache off): p99`, value: round(u.p99), unit: 'ms' },
      ];
    });
    const [shortest, , longest] = LENGTHS;
    const flat = row(cached, longest).p99 / row(cached, shortest).p99;
    const before = row(uncached, longest).p99 / row(uncached, shortest).p99;
    writeResult({
      name: 'commands',
      date: new Date().toISOString(),
      machine: await describeMachine(infra.postgresUrl),
      parameters: {
        lengths: LENGTHS.join(', '),
        'conversations seeded (count × events)': seeded,
        'timed appends per length': `${CACHED_ROUNDS} (cache on), ${UNCACHED_ROUNDS} (cache off), after ${WARM_UP} warm-up rounds`,
        runner: 'node apps/channels/dist/main.js, signed app webhooks over loopback HTTP, one at a time',
      },
      figures,
      ratios: [
        {
          name: `p99, ${longest.toLocaleString('en')} vs ${shortest} events, with the aggregate cache`,
          value: round(flat),
          against: `the ${shortest}-event conversation (flat is 1×)`,
          target: '≤ 1.5×',
          met: flat <= 1.5,
        },
        {
          name: `p99, ${longest.toLocaleString('en')} vs ${shortest} events, whole stream folded`,
          value: round(before),
          against: `the ${shortest}-event conversation (what the cache removes)`,
        },
        {
          name: `p99 at ${longest.toLocaleString('en')} events, cache off vs on`,
          value: round(row(uncached, longest).p99 / row(cached, longest).p99, 1),
          against: 'the same conversation with the cache (how many times slower each command is without it)',
        },
      ],
      notes: [
        'Latency is the webhook call as the sender sees it: signature check, validation, the command (the conversation’s state, then one append) and the answer; the rounds go one message to each conversation in turn, so each length sees the same server state.',
        'With the cache a command reads the stream from the revision its cached state ends at (that event proves the stream was not rewritten, the rest is new) and appends with that revision; off, it reads and opens the whole stream, as every command did before.',
        'Every message holds sealed personal data (its text), so a whole-stream read opens every one of them.',
        'The 1,000- and 10,000-event conversations grow by the timed appends (a few hundred events); each timed append of the 10-event length goes to a conversation of its own.',
        'Cache off is also what a command on a cold stream costs once (after a start, or after its state expired): it folds the whole stream.',
      ],
    });
  } finally {
    await stop([service]);
    await pool.end();
    await db.drop();
  }
}
