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
import { DuplicateEventError, WrongExpectedRevisionError } from '../port/event-store.port';
import { AppendSignal } from '../port/append-signal';
import { catchUpSubscription } from '../port/catch-up-subscription';
import { comparePositions, START } from '../port/log-position';

/** A copy the caller may change without changing the store. */
function copy(e: RecordedEvent): RecordedEvent {
  return {
    ...e,
    data: structuredClone(e.data),
    metadata: { ...e.metadata },
    position: { ...e.position },
    recordedAt: new Date(e.recordedAt),
  };
}

/** For unit tests only: the port's behaviour without a server. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, bigint>();
  /** Deleted streams and their last revision: written again, they continue from it. */
  private readonly deleted = new Map<string, bigint>();
  private readonly ids = new Set<string>();
  private sequence = 0n;
  private readonly appended = new AppendSignal();

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const actual = this.streams.get(streamId);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === undefined) ||
      (expected === 'stream_exists' && actual !== undefined) ||
      (typeof expected === 'bigint' && actual === expected);
    if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
    const seen = new Set<string>();
    for (const e of events) {
      if (this.ids.has(e.id) || seen.has(e.id)) throw new DuplicateEventError(e.id);
      seen.add(e.id);
    }
    let revision = actual ?? this.deleted.get(streamId) ?? -1n;
    const recordedAt = new Date();
    for (const e of events) {
      revision += 1n;
      this.sequence += 1n;
      this.ids.add(e.id);
      this.log.push(
        copy({
          ...e,
          streamId,
          revision,
          position: { commit: this.sequence, prepare: this.sequence },
          recordedAt,
        }),
      );
    }
    this.streams.set(streamId, revision);
    this.deleted.delete(streamId);
    this.appended.notify();
    return { nextExpectedRevision: revision, position: { commit: this.sequence, prepare: this.sequence } };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    let events = this.log.filter((e) => e.streamId === streamId);
    if (backwards) events = events.reverse();
    if (options.fromRevision !== undefined) {
      const from = options.fromRevision;
      events = events.filter((e) => (backwards ? e.revision <= from : e.revision >= from));
    }
    return events.slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER).map(copy);
  }

  async streamRevision(streamId: string): Promise<bigint | undefined> {
    return this.streams.get(streamId);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const prefixes = options.streamPrefixes;
    const events = this.log.filter(
      (e) =>
        comparePositions(e.position, after) > 0 &&
        (!prefixes || prefixes.some((p) => e.streamId.startsWith(p))),
    );
    return events.slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER).map(copy);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return catchUpSubscription({ readAll: (o) => this.readAll(o), appended: this.appended }, options);
  }

  async deleteStream(streamId: string): Promise<void> {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i] as RecordedEvent;
      if (e.streamId === streamId) {
        this.ids.delete(e.id);
        this.log.splice(i, 1);
      }
    }
    const last = this.streams.get(streamId);
    if (last !== undefined) this.deleted.set(streamId, last);
    this.streams.delete(streamId);
  }

  async truncateStream(streamId: string, beforeRevision: bigint): Promise<void> {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i] as RecordedEvent;
      if (e.streamId === streamId && e.revision < beforeRevision) {
        this.ids.delete(e.id);
        this.log.splice(i, 1);
      }
    }
  }

  async close(): Promise<void> {
    this.appended.release();
  }
}
