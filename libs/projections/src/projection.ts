/** An event as a projection sees it, whether it came from Kafka (live) or the event store (replay). */
export interface ProjectedEvent<T = unknown> {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  time: string;
  contactId?: string;
  data: T;
}

/** What one event does to one read-model document: MongoDB update operators, nothing else. */
export interface DocumentChange {
  id: string;
  set?: Record<string, unknown>;
  setOnInsert?: Record<string, unknown>;
  inc?: Record<string, number>;
  max?: Record<string, unknown>;
  /** Adds one value, or several as { $each: [...] } (one event makes one change per document). */
  addToSet?: Record<string, unknown>;
  /** Appends one value, or several as { $each: [...] }. */
  push?: Record<string, unknown>;
  /** Removes fields; `a.$[].b` removes b from every element of a. */
  unset?: Record<string, true>;
  /** Removes these values from arrays. */
  pull?: Record<string, unknown>;
  /**
   * Applies only to a document that exists (made by earlier events, or earlier in the same batch); to
   * none, it is skipped rather than creating one. For a change that reaches every document a stream
   * may have made — an erasure naming each of its revisions — without making those it did not.
   */
  existing?: true;
}

/**
 * A projection: a pure function from events to document changes. The runner applies it live and on
 * replay alike; adding an event type is one more case in `project`.
 */
export interface Projection {
  /** Names the read model (and its collections). */
  name: string;
  /** Bump it when `project` changes: a new version is rebuilt blue/green from the event store. */
  version: number;
  /** The event types it reads (others are skipped without a look). */
  eventTypes: readonly string[];
  /**
   * The secondary indexes its readers' queries need, created when the live path starts and on a
   * rebuild's new collection before it serves. (The writer's own index, `_id` with its guard, is
   * always there.)
   */
  indexes?: readonly ReadModelIndex[];
  project(event: ProjectedEvent): DocumentChange[];
}

/** One secondary index of a read model, in MongoDB's key order. */
export interface ReadModelIndex {
  key: Readonly<Record<string, 1 | -1>>;
  name: string;
}
