import { metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import pg from 'pg';
import { comparePositions, START } from '@journey/eventstore';
import type { EventStore, LogPosition, RecordedEvent, Subscription } from '@journey/eventstore';
import type { MessageBus, OutgoingMessage, TopicSpec } from '../bus/message-bus';
import { RelayCheckpoints } from './relay-checkpoints';
import { toMessage, topicForEventType } from './event-message';

/**
 * The Kafka messages of stored events, each published in the trace it was written in: a producer span per
 * event, child of the traceparent stored with it (the webhook's, the command's), and the message's traceparent
 * header naming that span, so that each consumer continues the customer's interaction, not the relay's loop.
 * An event stored without a traceparent gets no span and no header.
 */
function tracedMessages(events: readonly RecordedEvent[]): { messages: OutgoingMessage[]; spans: Span[] } {
  const spans: Span[] = [];
  const messages = events.map((event) => {
    const message = toMessage(event);
    const stored = event.metadata.traceparent;
    if (typeof stored !== 'string') return message;
    const span = tracer.startSpan(
      `publish ${message.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': message.topic,
          'messaging.message.id': event.id,
          'journey.event.type': event.type,
        },
      },
      propagation.extract(ROOT_CONTEXT, { traceparent: stored }),
    );
    spans.push(span);
    // toMessage made these headers for this message alone: the span's context replaces the stored traceparent.
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), message.headers);
    return message;
  });
  return { messages, spans };
}

/** The backlog counts at most this many events (a scrape reads them): beyond, the age says how far behind. */
const BACKLOG_COUNT_CAP = 1_000;

const tracer = trace.getTracer('journey-messaging');
const meter = metrics.getMeter('journey-messaging');
const leadingGauge = meter.createObservableGauge('journey.relay.leading', {
  description: '1 on the replica whose relay holds the lock and publishes, 0 on a standby',
});
const lagGauge = meter.createObservableGauge('journey.relay.lag', {
  description: `Events in the store after the relay's published position (counted up to ${BACKLOG_COUNT_CAP})`,
  unit: '{event}',
});
const lagSecondsGauge = meter.createObservableGauge('journey.relay.lag_seconds', {
  description: 'Age of the oldest event the relay has not yet published (0 when it has published everything)',
  unit: 's',
});
const relays = new Set<EventRelay>();
/** How often the relaying replica measures its backlog, and how long one measurement may take. */
const BACKLOG_INTERVAL_MS = 15_000;
const BACKLOG_TIMEOUT_MS = 5_000;
meter.addBatchObservableCallback(
  (observer) => {
    // A scrape never waits on the database: it reads what the relaying replica measured last. A standby (or a
    // leader still loading its checkpoint) owes nothing and says 0, so no stale value outlives a leadership.
    for (const relay of relays) {
      const attributes = { relay: relay.name };
      const backlog = relay.lastBacklog();
      observer.observe(leadingGauge, relay.leading ? 1 : 0, attributes);
      observer.observe(lagGauge, backlog.events, attributes);
      observer.observe(lagSecondsGauge, backlog.ageSeconds, attributes);
    }
  },
  [leadingGauge, lagGauge, lagSecondsGauge],
);

export interface EventRelayOptions {
  /** Names the checkpoint and the lock: one active relay per name, however many replicas run. */
  name: string;
  /**
   * The topics this relay publishes to (each event goes to its context's topic): events bound elsewhere are
   * passed over, their position checkpointed, so another relay (another service's, with its own Kafka
   * principal) publishes them. Unset: every event.
   */
  publishesTo?: readonly string[];
  /**
   * A checkpoint to start from when this relay has none yet: the relay it replaces (the platform-wide relay
   * "journey" of earlier versions), so that an upgrade does not publish the whole log again.
   */
  startsFromCheckpointOf?: string;
  store: EventStore;
  bus: MessageBus;
  /** The event store's database, for the checkpoint table and the leader lock. */
  connectionString: string;
  schema?: string;
  batchSize?: number;
  /** Most bytes one publish carries (default 512 KiB): a batch is split below the broker's request limit. */
  maxPublishBytes?: number;
  /** Topics created (if missing) before the first publish. */
  topics?: TopicSpec[];
  /** How often a standby replica tries to take over (default 2 s). */
  standbyRetryMs?: number;
  /** How often the leader checks that its lock connection is alive (default 5 s). */
  keepaliveMs?: number;
  /** How often the leading relay measures its backlog (default 15 s). */
  backlogIntervalMs?: number;
  onError?(error: unknown): void;
}

/** Splits messages, in order, into runs whose values add up to at most `maxBytes` (a larger one alone). */
export function splitByBytes(messages: OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  const runs: OutgoingMessage[][] = [];
  let run: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value) + Buffer.byteLength(m.key) + 200;
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(m);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * The outbox relay: tails the event store's global log from a durable checkpoint and publishes each
 * batch to Kafka before moving the checkpoint. At-least-once: a crash between publish and checkpoint
 * republishes that batch, and consumers deduplicate. An append that succeeded always reaches Kafka.
 *
 * One replica leads, holding a PostgreSQL advisory lock on a connection of its own. A leader that
 * cannot publish (Kafka unreachable from it, a topic it cannot create) or whose lock connection dies
 * resigns: it stops relaying, gives the lock back, and competes again after a pause, so a replica
 * that can publish takes over.
 */
export class EventRelay {
  private readonly pool: pg.Pool;
  private readonly checkpoints: RelayCheckpoints;
  private lockClient: pg.PoolClient | undefined;
  private subscription: Subscription | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Counts leaderships: a batch of an earlier one (resigned meanwhile) stops between runs. */
  private term = 0;
  published = 0;
  /** Times this replica gave up leadership after a failure. */
  resignations = 0;
  position: LogPosition = START;
  /** True from the checkpoint's load to the step down: the only time the backlog means anything. */
  private relaying = false;
  private measuring = false;
  private backlog:
    { events: number; oldest: { position: LogPosition; recordedAt: Date } | undefined } | undefined;
  /** How long the first event of the last batch waited, stored to checkpointed (the lag while it keeps up). */
  private lastBatchWaitSeconds = 0;
  private backlogTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventRelayOptions) {
    // TCP keepalive lets the server notice a vanished leader, and free its lock, sooner.
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: 3, keepAlive: true });
    this.pool.on('error', () => undefined);
    this.checkpoints = new RelayCheckpoints(this.pool, options.schema);
  }

  /** Starts relaying once this process holds the relay's lock; resolves when it is relaying or standing by. */
  async start(): Promise<void> {
    await this.checkpoints.migrate();
    relays.add(this);
    await this.tryLead().catch((err: unknown) => this.resign(err));
  }

  /** True while this replica holds the relay's lock on a live connection. */
  get leading(): boolean {
    return this.lockClient !== undefined;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * What the store holds after the published position, as last measured: the events (counted up to a cap) and
   * the age of the oldest, which keeps growing while a measurement fails. Zero unless this replica relays.
   */
  lastBacklog(): { events: number; ageSeconds: number } {
    const measured = this.backlog;
    if (!this.relaying || !measured) return { events: 0, ageSeconds: 0 };
    const oldest = measured.oldest;
    if (!oldest) return { events: measured.events, ageSeconds: 0 };
    // Not passed yet: it is still waiting, and its age grows (a stuck relay). Passed since the measurement:
    // the relay is moving, and its lag is how long its last batch waited (under steady load the measured
    // event is published within milliseconds, and its age would only say how old the measurement is).
    const waiting = comparePositions(this.position, oldest.position) < 0;
    return {
      events: measured.events,
      ageSeconds: waiting
        ? Math.max(0, (Date.now() - oldest.recordedAt.getTime()) / 1000)
        : this.lastBatchWaitSeconds,
    };
  }

  /** Measures the backlog now (bounded in time); a failed or late measurement keeps the last one. */
  private async measureBacklog(): Promise<void> {
    if (!this.relaying || this.measuring) return;
    this.measuring = true;
    const position = this.position;
    let timer: NodeJS.Timeout | undefined;
    try {
      const after = await Promise.race([
        this.options.store.readAll({ after: position, maxCount: BACKLOG_COUNT_CAP }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('backlog measurement timed out')), BACKLOG_TIMEOUT_MS);
        }),
      ]);
      // Events published while it read are counted still: an overestimate by one read's worth, which the
      // next measurement corrects (discarding it would report nothing on a relay that publishes all the time).
      // The age is the oldest event not yet passed over, whatever its topic: the relay reads them all in order.
      if (this.relaying)
        this.backlog = {
          events: this.ownEvents(after).length,
          oldest: after[0] ? { position: after[0].position, recordedAt: after[0].recordedAt } : undefined,
        };
    } catch {
      // Kept: the age of the last oldest event goes on growing, which is what an operator must see.
    } finally {
      clearTimeout(timer);
      this.measuring = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    relays.delete(this);
    clearTimeout(this.retryTimer);
    await this.stepDown();
    await this.pool.end();
  }

  /** The events this relay publishes, of those read. */
  private ownEvents(events: readonly RecordedEvent[]): readonly RecordedEvent[] {
    const topics = this.options.publishesTo;
    return topics ? events.filter((e) => topics.includes(topicForEventType(e.type))) : events;
  }

  private lockKey(): string {
    return `journey-relay:${this.options.name}`;
  }

  private async tryLead(): Promise<void> {
    if (this.stopped) return;
    const client = await this.pool.connect();
    let locked = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.lockKey()],
      );
      locked = rows[0]?.locked === true;
    } finally {
      if (!locked) client.release();
    }
    if (!locked) {
      this.later(() => this.tryLead(), this.options.standbyRetryMs ?? 2_000);
      return;
    }
    if (this.stopped) {
      // stop() ran while the lock was being taken: give it back at once.
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey()]).catch(() => undefined);
      client.release(true);
      return;
    }
    this.lockClient = client;
    const term = ++this.term;
    // The lock lives as long as this connection: if it drops, another replica may take over, so stop
    // relaying at once. A dead connection is noticed by its error event or by the keepalive.
    client.on('error', (err) => {
      if (this.lockClient === client) void this.resign(err);
    });
    const keepaliveMs = this.options.keepaliveMs ?? 5_000;
    this.keepaliveTimer = setInterval(() => {
      // A half-open connection never answers: no answer within the period counts as a dead one.
      let timer: NodeJS.Timeout | undefined;
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('relay lock connection: no answer to keepalive')),
          keepaliveMs,
        );
      });
      Promise.race([client.query('SELECT 1'), silence])
        .catch((err: unknown) => {
          if (this.lockClient === client) void this.resign(err);
        })
        .finally(() => clearTimeout(timer));
    }, keepaliveMs);
    this.keepaliveTimer.unref();
    await this.options.bus.ensureTopics(this.options.topics ?? []);
    // Resigned (and maybe leading again, under a new term) while the topics were made: not this call's.
    if (this.term !== term || this.lockClient !== client) return;
    await this.relayFromCheckpoint(term);
  }

  private async relayFromCheckpoint(term: number): Promise<void> {
    if (this.stopped || !this.lockClient) return;
    const predecessor = this.options.startsFromCheckpointOf;
    this.position =
      (await this.checkpoints.load(this.options.name)) ??
      (predecessor ? await this.checkpoints.load(predecessor) : undefined) ??
      START;
    const maxBytes = this.options.maxPublishBytes ?? 512 * 1024;
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: this.options.batchSize ?? 500,
      onBatch: async (events) => {
        const { messages, spans } = tracedMessages(this.ownEvents(events));
        try {
          // In order, one run at a time: a run is one request the broker accepts whatever the batch holds.
          // Leadership is checked before each run, so a resigned leader stops mid-batch.
          for (const run of splitByBytes(messages, maxBytes)) {
            if (!this.lockClient || this.term !== term) throw new Error('relay: no longer leading');
            await this.options.bus.publish(run);
          }
        } catch (err) {
          for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
          throw err;
        } finally {
          for (const span of spans) span.end();
        }
        const last = events[events.length - 1];
        if (last) {
          // A batch with nothing to publish still moves the checkpoint, but only while this replica leads.
          if (!this.lockClient || this.term !== term) throw new Error('relay: no longer leading');
          await this.checkpoints.save(this.options.name, last.position);
          this.position = last.position;
          const first = events[0] as RecordedEvent;
          this.lastBatchWaitSeconds = Math.max(0, (Date.now() - first.recordedAt.getTime()) / 1000);
        }
        this.published += messages.length;
        this.failures = 0;
      },
      onError: (err) => void this.resign(err),
    });
    this.relaying = true;
    this.backlog = undefined;
    clearInterval(this.backlogTimer);
    this.backlogTimer = setInterval(
      () => void this.measureBacklog(),
      this.options.backlogIntervalMs ?? BACKLOG_INTERVAL_MS,
    );
    this.backlogTimer.unref();
    void this.measureBacklog();
  }

  /**
   * Gives up leadership after a failure: stops relaying, releases the lock (destroying the connection
   * if it is broken, which frees the lock on the server), and competes again after a pause that lets a
   * standby replica take over first.
   */
  private async resign(err: unknown): Promise<void> {
    if (this.stopped) return;
    this.options.onError?.(err);
    const wasLeading = this.lockClient !== undefined;
    await this.stepDown(true);
    if (wasLeading) this.resignations += 1;
    this.failures += 1;
    const standby = this.options.standbyRetryMs ?? 2_000;
    this.later(
      () => this.tryLead(),
      Math.max(2 * standby, Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7))),
    );
  }

  private async stepDown(broken = false): Promise<void> {
    clearInterval(this.keepaliveTimer);
    this.relaying = false;
    this.backlog = undefined;
    clearInterval(this.backlogTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop().catch(() => undefined);
    const client = this.lockClient;
    this.lockClient = undefined;
    if (!client) return;
    const unlocked = await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey()])
      .then(() => true)
      .catch(() => false);
    // A connection that could not unlock is destroyed: the server frees its locks with the session.
    client.release(broken || !unlocked ? true : undefined);
  }

  /** Runs `attempt` after `delayMs`; an attempt that throws resigns (and so schedules the next one). */
  private later(attempt: () => Promise<void>, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      attempt().catch((err: unknown) => this.resign(err));
    }, delayMs);
  }
}
