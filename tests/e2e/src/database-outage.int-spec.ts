import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { issueLocalToken } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  tcpProxy,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase, TcpProxy } from '@journey/testing';
import { launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// PostgreSQL (the event store, the key store, the parking) goes away for 10 s while customers write
// through the app webhook at about 50 messages a second. Both services reach it through a proxy the
// test cuts, as a restart or a network partition would. Providers retry what was answered 503.
const infra = testInfrastructure();
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-outage-')), 'key.json');
const appSecret = randomBytes(24).toString('base64url');
const channelsUrl = 'http://127.0.0.1:3221';
const contactsUrl = 'http://127.0.0.1:3222';
const SENDERS = 40;
// Every run's customers are new: the local broker's topics outlive a run, and other runs' events
// (sealed by other databases' key vaults) are read too.
const run = randomBytes(4).toString('hex');
const OUTAGE_MS = 10_000;

let db: IsolatedDatabase;
let proxy: TcpProxy;
const groups = { channels: uniqueName('outage-channels'), contacts: uniqueName('outage-contacts') };
const children: ServiceProcess[] = [];

function launch(name: 'channels' | 'contacts', port: number, configFile: string) {
  children.push(
    launchService(name, port, {
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_CONSUMER_GROUP: groups[name],
      EVENTSTORE_URL: proxy.via(db.url),
      MONGO_URL: isolatedMongoUrl(infra, `outage_${name}`),
      AUTH_LOCAL_KEY_FILE: keyFile,
      CHANNELS_CONFIG_FILE: configFile,
      RATE_LIMIT_PER_SECOND: '1000',
      RATE_LIMIT_BURST: '4000',
    }),
  );
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One signed app-webhook message; the status and, for 503, whether Retry-After came with it. */
async function send(user: number, seq: number): Promise<{ status: number; retryAfter: boolean }> {
  const body = JSON.stringify({
    idempotencyKey: `u${user}-m${seq}`,
    user: { id: `user-${run}-${user}` },
    text: `message ${String(seq).padStart(3, '0')} from user ${user}`,
    sentAt: new Date(Date.UTC(2026, 10, 24, 0, 0, seq)).toISOString(),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', appSecret).update(`${timestamp}.`).update(body).digest('hex');
  const res = await fetch(`${channelsUrl}/v1/webhooks/api/app`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-journey-timestamp': timestamp,
      'x-journey-signature': `sha256=${signature}`,
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.has('retry-after') };
}

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'outage');
  const target = new URL(db.url);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port) });
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-outage-cfg-')), 'channels.json');
  writeFileSync(configFile, JSON.stringify({ api: [{ id: 'app', kind: 'app', secret: appSecret }] }));
  launch('channels', 3221, configFile);
  launch('contacts', 3222, configFile);
  await readyServices(children);
});

afterAll(async () => {
  await proxy?.restore();
  await stopServices(children);
  await proxy?.close();
  await db?.drop();
});

describe('PostgreSQL away for 10 s under live traffic', () => {
  it('answers 503 with Retry-After meanwhile, and loses, reorders and parks nothing', async () => {
    const statuses = new Map<number, number>();
    const sentBy = new Map<number, number>();
    const unanswered503 = { count: 0 };
    const retry: [number, number][] = [];
    const readiness = new Set<number>();
    let sending = true;
    let cut = false;

    // Each sender writes in order, one message at a time, about once every 0.8 s.
    const sender = async (user: number) => {
      for (let seq = 0; sending; seq++) {
        sentBy.set(user, seq + 1);
        const { status, retryAfter } = await send(user, seq).catch(() => ({ status: 0, retryAfter: false }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 503) {
          if (!retryAfter) unanswered503.count += 1;
          retry.push([user, seq]);
        } else if (status !== 200) retry.push([user, seq]);
        await pause(800);
      }
    };
    const probe = (async () => {
      while (sending) {
        if (cut)
          readiness.add((await fetch(`${contactsUrl}/health/ready`).catch(() => undefined))?.status ?? 0);
        await pause(500);
      }
    })();
    const senders = Array.from({ length: SENDERS }, (_, u) => sender(u));
    await pause(4_000);
    await proxy.cut();
    cut = true;
    await pause(OUTAGE_MS);
    await proxy.restore();
    cut = false;
    await pause(4_000);
    sending = false;
    await Promise.all([...senders, probe]);

    // What the outage refused, the provider sends again (same idempotency key) once it has passed.
    for (const [user, seq] of retry) {
      const again = await eventually(
        async () => {
          const r = await send(user, seq);
          return r.status === 200 ? r : undefined;
        },
        { timeoutMs: 30_000, what: `u${user}-m${seq} accepted` },
      );
      expect(again.status).toBe(200);
    }
    process.stdout.write(
      `database outage: answers ${JSON.stringify(Object.fromEntries(statuses))}, ${retry.length} sent again after it, readiness seen ${[...readiness].join('/')}\n`,
    );
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(unanswered503.count).toBe(0);
    expect(readiness.has(503)).toBe(true);

    // Every message reaches the customer's view: each customer's whole sequence, none missing.
    const token = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      subject: 'outage-spec',
      roles: ['agent'],
      expiresIn: '1h',
    });
    const auth = { authorization: `Bearer ${token}` };
    for (let u = 0; u < SENDERS; u++) {
      const count = sentBy.get(u) ?? 0;
      expect(count).toBeGreaterThan(15);
      const seqs = await eventually(
        async () => {
          const lookup = await fetch(`${contactsUrl}/v1/contacts/lookup?appUserId=user-${run}-${u}`, {
            headers: auth,
          });
          if (lookup.status !== 200) return undefined;
          const { contactId } = (await lookup.json()) as { contactId: string };
          const page = (await (
            await fetch(`${contactsUrl}/v1/contacts/${contactId}/timeline?limit=200`, { headers: auth })
          ).json()) as { entries: { kind: string; summary?: string }[] };
          const received = page.entries
            .filter((e) => e.kind === 'message-received')
            .map((e) => Number(/message (\d+)/.exec(e.summary ?? '')?.[1]));
          return received.length >= count ? received : undefined;
        },
        { timeoutMs: 60_000, what: `user ${u}'s ${count} messages in the view` },
      );
      expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));
    }
    const store = new pg.Pool({ connectionString: db.url, max: 2 });
    // Nothing was parked: the outage was waited out, not dead-lettered.
    const { rows: parked } = await store.query<{ n: string }>(
      'SELECT count(*) AS n FROM eventstore.parked_streams WHERE group_id LIKE $1 OR group_id LIKE $2',
      [`${groups.channels}%`, `${groups.contacts}%`],
    );
    expect(Number(parked[0]?.n)).toBe(0);
    await store.end();
  });
});
