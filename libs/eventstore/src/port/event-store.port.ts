import type { EventMetadata } from '@journey/contracts';
import type { LogPosition } from './log-position';

/** An event to append: its id makes the append idempotent across retries. */
export interface NewEvent<T = unknown> {
  id: string;
  type: string;
  data: T;
  metadata: EventMetadata;
}

/** An event as stored. */
export interface RecordedEvent<T = unknown> extends NewEvent<T> {
  streamId: string;
  /** 0-based revision of the event in its stream. */
  revision: bigint;
  position: LogPosition;
  recordedAt: Date;
}

/**
 * What the writer believes about the stream: that it does not exist, that it exists, anything, or
 * that its last event has this revision (optimistic concurrency).
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export interface AppendResult {
  /** Revision of the last event appended: the expected revision of the next append. */
  nextExpectedRevision: bigint;
  /** Global position of the last event appended. */
  position: LogPosition;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive; forwards default 0, backwards default the last revision. */
  fromRevision?: bigint;
  maxCount?: number;
}

/** One stream's part of a read of several: its events from a revision on (inclusive; default 0). */
export interface StreamRead {
  streamId: string;
  fromRevision?: bigint;
}

export interface ReadAllOptions {
  /** Exclusive: events after this position. */
  after?: LogPosition;
  maxCount?: number;
  /** Only events of streams whose id starts with one of these (filtered by the store, as KurrentDB's prefix filter). */
  streamPrefixes?: readonly string[];
}

export interface SubscriptionOptions {
  /** Exclusive: deliver events after this position (a stored checkpoint, or START). */
  after: LogPosition;
  batchSize?: number;
  /** Only events of streams whose id starts with one of these. */
  streamPrefixes?: readonly string[];
  /** Called with each batch, in log order; the next batch waits for it to resolve. */
  onBatch(events: RecordedEvent[]): Promise<void>;
  /** Called once if the subscription stops on an error (onBatch throwing, or the store failing). */
  onError?(error: unknown): void;
}

export interface Subscription {
  /** Resolves when the subscription has delivered everything up to the log's end at least once. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** The one port every event-store adapter (PostgreSQL, KurrentDB, in-memory) implements. */
export interface EventStore {
  /**
   * Appends atomically, or throws WrongExpectedRevisionError. An event id already stored is refused
   * with DuplicateEventError (PostgreSQL, in-memory); KurrentDB instead acknowledges a retried append
   * (the same ids at the same expected revision) without writing it twice. Either way a retry after a
   * lost acknowledgement never stores an event twice.
   */
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Several streams read forwards at once, each from its revision, answered in the order asked (a
   * store that lacks it is read one stream at a time: see readStreams()). One round trip where the
   * store can, for a caller that needs many small tails together (a Kafka batch's identities).
   */
  readStreams?(reads: readonly StreamRead[]): Promise<RecordedEvent[][]>;
  /** The revision of the stream's last event, or undefined when it does not exist. */
  streamRevision(streamId: string): Promise<bigint | undefined>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options: SubscriptionOptions): Subscription;
  /**
   * Erasure (KurrentDB's soft delete): the stream's events are removed and the stream reads as absent
   * (no events, no revision). It may be written again with 'no_stream' or 'any'; its revisions then
   * continue where they left off, so a reader keeping per-stream revisions never takes a new event
   * for one it already applied.
   */
  deleteStream(streamId: string): Promise<void>;
  /** Removes the events before `beforeRevision`; revisions of the rest do not change. */
  truncateStream(streamId: string, beforeRevision: bigint): Promise<void>;
  close(): Promise<void>;
}

/** The stream is not where the writer expected it: reload and decide again, or answer 409. */
export class WrongExpectedRevisionError extends Error {
  override name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | undefined,
  ) {
    super(
      `stream ${streamId}: expected revision ${String(expected)}, actual ${actual === undefined ? 'no stream' : actual}`,
    );
  }
}

/** An event with this id is already stored (in the same or another stream). */
export class DuplicateEventError extends Error {
  override name = 'DuplicateEventError';
  constructor(readonly eventId: string) {
    super(`an event with id ${eventId} is already stored`);
  }
}

/** Reads several streams forwards at once where the store can, else one at a time (side by side). */
export function readStreams(store: EventStore, reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
  if (reads.length === 0) return Promise.resolve([]);
  if (store.readStreams) return store.readStreams(reads);
  return Promise.all(
    reads.map((r) =>
      store.readStream(r.streamId, r.fromRevision === undefined ? {} : { fromRevision: r.fromRevision }),
    ),
  );
}
