import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { consumerGroupsOf, launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// One customer message, one trace: channels and contacts as processes export their spans over OTLP/HTTP (JSON)
// to a receiver this test runs; the message carries a traceparent of the test's own, and every span from the
// webhook through the event store, the relay, Kafka and each consumer to the read model must be in that trace,
// with nothing the customer said or who they are in any attribute.
const infra = testInfrastructure();
const run = randomBytes(3).toString('hex');
const secret = randomBytes(18).toString('base64url');
const channelId = `trace-app-${run}`;
const ports = { channels: 3261, contacts: 3262 };
const groups = { channels: uniqueName('trace-channels'), contacts: uniqueName('trace-contacts') };

interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links?: { traceId: string; spanId: string }[];
}
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** An OTLP/HTTP receiver (JSON encoding): what a collector would get from the services. */
function otlpReceiver(): Promise<{ url: string; spans: Span[]; close(): Promise<void> }> {
  const spans: Span[] = [];
  type AnyValue = {
    stringValue?: string;
    intValue?: string | number;
    boolValue?: boolean;
    doubleValue?: number;
  };
  const valueOf = (v: AnyValue = {}) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && body) {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: AnyValue }[] };
            scopeSpans: {
              spans: (Omit<Span, 'service' | 'attributes'> & {
                attributes?: { key: string; value: AnyValue }[];
              })[];
            }[];
          }[];
        };
        for (const rs of payload.resourceSpans) {
          const service = String(
            valueOf(rs.resource.attributes.find((a) => a.key === 'service.name')?.value),
          );
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                ...s,
                service,
                attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
              });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

let db: IsolatedDatabase;
let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  receiver = await otlpReceiver();
  db = await isolatedPostgresDatabase(infra, 'tracing_e2e');
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-tracing-e2e-')), 'channels.json');
  writeFileSync(configFile, JSON.stringify({ api: [{ id: channelId, kind: 'app', secret }] }));
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [...consumerGroupsOf('channels', groups.channels), ...consumerGroupsOf('contacts', groups.contacts)],
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'],
  );
  const common = {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    EVENTSTORE_URL: db.url,
    AUTH_LOCAL_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'journey-tracing-key-')), 'key.json'),
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  services.push(
    launchService('channels', ports.channels, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.channels,
      MONGO_URL: isolatedMongoUrl(infra, 'tracing_e2e_channels'),
      CHANNELS_CONFIG_FILE: configFile,
    }),
    launchService('contacts', ports.contacts, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.contacts,
      MONGO_URL: isolatedMongoUrl(infra, 'tracing_e2e_contacts'),
    }),
  );
  await readyServices(services, 90_000);
}, 180_000);

afterAll(async () => {
  await stopServices(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null));
  await receiver?.close();
  await db?.drop();
});

it('follows one customer message in one trace, from the webhook to the unified view, without personal data', async () => {
  const traceId = randomBytes(16).toString('hex');
  const email = `trace-${run}@customer.example`;
  const phone = `+8613${String(Date.now()).slice(-9)}`;
  const text = `where is parcel ${run} please`;
  const body = JSON.stringify({
    idempotencyKey: randomUUID(),
    user: { id: `user-${run}`, email, emailVerified: true, phone },
    text,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const res = await fetch(`http://127.0.0.1:${ports.channels}/v1/webhooks/api/${channelId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-journey-timestamp': timestamp,
      'x-journey-signature': `sha256=${signature}`,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    body,
  });
  expect(res.status).toBe(200);

  const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
  const consumed = (service: string, group: string) =>
    inTrace().some(
      (s) =>
        s.service === `journey-${service}` &&
        s.kind === CONSUMER &&
        String(s.attributes['messaging.consumer.group.name']).endsWith(`-${group}`),
    );
  const dbSystem = (s: Span) => String(s.attributes['db.system.name'] ?? s.attributes['db.system']);
  // The unified view's write: in the trace, or (when the batch began with another interaction's event) under
  // a batch span linked to this trace's consumer span.
  const readModelWritten = () => {
    const linkedBatches = new Set(
      receiver.spans
        .filter((s) => (s.links ?? []).some((l) => l.traceId === traceId))
        .map((s) => `${s.traceId}/${s.spanId}`),
    );
    return receiver.spans.some(
      (s) =>
        s.service === 'journey-contacts' &&
        dbSystem(s) === 'mongodb' &&
        /^(update|insert) unified-view/.test(s.name) &&
        (s.traceId === traceId || linkedBatches.has(`${s.traceId}/${s.parentSpanId ?? ''}`)),
    );
  };
  // The last hops: channels' conversation list, and contacts' unified-view and timeline projections applying
  // what contacts' resolution decided, in MongoDB. Each consumer group reads on its own, and each service exports its spans on
  // its own schedule, so every one is waited for, not only the slowest expected.
  await eventually(
    () =>
      consumed('channels', 'conversation-list') &&
      consumed('contacts', 'resolution') &&
      consumed('contacts', 'unified-view') &&
      consumed('contacts', 'customer-timeline') &&
      readModelWritten(),
    {
      timeoutMs: 60_000,
      what: 'the message traced to the unified view',
    },
  ).catch((err: Error) => {
    const seen = inTrace().map((s) => `${s.service} ${s.kind} ${s.name}`);
    throw new Error(`${err.message}\nspans in the trace:\n${seen.join('\n')}`);
  });
  const spans = inTrace();
  const summary = spans.map((s) => ({ service: s.service, kind: s.kind, name: s.name }));

  // The webhook, served by channels.
  expect(summary).toContainEqual(expect.objectContaining({ service: 'journey-channels', kind: SERVER }));
  // The event store, written by channels and by contacts (PostgreSQL client spans).
  for (const service of ['journey-channels', 'journey-contacts'])
    expect({
      service,
      store: spans.some((s) => s.service === service && dbSystem(s) === 'postgresql'),
    }).toEqual({
      service,
      store: true,
    });
  // The relay publishing to Kafka, and Kafka delivering to every consumer group on the way.
  expect(summary).toContainEqual(expect.objectContaining({ kind: PRODUCER }));
  for (const [service, group] of [
    ['channels', 'conversation-list'],
    ['contacts', 'resolution'],
    ['contacts', 'unified-view'],
    ['contacts', 'customer-timeline'],
  ] as const)
    expect({ service, group, consumed: consumed(service, group) }).toEqual({
      service,
      group,
      consumed: true,
    });
  // The read model written (MongoDB client spans of contacts, under the unified view's consumer span).
  expect(readModelWritten()).toBe(true);
  // Every span descends from one root: the parent of each is in the trace, or is the caller's span.
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  // (A failure names the spans whose parents are missing: which of them is the stray root.)
  const parents = new Set(roots.map((s) => s.parentSpanId));
  expect({
    parents: parents.size,
    roots: parents.size === 1 ? [] : roots.map((s) => `${s.service} ${s.name}`),
  }).toEqual({
    parents: 1,
    roots: [],
  });

  // Nothing the customer said, nor who they are, in any attribute of any span.
  const attributes = JSON.stringify(spans.map((s) => [s.name, s.attributes]));
  for (const personal of [email, phone, text, `user-${run}`, 'parcel'])
    expect({ personal, found: attributes.includes(personal) }).toEqual({ personal, found: false });
}, 120_000);
