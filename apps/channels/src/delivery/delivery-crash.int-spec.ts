import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@journey/eventstore';
import { issueLocalToken } from '@journey/platform';
import {
  eventually,
  freePort,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { startStandIn, writeChannelsConfig } from '../testing/channels-fixtures';
import { signRequest } from '../webhooks/signed/signed-request';

const root = join(__dirname, '..', '..', '..', '..');
const infra = testInfrastructure();
const REPLIES = 24;

describe('the channels service killed while delivering replies', () => {
  let db: IsolatedDatabase;
  let store: PostgresEventStore;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    await store?.close();
    await db?.drop();
  });

  it('delivers every reply after a restart, records each delivery once, and re-sends only what was in flight', async () => {
    db = await isolatedPostgresDatabase(infra, 'channels_crash');
    store = await PostgresEventStore.connect({ connectionString: db.url });
    // A partner callback that takes 150 ms per reply, so the kill lands in the middle of the work.
    const callback = await startStandIn(async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { status: 200, json: {} };
    });
    const secret = randomBytes(18).toString('base64url');
    const configFile = writeChannelsConfig({
      wechat: [],
      api: [{ id: 'partner', kind: 'partner-api', secret, callbackUrl: `${callback.url}/replies` }],
      voice: [],
      chat: [],
    });
    const port = await freePort();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-crash-')), 'key.json');
    const env = {
      ...process.env,
      NODE_OPTIONS: '',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_CONSUMER_GROUP: uniqueName('channels-crash'),
      EVENTSTORE_URL: db.url,
      MONGO_URL: isolatedMongoUrl(infra, 'channels_crash'),
      AUTH_LOCAL_KEY_FILE: keyFile,
      CHANNELS_CONFIG_FILE: configFile,
      DELIVERY_BACKOFF_MS: '50',
    };
    const start = async () => {
      const child = spawn(process.execPath, [join(root, 'apps', 'channels', 'dist', 'main.js')], {
        cwd: root,
        env,
      });
      children.push(child);
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[channels] ${d.toString()}`));
      await eventually(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
        { timeoutMs: 60_000, what: 'the channels service ready' },
      );
      return child;
    };
    const base = `http://127.0.0.1:${port}`;
    const first = await start();

    const body = JSON.stringify({ idempotencyKey: randomUUID(), user: { id: 'u-crash' }, text: 'hello' });
    const inbound = await fetch(`${base}/v1/webhooks/api/partner`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signRequest(secret, body) },
      body,
    });
    const { conversationId } = (await inbound.json()) as { conversationId: string };
    const token = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      subject: 'agent-1',
      roles: ['agent'],
      expiresIn: '10m',
    });
    const messageIds: string[] = [];
    for (let i = 0; i < REPLIES; i++) {
      const res = await fetch(`${base}/v1/conversations/${conversationId}/replies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `reply ${i}` }),
      });
      expect(res.status).toBe(201);
      messageIds.push(((await res.json()) as { messageId: string }).messageId);
    }

    const delivered = () =>
      new Set(callback.calls.map((c) => (JSON.parse(c.body) as { messageId: string }).messageId));
    await eventually(() => delivered().size >= 6, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'deliveries under way',
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = delivered().size;
    expect(beforeRestart).toBeLessThan(REPLIES); // killed mid-batch, not after

    await start();
    const recordedDeliveries = async () =>
      (await store.readStream(`conversation-${conversationId}`)).filter(
        (e) => e.type === 'channels.message-delivered.v1',
      );
    await eventually(async () => (await recordedDeliveries()).length === REPLIES, {
      timeoutMs: 60_000,
      what: `${REPLIES} deliveries recorded`,
    });

    expect([...delivered()].sort()).toEqual([...messageIds].sort()); // nothing lost
    const recorded = (await recordedDeliveries()).map((e) => (e.data as { messageId: string }).messageId);
    expect(new Set(recorded).size).toBe(REPLIES); // each delivery recorded once
    // At-least-once towards the partner: only what was in flight at the kill is sent twice; the
    // callback carries messageId so the partner can drop the repeat.
    expect(callback.calls.length - REPLIES).toBeLessThanOrEqual(2);
    await callback.close();
  });
});
