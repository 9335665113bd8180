import { ExpiringLru } from '../expiring-lru';

/** A stream's state as a command last left it: the fold of every event up to `revision`. */
export interface CachedAggregate<State> {
  state: State;
  /** The revision of the last event folded in. */
  revision: bigint;
  /** That event's id: a stream rewritten since (deleted, truncated) no longer has it at `revision`. */
  eventId: string;
  /** When (the cache's clock, ms) the store last showed this state to be the stream's end: set by the
   *  cache when the state is stored or confirmed. */
  checkedAt?: number;
}

export interface AggregateCacheOptions {
  /** Streams kept at most; the least recently used goes first (default 5,000). */
  maxStreams?: number;
  /** How long a state is kept after it was stored, in ms (default 60 s): it may hold personal data in the clear. */
  ttlMs?: number;
  /**
   * How long a command waits for the commands queued before it on its stream (default 10 s). Past it,
   * it fails as a passing fault (HTTP 503, which webhook senders retry; a consumer tries again), and
   * the commands behind it still wait for those before it.
   */
  queueWaitMs?: number;
  /** Commands that may wait on one stream at once (default 100); one more fails at once, as above. */
  maxQueued?: number;
  now?: () => number;
}

/** Whether the store showed this cached state to be its stream's end at or after `since` (the cache's clock). */
export function confirmedSince<State>(
  cached: CachedAggregate<State> | undefined,
  since: number | undefined,
): boolean {
  return cached?.checkedAt !== undefined && since !== undefined && cached.checkedAt >= since;
}

/** The commands on one stream in this process: the end of their queue, and how many wait for their turn. */
interface StreamQueue {
  end: Promise<void>;
  waiting: number;
}

/** A command waited too long behind the commands before it on its stream: try again later. */
export class StreamBusy extends Error {
  override name = 'StreamBusy';
  readonly transient = true;
}

/**
 * A bounded cache of deciders' states, so that a command reads only the events appended after the
 * state it starts from (one indexed read of the stream's tail) instead of folding the whole stream
 * again: the cost of a command stops growing with the stream's length. This is the caching repository
 * of Axon and Eventuous rather than Marten's stored snapshots: nothing is written, a cold stream is
 * folded once, and the store stays the only truth. A state is only a starting point: handleCommand
 * checks that the stream still holds the event the state ends with, and an append with the cached
 * revision fails on any writer that got there first, so a stale entry costs a re-read, never a wrong
 * decision that gets stored.
 */
export class AggregateCache<State> {
  private readonly entries: ExpiringLru<CachedAggregate<State>>;
  /** Counts forget() of everything: a state loaded before the last one must not be stored after it. */
  private forgotten = 0;
  /** Per stream, the commands running or waiting on it in this process. */
  private readonly queues = new Map<string, StreamQueue>();
  private readonly queueWaitMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;

  constructor(options: AggregateCacheOptions = {}) {
    const maxStreams = options.maxStreams ?? 5_000;
    const ttlMs = options.ttlMs ?? 60_000;
    this.queueWaitMs = options.queueWaitMs ?? 10_000;
    this.maxQueued = options.maxQueued ?? 100;
    if (!(maxStreams >= 1)) throw new Error('an aggregate cache keeps at least one stream');
    if (!(ttlMs > 0)) throw new Error('an aggregate cache needs a positive time to live');
    this.now = options.now ?? Date.now;
    this.entries = new ExpiringLru(maxStreams, ttlMs, this.now);
  }

  /** What forget() calls there were so far: pass it to set() from before the state was loaded. */
  get epoch(): number {
    return this.forgotten;
  }

  get(streamId: string): CachedAggregate<State> | undefined {
    const entry = this.entries.get(streamId);
    return (
      entry && {
        state: entry.state,
        revision: entry.revision,
        eventId: entry.eventId,
        ...(entry.checkedAt === undefined ? {} : { checkedAt: entry.checkedAt }),
      }
    );
  }

  /** The cache's clock (ms): what `checkedAt` and a caller's `freshSince` are read on. */
  clock(): number {
    return this.now();
  }

  /** The store showed the stream still ends at this revision: the state is fresh as of now. */
  confirm(streamId: string, revision: bigint): void {
    const entry = this.entries.peek(streamId);
    if (entry && entry.revision === revision) entry.checkedAt = this.now();
  }

  /**
   * Keeps a stream's state. `epoch` is the cache's epoch read before the state was loaded: a state
   * loaded before a forget() (an erasure) is not kept after it.
   */
  set(streamId: string, aggregate: CachedAggregate<State>, epoch?: number): void {
    if (epoch !== undefined && epoch !== this.forgotten) return;
    const known = this.entries.peek(streamId);
    // Two commands on one stream may finish out of order: never go back to an older state.
    if (known && known.revision > aggregate.revision) return;
    // Expired states are dropped even when nobody asks for them again (a quiet replica keeps none).
    this.entries.set(streamId, { ...aggregate, checkedAt: this.now() });
  }

  /**
   * Runs the work after the commands on this stream already queued in this process: they no longer
   * race one another for the same revision (one hot conversation's messages arriving together each
   * decided on the state the one before left, instead of conflicting and retrying). Bounded: a command
   * that would wait behind `maxQueued` others, or waits longer than `queueWaitMs`, fails as a passing
   * fault instead (back-pressure: webhook senders retry a 503, consumers wait and try again).
   */
  exclusive<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const existing = this.queues.get(streamId);
    if (existing && existing.waiting >= this.maxQueued)
      return Promise.reject(
        new StreamBusy(`stream ${streamId}: ${existing.waiting} commands are already waiting on it`),
      );
    const queue: StreamQueue = existing ?? { end: Promise.resolve(), waiting: 0 };
    const before = queue.end;
    const turn = existing ? this.waitFor(queue, streamId) : before;
    const run = turn.then(work);
    // The next command waits for this one's work, or, when this one gave up waiting, for those before it.
    const end = before
      .then(() => run)
      .then(
        () => undefined,
        () => undefined,
      );
    queue.end = end;
    this.queues.set(streamId, queue);
    // Once everything queued so far has finished and nobody joined behind, the stream needs no queue.
    void end.then(() => {
      if (queue.end === end && this.queues.get(streamId) === queue) this.queues.delete(streamId);
    });
    return run;
  }

  /** The turn of a command queued behind others: when they finish, or a StreamBusy after queueWaitMs. */
  private waitFor(queue: StreamQueue, streamId: string): Promise<void> {
    queue.waiting++;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      queue.end,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = `the commands before this one did not finish within ${this.queueWaitMs} ms`;
          reject(new StreamBusy(`stream ${streamId}: ${why}`));
        }, this.queueWaitMs);
        timer.unref();
      }),
    ]).finally(() => {
      clearTimeout(timer);
      queue.waiting--;
    });
  }

  /** Drops one stream's state, or every state (an erasure: nothing opened before it may stay in memory). */
  forget(streamId?: string): void {
    if (streamId === undefined) {
      this.forgotten++;
      this.entries.clear();
    } else this.entries.delete(streamId);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A service's aggregate caches, one per kind of stream, under one setting; `maxStreams: 0` turns them
 * off (every command folds its whole stream, as before). Erasure forgets them all at once.
 */
export class AggregateCaches {
  private readonly caches = new Map<string, AggregateCache<unknown>>();

  constructor(private readonly options: AggregateCacheOptions = {}) {}

  for<State>(kind: string): AggregateCache<State> | undefined {
    if (this.options.maxStreams === 0) return undefined;
    let cache = this.caches.get(kind);
    if (!cache) this.caches.set(kind, (cache = new AggregateCache<unknown>(this.options)));
    return cache as AggregateCache<State>;
  }

  /** The caches' clock (ms), for a `freshSince` read before a batch's states are loaded. */
  clock(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Forgets every state kept (what was opened before an erasure must not stay in memory). */
  forget(): void {
    for (const cache of this.caches.values()) cache.forget();
  }
}
