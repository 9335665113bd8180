import type { Collection, Document } from 'mongodb';
import type { EventEnvelope } from '@journey/contracts';
import type { EventStore, LogPosition, RecordedEvent } from '@journey/eventstore';
import {
  cleanReason,
  EventPreparation,
  failureReason,
  parkedMessageId,
  streamKeyOf,
  toEnvelope,
  toMessage,
  topicForEventType,
} from '@journey/messaging';
import type { IncomingMessage, PreparedEvent, StreamParking } from '@journey/messaging';
import { isTransientError, waitOutTransient } from '@journey/platform';
import type { ProjectedEvent, Projection } from './projection';
import { applyBatch } from './read-model-writer';
import type { VersionCache } from './read-model-writer';

/** What a replay does with an event it cannot apply: the same as the live path, parked with its stream. */
export interface ReplayParking {
  parking: StreamParking;
  /** The group the parked streams are recorded under (the live group's, or the build's own). */
  groupId: string;
}

export interface ReplayPassOptions {
  store: EventStore;
  projection: Projection;
  target: Collection<Document>;
  batchSize: number;
  /** The live path's check, upcast and opening of personal data (by default none). */
  preparation?: EventPreparation;
  parking?: ReplayParking;
  /** The topics the live path reads: events of other contexts are passed over, as live never sees them. */
  topics?: readonly string[];
  /** The build's document versions, read once each (see applyBatch). */
  versions?: VersionCache;
  signal?: AbortSignal;
  /** After each batch: where the pass got to and how many it read in this batch. */
  afterBatch?(position: LogPosition, read: number): Promise<void>;
}

/** Runs `operation`, waiting out passing faults of the store or the read models as the live path does. */
const waitingOut = <T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> =>
  waitOutTransient(operation, signal ? { signal } : {});

/** The event as the live path's message: sealed as stored, keyed by stream, revision in a header. */
function asMessage(event: RecordedEvent): IncomingMessage {
  const message = toMessage(event);
  return {
    ...message,
    partition: -1,
    offset: `${event.position.commit}:${event.position.prepare}`,
    value: Buffer.from(message.value as string),
  };
}

/**
 * Replays the log after `from` to its end into `target`, the way the live path applies it: each event
 * prepared by the same step, a stream whose event fails for good parked (and its later events behind
 * it), passing faults waited out. Returns where it stopped, and whether it reached the end.
 */
export async function replayPass(
  from: LogPosition,
  options: ReplayPassOptions,
): Promise<{ position: LogPosition; read: number; applied: number; parked: number; complete: boolean }> {
  const { store, projection, target, batchSize, signal } = options;
  const preparation = options.preparation ?? new EventPreparation();
  const versions: VersionCache = options.versions ?? new Map();
  const wanted = new Set(projection.eventTypes);
  const parkedStreams = options.parking
    ? new Set((await options.parking.parking.list(options.parking.groupId)).map((p) => p.streamKey))
    : new Set<string>();
  let position = from;
  let read = 0;
  let applied = 0;
  let parked = 0;

  const parking = options.parking;
  const park = async (event: RecordedEvent, reason: string) => {
    if (!parking)
      throw new Error(`${projection.name}: cannot apply event ${event.id}: ${cleanReason(reason)}`);
    const message = asMessage(event);
    // Parked under the key the live consumer derives from the message, so both see the same stream.
    await waitingOut(
      () =>
        parking.parking.park(parking.groupId, streamKeyOf(message), {
          messageId: parkedMessageId(message),
          message,
          reason: cleanReason(reason),
          parkedAt: new Date(),
        }),
      signal,
    );
    parkedStreams.add(event.streamId);
    parked += 1;
  };
  const apply = (events: ProjectedEvent[]) =>
    waitingOut(() => applyBatch(target, projection, events, versions), signal);

  // Reads and prepares the batch after `after`. Every event is prepared, as the live consumer prepares
  // every message; the projection's types are picked after the upcast, so an old version of a type it
  // reads is not passed over.
  const topics = options.topics;
  const readBatch = async (after: LogPosition) => {
    const events = await waitingOut(() => store.readAll({ after, maxCount: batchSize }), signal);
    const relevant = topics ? events.filter((e) => topics.includes(topicForEventType(e.type))) : events;
    const prepared = await waitingOut(() => preparation.prepareAll(relevant.map(toEnvelope)), signal);
    return { events, relevant, prepared };
  };
  // The next batch is read while this one is written: the store and the read models work side by side.
  let upcoming: Promise<Awaited<ReturnType<typeof readBatch>>> | undefined;
  for (;;) {
    if (signal?.aborted) {
      upcoming?.catch(() => undefined);
      return { position, read, applied, parked, complete: false };
    }
    const { events, relevant, prepared } = await (upcoming ?? readBatch(position));
    upcoming =
      events.length === batchSize
        ? readBatch((events[events.length - 1] as RecordedEvent).position)
        : undefined;
    // A read ahead that fails is awaited (and so thrown) on the next turn, never left unhandled.
    upcoming?.catch(() => undefined);
    const ready: { event: RecordedEvent; projected: ProjectedEvent }[] = [];
    for (const [i, event] of relevant.entries()) {
      if (parkedStreams.has(event.streamId)) {
        await park(event, 'parked behind an earlier event of its stream');
        continue;
      }
      const checked = prepared[i] as PreparedEvent;
      if (!checked.ok) {
        await park(event, checked.reason);
        continue;
      }
      if (!wanted.has(checked.envelope.type)) continue;
      ready.push({ event, projected: toProjected(event, checked.envelope) });
    }
    try {
      applied += (await apply(ready.map((r) => r.projected))).applied;
    } catch (err) {
      if (isTransientError(err)) throw err; // aborted while waiting
      // One event in the batch is refused: apply one by one, parking the refused one's stream.
      for (const { event, projected } of ready) {
        if (parkedStreams.has(event.streamId)) {
          await park(event, 'parked behind an earlier event of its stream');
          continue;
        }
        try {
          applied += (await apply([projected])).applied;
        } catch (single) {
          if (isTransientError(single)) throw single;
          await park(event, `the read model refused it: ${failureReason(single)}`);
        }
      }
    }
    if (events.length > 0) {
      position = (events[events.length - 1] as RecordedEvent).position;
      read += events.length;
      await options.afterBatch?.(position, events.length);
    }
    if (events.length < batchSize) return { position, read, applied, parked, complete: true };
  }
}

/** A stored event, prepared, as the projection sees it. */
export function toProjected(
  event: RecordedEvent,
  envelope: EventEnvelope = toEnvelope(event),
): ProjectedEvent {
  return {
    id: event.id,
    type: envelope.type,
    streamId: event.streamId,
    revision: event.revision,
    time: envelope.time,
    ...(envelope.contactId ? { contactId: envelope.contactId } : {}),
    data: envelope.data,
  };
}
