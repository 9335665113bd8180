import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@journey/contracts';
import type { EventStore, NewEvent, RecordedEvent } from '../port/event-store.port';
import { WrongExpectedRevisionError } from '../port/event-store.port';

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
  /**
   * Looks up what the decision needs besides the stream (a policy, the time, a token), given the state
   * it will be decided on; called again on each retry, so the lookup always matches the state.
   */
  enrich?(command: Command, state: State): Promise<Command> | Command;
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
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const history = await store.readStream(streamId);
    const state = history.reduce(
      (s, e: RecordedEvent) => decider.evolve(s, { type: e.type, data: e.data } as Event),
      decider.initialState(),
    );
    const complete = options.enrich ? await options.enrich(command, state) : command;
    const decided = decider.decide(complete, state);
    if (!Array.isArray(decided)) return { ok: false, reason: decided.reason };
    const revision = history.length ? (history[history.length - 1] as RecordedEvent).revision : undefined;
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
      return {
        ok: true,
        events: decided,
        nextExpectedRevision: result.nextExpectedRevision,
        state: decided.reduce((s, e) => decider.evolve(s, e), state),
      };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw err;
    }
  }
}
