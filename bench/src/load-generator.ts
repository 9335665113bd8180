import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { percentile } from './bench-kit';
import { signedHeaders } from './bench-services';

/**
 * The live-path benchmark's load generator, a process of its own: signed app webhooks posted open-loop
 * (each at its planned time, whether or not earlier ones were answered) at one rate for a bounded time,
 * to loopback only, from many senders, a few of them hot (long conversations). It prints one JSON
 * summary on stdout.
 */
const HELP = `Usage: node bench/dist/load-generator.js --url http://127.0.0.1:PORT/v1/webhooks/api/CHANNEL
  --secret S --rate N --seconds N --senders N [--hot N] [--hot-share 0.2] [--probes N]
  [--prefix P] [--max-in-flight N] [--each-sender]

Posts N signed messages per second for the given seconds (open loop). Senders are P-0 … P-(senders-1):
the first --hot of them take --hot-share of the messages (long conversations); the last --probes are
probes whose send times are reported, to time the webhook-to-timeline path. Requests that would exceed
--max-in-flight are not sent and counted as shed. --each-sender sends message i from sender i (mod
senders) instead, so that every sender writes. Only loopback URLs are accepted.
`;

/** What the generator prints: the live-path benchmark reads it. */
export interface Summary {
  rate: number;
  seconds: number;
  offered: number;
  sent: number;
  accepted: number;
  shed: number;
  errors: Record<string, number>;
  /** From the first planned send to the last answer. */
  elapsedSeconds: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Each probe sender's accepted messages: the sentAt each carried (epoch ms). */
  probes: Record<string, number[]>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      senders: { type: 'string' },
      hot: { type: 'string', default: '5' },
      'hot-share': { type: 'string', default: '0.2' },
      probes: { type: 'string', default: '20' },
      prefix: { type: 'string', default: 'load' },
      'max-in-flight': { type: 'string', default: '2000' },
      'each-sender': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const url = new URL(values.url ?? '');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error(`only loopback targets are allowed, not ${url.hostname}`);
  const secret = values.secret ?? '';
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const senders = Number(values.senders);
  const hot = Number(values.hot);
  const hotShare = Number(values['hot-share']);
  const probes = Number(values.probes);
  const maxInFlight = Number(values['max-in-flight']);
  if (
    !secret ||
    !(rate > 0 && rate <= 5_000) ||
    !(seconds > 0 && seconds <= 600) ||
    !(senders > hot + probes)
  )
    throw new Error(`bad arguments\n${HELP}`);

  const offered = Math.round(rate * seconds);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const probeTimes: Record<string, number[]> = {};
  let sent = 0;
  let accepted = 0;
  let shed = 0;
  let inFlight = 0;
  let lastAnswer = 0;
  const pending = new Set<Promise<void>>();

  const senderOf = (i: number) => {
    if (values['each-sender']) return i % senders;
    // A fixed mix: hot senders take hotShare of the messages, the rest spread evenly.
    const slot = (i * 7919) % 1000;
    if (slot < hotShare * 1000) return i % hot;
    return hot + (i % (senders - hot));
  };
  const post = async (i: number) => {
    const sender = `${values.prefix}-${senderOf(i)}`;
    const sentAt = Date.now();
    const body = JSON.stringify({
      idempotencyKey: randomUUID(),
      user: { id: sender },
      text: `Message ${i} from ${sender}: where is my order?`,
      sentAt: new Date(sentAt).toISOString(),
    });
    inFlight++;
    sent++;
    const started = process.hrtime.bigint();
    try {
      const res = await fetch(url, { method: 'POST', headers: signedHeaders(secret, body), body });
      await res.arrayBuffer();
      if (res.status === 200) {
        accepted++;
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (senderOf(i) >= senders - probes) (probeTimes[sender] ??= []).push(sentAt);
      } else errors[String(res.status)] = (errors[String(res.status)] ?? 0) + 1;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? 'network';
      errors[code] = (errors[code] ?? 0) + 1;
    } finally {
      inFlight--;
      lastAnswer = Date.now();
    }
  };

  const t0 = Date.now();
  let next = 0;
  while (next < offered) {
    const due = Math.min(offered, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
    for (; next < due; next++) {
      if (inFlight >= maxInFlight) {
        shed++;
        continue;
      }
      const p = post(next);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  const summary: Summary = {
    rate,
    seconds,
    offered,
    sent,
    accepted,
    shed,
    errors,
    elapsedSeconds: (Math.max(lastAnswer, Date.now()) - t0) / 1000,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
    probes: probeTimes,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`load-generator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
