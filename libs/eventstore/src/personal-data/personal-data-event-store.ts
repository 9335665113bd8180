import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRead,
  Subscription,
  SubscriptionOptions,
} from '../port/event-store.port';
import { readStreams } from '../port/event-store.port';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { journeyCatalogue } from '@journey/contracts';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { PostgresPersonalDataKeys } from './postgres-personal-data-keys';
import { PersonalDataProtection, personalDataSubject } from './personal-data-protection';

/** An append refused because an event is not what the contracts allow: a bug of its writer. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(
    readonly streamId: string,
    readonly reason: string,
  ) {
    super(`${streamId}: not appended, an event breaks its contract: ${reason}`);
  }
}

/**
 * The trace of the work that appends (an HTTP request, a consumed event) goes with each event, so the
 * relay's Kafka message and the consumers that handle it continue the same trace.
 */
function withTraceparent(events: NewEvent[]): NewEvent[] {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return events;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
  return events.map((e) => (e.metadata.traceparent ? e : { ...e, metadata: { ...e.metadata, traceparent } }));
}

/**
 * The event store as the services use it: personal fields are encrypted on append and opened on
 * read. `stored` is the store underneath, holding (and giving out) only ciphertext: the relay
 * publishes from it, so Kafka never carries personal data in the clear either.
 */
export class PersonalDataEventStore implements EventStore {
  constructor(
    readonly stored: EventStore,
    readonly protection: PersonalDataProtection,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  /** The PostgreSQL store with its key store beside it: what tools and tests outside a service open. */
  static async connectPostgres(options: {
    connectionString: string;
    masterKey: Buffer;
  }): Promise<PersonalDataEventStore & { stored: PostgresEventStore }> {
    const stored = await PostgresEventStore.connect({ connectionString: options.connectionString });
    const keys = await PostgresPersonalDataKeys.connect(options);
    const protection = new PersonalDataProtection(keys, journeyCatalogue);
    return new PersonalDataEventStore(stored, protection, () => keys.close()) as PersonalDataEventStore & {
      stored: PostgresEventStore;
    };
  }

  async append(streamId: string, raw: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Nothing the contracts do not know, or that breaks one of their bounds, is stored: such an event
    // could reach no topic, or exceed the topic's message size, and would stall every reader after it.
    for (const e of raw) {
      const problem = this.protection.catalogue.check(e.type, e.data);
      if (problem !== undefined) throw new InvalidEventError(streamId, problem);
    }
    const events = withTraceparent(raw);
    // Events of one append may name different contacts (rare, but allowed): each gets its own key.
    const bySubject = new Map<string, number[]>();
    events.forEach((e, i) => {
      const subject = personalDataSubject(streamId, e.metadata.contactId);
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), i]);
    });
    const protectedEvents = [...events];
    for (const [subject, indexes] of bySubject) {
      const done = await this.protection.protect(
        subject,
        indexes.map((i) => events[i] as NewEvent),
      );
      indexes.forEach((i, k) => (protectedEvents[i] = done[k] as NewEvent));
    }
    return this.stored.append(streamId, protectedEvents, expected);
  }

  /** Opens the personal fields of recorded events (one key lookup per batch). */
  async reveal(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const data = await this.protection.reveal(
      events.map((e) => ({
        type: e.type,
        data: e.data,
        subject: personalDataSubject(e.streamId, e.metadata.contactId),
      })),
    );
    return events.map((e, i) => (data[i] === e.data ? e : { ...e, data: data[i] }));
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.reveal(await this.stored.readStream(streamId, options));
  }

  /** The streams' tails in one read where the store can, opened together (each subject's key read once). */
  async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    const tails = await readStreams(this.stored, reads);
    const opened = await this.reveal(tails.flat());
    let at = 0;
    return tails.map((tail) => opened.slice(at, (at += tail.length)));
  }

  streamRevision(streamId: string): Promise<bigint | undefined> {
    return this.stored.streamRevision(streamId);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.reveal(await this.stored.readAll(options));
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return this.stored.subscribeToAll({
      ...options,
      onBatch: async (events) => options.onBatch(await this.reveal(events)),
    });
  }

  deleteStream(streamId: string): Promise<void> {
    return this.stored.deleteStream(streamId);
  }

  truncateStream(streamId: string, beforeRevision: bigint): Promise<void> {
    return this.stored.truncateStream(streamId, beforeRevision);
  }

  async close(): Promise<void> {
    await Promise.all([this.stored.close(), this.onClose()]);
  }
}
