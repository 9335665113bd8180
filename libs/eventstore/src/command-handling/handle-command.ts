import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@journey/contracts';
import type { EventStore, NewEvent, RecordedEvent } from '../port/event-store.port';
import { readStreams, WrongExpectedRevisionError } from '../port/event-store.port';
import { confirmedSince } from './aggregate-cache';
import type { AggregateCache, CachedAggregate } from './aggregate-cache';

/** An event a decider emits: the helper gives it an id and metadata. */
export interface DecidedEvent<T = unknown> {
  type: string;
  data: T;
}

/** A business refusal: a value, not an exception (the caller maps it to 409/422 or a DLQ reason). */
export interface Rejection {
  rejected: true;
  reason: string;
}

export function reject(reason: string): Rejection {
  return { rejected: true, reason };
}

/** Emmett-style decider: pure business rules, no I/O. */
export interface Decider<Command, State, Event extends DecidedEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /**
   * Optional: many events at once, the same as reducing them with evolve but free to copy the state's
   * collections once instead of at every event (a long stream then folds in linear time).
   */
  fold?(state: State, events: readonly Event[]): State;
  decide(command: Command, state: State): Event[] | Rejection;
}

export type CommandOutcome<Event, State = unknown> =
  | {
      ok: true;
      events: Event[];
      nextExpectedRevision: bigint | undefined;
      /** The stream's state after the events (the state the decision saw, when it decided none). */
      state: State;
    }
  | { ok: false; reason: string };

export interface HandleCommandOptions {
  /** Metadata of the events this command appends (minus their own ids). */
  metadata: Omit<EventMetadata, 'time'> & { time?: string };
  /** Attempts after a concurrency conflict, re-reading the stream each time (default 3). */
  maxRetries?: number;
  /** Ids derived from the command (e.g. a provider's message id), so that a redelivered command
   *  cannot append its events twice even where the decider does not see the first (default random). */
  eventId?(event: DecidedEvent, index: number): string;
  /** Checks each decided event before anything is appended; a reason aborts the command with an error
   *  (a decider that emits invalid events is a bug, and nothing of it may be stored). */
  validate?(event: DecidedEvent): string | undefined;
}

/** HandleCommandOptions with a step that completes the command from the state it will be decided on. */
export interface HandleCommandWithContext<Command, State> extends HandleCommandOptions {
  /** Where the stream's state is kept between commands, so the next reads only the events after it. */
  cache?: AggregateCache<State>;
  /**
   * Looks up what the decision needs besides the stream (a policy, the time, a token), given the state
   * it will be decided on; called again on each retry, so the lookup always matches the state.
   */
  enrich?(command: Command, state: State): Promise<Command> | Command;
  /**
   * A cached state the store confirmed at or after this moment (the cache's clock) is decided on
   * without reading the stream's tail again (a caller that read many streams at once a moment ago).
   * Safe for what is appended: the append names the cached revision, so a writer that got there first
   * refuses it, and the retry reads the store. Only the first try trusts it.
   */
  freshSince?: number;
}

/**
 * Load stream → fold with `evolve` → `decide` → append with the revision that was read. A writer that
 * got there first makes the append fail; the command is then decided again on fresh state, a bounded
 * number of times, after which the conflict is thrown for the caller to answer 409.
 */
export async function handleCommand<Command, State, Event extends DecidedEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  options: HandleCommandWithContext<Command, State>,
): Promise<CommandOutcome<Event, State>> {
  const { cache } = options;
  const run = () => decideAndAppend(store, streamId, decider, command, options);
  // With a cache, the commands on one stream in this process run one after another (no lost race).
  return cache ? cache.exclusive(streamId, run) : run();
}

async function decideAndAppend<Command, State, Event extends DecidedEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  options: HandleCommandWithContext<Command, State>,
): Promise<CommandOutcome<Event, State>> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const epoch = options.cache?.epoch;
    const { state, revision } = await loadState(
      store,
      streamId,
      decider,
      options.cache,
      attempt === 0 ? options.freshSince : undefined,
    );
    const complete = options.enrich ? await options.enrich(command, state) : command;
    const decided = decider.decide(complete, state);
    if (!Array.isArray(decided)) return { ok: false, reason: decided.reason };
    if (decided.length === 0) return { ok: true, events: [], nextExpectedRevision: revision, state };
    for (const e of decided) {
      const problem = options.validate?.(e);
      if (problem !== undefined)
        throw new Error(`${streamId}: the decider emitted an invalid event: ${problem}`);
    }
    const time = options.metadata.time ?? new Date().toISOString();
    const toAppend: NewEvent[] = decided.map((e, i) => ({
      id: options.eventId ? options.eventId(e, i) : randomUUID(),
      type: e.type,
      data: e.data,
      metadata: { ...options.metadata, time },
    }));
    try {
      const result = await store.append(streamId, toAppend, revision ?? 'no_stream');
      const after = foldAll(decider, state, decided);
      options.cache?.set(
        streamId,
        {
          state: after,
          revision: result.nextExpectedRevision,
          eventId: (toAppend[toAppend.length - 1] as NewEvent).id,
        },
        epoch,
      );
      return { ok: true, events: decided, nextExpectedRevision: result.nextExpectedRevision, state: after };
    } catch (err) {
      // A writer got there first: the cached state is still a true prefix of the stream, and the next
      // try reads only what was appended after it (forgetting it would fold the whole stream again at
      // every conflict: 19 ms per read of a 2,000-event conversation, measured under load). Another
      // failure may have left the append's outcome unknown: that try starts from the store.
      if (!(err instanceof WrongExpectedRevisionError)) {
        options.cache?.forget(streamId);
        throw err;
      }
      if (attempt >= maxRetries) throw err;
    }
  }
}

/**
 * The stream's state and the revision it was folded to: from the cache plus the events after it when
 * the stream still holds the cached state's last event where it was, else from the whole stream. A
 * cached state the store confirmed at or after `freshSince` is taken as it is (see HandleCommandWithContext).
 */
export async function loadState<Command, State, Event extends DecidedEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event>,
  cache: AggregateCache<State> | undefined,
  freshSince?: number,
): Promise<LoadedState<State>> {
  const epoch = cache?.epoch;
  const cached = cache?.get(streamId);
  if (cache && cached) {
    if (confirmedSince(cached, freshSince)) return { state: cached.state, revision: cached.revision };
    // Read from the cached revision itself: its event proves the stream was not rewritten since.
    const tail = await store.readStream(streamId, { fromRevision: cached.revision });
    const loaded = fromCachedTail(streamId, decider, cache, cached, tail, epoch);
    if (loaded) return loaded;
  }
  return fromWholeStream(streamId, decider, cache, await store.readStream(streamId), epoch);
}

/**
 * The states of several streams, their tails read together (one round trip where the store can): what a
 * batch of commands about to run reads once, so that each of them then decides with `freshSince`.
 */
export async function loadStates<Command, State, Event extends DecidedEvent>(
  store: EventStore,
  streamIds: readonly string[],
  decider: Decider<Command, State, Event>,
  cache: AggregateCache<State> | undefined,
  freshSince?: number,
): Promise<Map<string, LoadedState<State>>> {
  const loaded = new Map<string, LoadedState<State>>();
  const epoch = cache?.epoch;
  const pending: { streamId: string; cached?: CachedAggregate<State> }[] = [];
  for (const streamId of new Set(streamIds)) {
    const cached = cache?.get(streamId);
    if (cached && confirmedSince(cached, freshSince))
      loaded.set(streamId, { state: cached.state, revision: cached.revision });
    else pending.push({ streamId, ...(cached ? { cached } : {}) });
  }
  const tails = await readStreams(
    store,
    pending.map((p) => ({ streamId: p.streamId, ...(p.cached ? { fromRevision: p.cached.revision } : {}) })),
  );
  for (const [i, { streamId, cached }] of pending.entries()) {
    const tail = tails[i] as RecordedEvent[];
    const fromCache = cache && cached && fromCachedTail(streamId, decider, cache, cached, tail, epoch);
    loaded.set(
      streamId,
      fromCache ||
        // A stream rewritten since it was cached is read whole, on its own (rare: an erasure).
        (cached
          ? await loadState(store, streamId, decider, cache)
          : fromWholeStream(streamId, decider, cache, tail, epoch)),
    );
  }
  return loaded;
}

export interface LoadedState<State> {
  state: State;
  revision: bigint | undefined;
}

/** The cached state moved on by the tail read from its revision, or undefined if the stream was rewritten. */
function fromCachedTail<Command, State, Event extends DecidedEvent>(
  streamId: string,
  decider: Decider<Command, State, Event>,
  cache: AggregateCache<State>,
  cached: CachedAggregate<State>,
  tail: RecordedEvent[],
  epoch: number | undefined,
): LoadedState<State> | undefined {
  const first = tail[0];
  if (!first || first.revision !== cached.revision || first.id !== cached.eventId) {
    cache.forget(streamId);
    return undefined;
  }
  const rest = tail.slice(1);
  const last = rest[rest.length - 1];
  if (!last) {
    cache.confirm(streamId, cached.revision);
    return { state: cached.state, revision: cached.revision };
  }
  const state = foldEvents(decider, cached.state, rest);
  cache.set(streamId, { state, revision: last.revision, eventId: last.id }, epoch);
  return { state, revision: last.revision };
}

function fromWholeStream<Command, State, Event extends DecidedEvent>(
  streamId: string,
  decider: Decider<Command, State, Event>,
  cache: AggregateCache<State> | undefined,
  history: RecordedEvent[],
  epoch: number | undefined,
): LoadedState<State> {
  const last = history[history.length - 1];
  const state = foldEvents(decider, decider.initialState(), history);
  if (cache && last) cache.set(streamId, { state, revision: last.revision, eventId: last.id }, epoch);
  return { state, revision: last?.revision };
}

const foldEvents = <Command, State, Event extends DecidedEvent>(
  decider: Decider<Command, State, Event>,
  state: State,
  events: RecordedEvent[],
) =>
  foldAll(
    decider,
    state,
    events.map((e) => ({ type: e.type, data: e.data }) as Event),
  );

/** The events onto the state: with the decider's fold when it has one, else one evolve at a time. */
export function foldAll<Command, State, Event extends DecidedEvent>(
  decider: Decider<Command, State, Event>,
  state: State,
  events: readonly Event[],
): State {
  if (events.length === 0) return state;
  return decider.fold ? decider.fold(state, events) : events.reduce((s, e) => decider.evolve(s, e), state);
}
