import {
  ANY,
  BACKWARDS,
  END,
  excludeSystemEvents,
  streamNameFilter,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START as KURRENT_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import type { AppendStreamState, JSONEventType } from '@kurrent/kurrentdb-client';
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
import { WrongExpectedRevisionError } from '../port/event-store.port';
import { measuredAppend } from '../port/append-metrics';
import { AppendSignal } from '../port/append-signal';
import { catchUpSubscription } from '../port/catch-up-subscription';
import { comparePositions, START } from '../port/log-position';

type StoredMetadata = NewEvent['metadata'];

/**
 * The production option the design names: KurrentDB (EventStoreDB's successor) behind the same port.
 * Its global log is $all (commit/prepare positions); system events are left out. Two differences
 * from PostgreSQL, declared to the contract suite: a repeated event id is an idempotent no-op rather
 * than an error, and a deleted stream's events stay in $all until the server scavenges.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly appended = new AppendSignal();

  constructor(connectionString: string) {
    this.client = KurrentDBClient.connectionString(connectionString);
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return measuredAppend('kurrentdb', () => this.appendNow(streamId, events, expected));
  }

  private async appendNow(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const streamState: AppendStreamState =
      expected === 'no_stream'
        ? NO_STREAM
        : expected === 'stream_exists'
          ? STREAM_EXISTS
          : expected === 'any'
            ? ANY
            : expected;
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((e) =>
          jsonEvent<JSONEventType>({
            id: e.id,
            type: e.type,
            data: e.data as JSONEventType['data'],
            metadata: e.metadata as JSONEventType['metadata'],
          }),
        ),
        { streamState },
      );
      this.appended.notify();
      const position = result.position ?? START;
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: { commit: position.commit, prepare: position.prepare },
      };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = typeof err.actualState === 'bigint' ? err.actualState : undefined;
        throw new WrongExpectedRevisionError(streamId, expected, actual);
      }
      throw err;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : KURRENT_START),
        ...(options.maxCount ? { maxCount: options.maxCount } : {}),
      })) {
        if (resolved.event) out.push(toRecorded(resolved.event));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  async streamRevision(streamId: string): Promise<bigint | undefined> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last?.revision;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const maxCount = options.maxCount ?? 4096;
    const out: RecordedEvent[] = [];
    // $all reads start *at* a position; the port reads *after* it.
    for await (const resolved of this.client.readAll({
      fromPosition: comparePositions(after, START) === 0 ? KURRENT_START : after,
      direction: FORWARDS,
      maxCount: maxCount + 1,
      filter: options.streamPrefixes
        ? streamNameFilter({ prefixes: [...options.streamPrefixes] })
        : excludeSystemEvents(),
    })) {
      if (!resolved.event?.position) continue;
      const event = toRecorded(resolved.event);
      if (comparePositions(event.position, after) <= 0) continue;
      out.push(event);
      if (out.length === maxCount) break;
    }
    return out;
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    // Appends by other processes are found on a 200 ms poll.
    return catchUpSubscription({ readAll: (o) => this.readAll(o), appended: this.appended }, options, 200);
  }

  /**
   * A soft delete: the stream reads as absent; written again, its revisions continue where they left
   * off (KurrentDB's documented behaviour, which the port adopts); $all keeps the events until a scavenge.
   */
  async deleteStream(streamId: string): Promise<void> {
    try {
      await this.client.deleteStream(streamId);
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
  }

  async truncateStream(streamId: string, beforeRevision: bigint): Promise<void> {
    await this.client.setStreamMetadata(streamId, { truncateBefore: Number(beforeRevision) });
  }

  async close(): Promise<void> {
    this.appended.release();
    await this.client.dispose();
  }
}

interface KurrentRecorded {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: { commit: bigint; prepare: bigint };
}

function toRecorded(e: KurrentRecorded): RecordedEvent {
  return {
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata as StoredMetadata,
    streamId: e.streamId,
    revision: e.revision,
    position: e.position ? { commit: e.position.commit, prepare: e.position.prepare } : START,
    recordedAt: e.created,
  };
}
