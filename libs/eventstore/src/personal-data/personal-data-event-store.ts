import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
} from '../port/event-store.port';
import { journeyCatalogue } from '@journey/contracts';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { PostgresPersonalDataKeys } from './postgres-personal-data-keys';
import { PersonalDataProtection, personalDataSubject } from './personal-data-protection';

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

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
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
