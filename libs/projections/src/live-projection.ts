import type { Db } from 'mongodb';
import type { EventCatalogue, EventEnvelope } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, STREAM_REVISION_HEADER, streamRevisionOf } from '@journey/messaging';
import type { ConsumedEvent, IncomingMessage, MessageBus, StreamParking } from '@journey/messaging';
import type { ProjectedEvent, Projection } from './projection';
import { ProjectionState } from './projection-state';
import { applyBatch, ensureIndexes } from './read-model-writer';

export interface LiveProjectionOptions {
  projection: Projection;
  bus: MessageBus;
  db: Db;
  topics: string[];
  /** Defaults to `projection-<name>`. */
  groupId?: string;
  /** Checks (and upcasts) each event's data; invalid events are dead-lettered. */
  catalogue?: Pick<EventCatalogue, 'validate'>;
  /** Opens encrypted personal fields, as a replay does with the same preparation. */
  personalData?: Pick<PersonalDataProtection, 'reveal'>;
  /** Where a stream whose event cannot be applied waits, in order, for a redrive. */
  parking: StreamParking;
  /** Tries of a failure that is not a passing fault before the event is parked (default 3). */
  maxAttempts?: number;
  /** Told about each event that could not be applied and was parked with its stream. */
  onDeadLetter?(reason: string): void;
}

export function fromEnvelope(envelope: EventEnvelope, message: IncomingMessage): ProjectedEvent {
  const revision = streamRevisionOf(message);
  if (revision === undefined) throw new Error(`message has no ${STREAM_REVISION_HEADER} header`);
  return {
    id: envelope.id,
    type: envelope.type,
    streamId: envelope.subject,
    revision,
    time: envelope.time,
    ...(envelope.contactId ? { contactId: envelope.contactId } : {}),
    data: envelope.data,
  };
}

/**
 * The live path: a consumer group over the projection's topics that applies each Kafka batch to the
 * active collection in one bulk write (the collection looked up for every batch, so a blue/green
 * switch takes effect at once).
 */
export class LiveProjection {
  private readonly consumer: EventConsumer;
  private readonly states: ProjectionState;
  applied = 0;

  constructor(private readonly options: LiveProjectionOptions) {
    this.states = new ProjectionState(options.db);
    this.consumer = new EventConsumer({
      bus: options.bus,
      groupId: options.groupId ?? `projection-${options.projection.name}`,
      topics: options.topics,
      parking: options.parking,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.catalogue ? { catalogue: options.catalogue } : {}),
      ...(options.personalData ? { personalData: options.personalData } : {}),
      ...(options.onDeadLetter
        ? { onDeadLetter: (_: unknown, reason: string) => options.onDeadLetter?.(reason) }
        : {}),
      handle: (envelope, message) => this.apply([{ envelope, message }]),
      // A Kafka batch is one write per document of the read model (see applyBatch).
      handleMany: (events) => this.apply(events),
    });
  }

  private async apply(events: readonly ConsumedEvent[]): Promise<void> {
    const { projection, db } = this.options;
    const wanted = events.filter((e) => projection.eventTypes.includes(e.envelope.type));
    if (wanted.length === 0) return;
    const active = await this.states.liveTarget(projection.name, projection.version);
    // Waited out as a passing fault: the rebuild's tail takes seconds, and readiness says why.
    if (active === undefined)
      throw Object.assign(new Error(`${projection.name}: a rebuild is replaying its tail`), {
        transient: true,
      });
    const projected = wanted.map((e) => fromEnvelope(e.envelope, e.message));
    this.applied += (await applyBatch(db.collection(active), projection, projected)).applied;
  }

  get deadLettered(): number {
    return this.consumer.deadLettered;
  }

  async start(): Promise<void> {
    const { projection, topics } = this.options;
    await this.states.recordLive(projection.name, projection.version, {
      groupId: this.options.groupId ?? `projection-${projection.name}`,
      topics,
    });
    const active = await this.states.active(projection.name, projection.version);
    await ensureIndexes(this.options.db.collection(active), projection);
    await this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
