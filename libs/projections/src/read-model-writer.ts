import { createHash } from 'node:crypto';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { DocumentChange, ProjectedEvent, Projection } from './projection';

/** Field of a read-model document that records, per source stream, the last revision applied to it. */
export const VERSIONS_FIELD = '_v';

/**
 * Field of a read-model document that names its state: a digest of `_v`, the revisions it has seen.
 * Each write changes it (a write applies a later revision), and it depends on `_v` alone, so the live
 * path and a replay that applied the same events hold the same value, and two documents with the
 * same value have seen the same events (projections are deterministic, so they are equal). Writes are
 * conditional on it (optimistic concurrency, as Marten's version column): a filter of `_id` and one
 * equality, which an index of both serves. A filter on the revisions themselves
 * (`_v.<stream>: {$lt: n}`) is correct too, but the MongoDB-wire server used here then scans the
 * whole collection for each write (measured: 144 guarded upserts/s against 3,071 at 20,000
 * documents).
 */
export const GUARD_FIELD = '_g';

/** A read-model document without the writer's bookkeeping (and its `_id`), as an API serves it. */
export function servedFields(doc: Document): Document {
  const { _id: _i, [VERSIONS_FIELD]: _v, [GUARD_FIELD]: _g, ...rest } = doc;
  return rest;
}

/** What a writer knows of one document: the revisions it has seen, and the guard that names that state. */
export interface DocumentVersions {
  seen: Record<string, number>;
  /** The guard field as stored (a filter matches it as it is): null when the document does not exist
   *  or predates the guard. */
  guard: unknown;
}

/** The guard of a document that has seen these revisions (a digest, so that it names them all). */
function guardOf(seen: Record<string, number>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(seen).sort()) hash.update(`${key}\u0000${seen[key]}\u0000`);
  return hash.digest('base64url').slice(0, 16);
}

/** The index that serves guarded writes (`_id` and the guard together); created once per collection. */
const GUARD_INDEX = 'writer_guard';
const indexed = new Map<string, Promise<void>>();
function ensureGuardIndex(collection: Collection<Document>): Promise<void> {
  const key = `${collection.dbName}.${collection.collectionName}`;
  let done = indexed.get(key);
  if (!done) {
    done = collection
      .createIndex({ _id: 1, [GUARD_FIELD]: 1 }, { name: GUARD_INDEX, unique: true })
      .then(() => undefined)
      .catch((err: unknown) => {
        indexed.delete(key);
        throw err;
      });
    indexed.set(key, done);
  }
  return done;
}

/**
 * Creates the projection's declared indexes (and the writer's) on a collection; existing ones are
 * left as they are. The MongoDB-wire server used locally accepts secondary indexes and ignores them.
 */
export async function ensureIndexes(collection: Collection<Document>, projection: Projection): Promise<void> {
  await ensureGuardIndex(collection);
  for (const index of projection.indexes ?? [])
    await collection.createIndex({ ...index.key }, { name: index.name });
}

/** Several writers raced for one document longer than the writer tries again: waited out, never parked. */
export class WriteConflict extends Error {
  override name = 'WriteConflict';
  readonly transient = true;
}

/** Mongo field names may not contain dots or start with `$`: stream ids are encoded for `_v`. */
export function streamKey(streamId: string): string {
  return streamId.replace(/\./g, '\uff0e').replace(/^\$/, '\uff04');
}

const OPERATORS = ['set', 'setOnInsert', 'inc', 'max', 'addToSet', 'push', 'unset', 'pull'] as const;
type Operator = (typeof OPERATORS)[number];

/** One pending update of one document: the changes of several events, merged while they do not collide. */
interface PendingUpdate {
  id: string;
  /** The guard the document holds before this update, and the one it holds after it. */
  expected: unknown;
  next: string;
  /** How many events this update applies. */
  events: number;
  /** Updates of one document are written in successive rounds, in order. */
  round: number;
  fields: Map<string, Operator>;
  set: Record<string, unknown>;
  setOnInsert: Record<string, unknown>;
  inc: Record<string, number>;
  max: Record<string, unknown>;
  addToSet: Record<string, unknown[]>;
  push: Record<string, unknown[]>;
  unset: Record<string, ''>;
  pull: Record<string, unknown[]>;
}

function emptyUpdate(id: string, expected: unknown): PendingUpdate {
  return {
    id,
    expected,
    next: '',
    events: 0,
    round: 0,
    fields: new Map(),
    set: {},
    setOnInsert: {},
    inc: {},
    max: {},
    addToSet: {},
    push: {},
    unset: {},
    pull: {},
  };
}

/** The values one addToSet or push adds: several as { $each: [...] }, else the one value. */
const valuesOf = (value: unknown): unknown[] => {
  const each = (value as { $each?: unknown } | null)?.$each;
  return value !== null && typeof value === 'object' && Array.isArray(each) && Object.keys(value).length === 1
    ? each
    : [value];
};

/** Folds a change into a pending update; false when a field would be touched by two operators. */
function merge(update: PendingUpdate, change: DocumentChange): boolean {
  for (const op of OPERATORS) {
    for (const [field, value] of Object.entries(change[op] ?? {})) {
      const taken = update.fields.get(field);
      if (taken && taken !== op) return false;
      // MongoDB refuses one update that touches a path and a path inside it (timeline, timeline.$[].x).
      for (const other of update.fields.keys())
        if (other !== field && (other.startsWith(`${field}.`) || field.startsWith(`${other}.`))) return false;
      if (op === 'max' && field in update.max && typeof update.max[field] !== typeof value) return false;
    }
  }
  for (const op of OPERATORS) {
    for (const [field, value] of Object.entries(change[op] ?? {})) {
      update.fields.set(field, op);
      if (op === 'set') update.set[field] = value;
      else if (op === 'setOnInsert') update.setOnInsert[field] ??= value;
      else if (op === 'inc') update.inc[field] = (update.inc[field] ?? 0) + (value as number);
      else if (op === 'max') {
        const current = update.max[field];
        update.max[field] =
          current === undefined || (value as string | number) > (current as string | number)
            ? value
            : current;
      } else if (op === 'addToSet') (update.addToSet[field] ??= []).push(...valuesOf(value));
      else if (op === 'unset') update.unset[field] = '';
      else if (op === 'pull') (update.pull[field] ??= []).push(value);
      else (update.push[field] ??= []).push(...valuesOf(value));
    }
  }
  return true;
}

/**
 * The update applies only to the state the writer read: a document another writer changed meanwhile
 * (the live path and a rebuild's tail, or two replicas across a rebalance) no longer matches, the
 * upsert collides on _id, and {@link applyBatch} reads the versions again and skips what was applied.
 */
const guardFilter = (update: PendingUpdate): Document => ({ _id: update.id, [GUARD_FIELD]: update.expected });

function toOperation(update: PendingUpdate): AnyBulkWriteOperation<Document> {
  const doc: Document = { $set: { ...update.set, [GUARD_FIELD]: update.next } };
  if (Object.keys(update.setOnInsert).length) doc['$setOnInsert'] = update.setOnInsert;
  if (Object.keys(update.inc).length) doc['$inc'] = update.inc;
  if (Object.keys(update.max).length) doc['$max'] = update.max;
  const each = (values: Record<string, unknown[]>) =>
    Object.fromEntries(Object.entries(values).map(([f, v]) => [f, { $each: v }]));
  if (Object.keys(update.addToSet).length) doc['$addToSet'] = each(update.addToSet);
  if (Object.keys(update.push).length) doc['$push'] = each(update.push);
  if (Object.keys(update.unset).length) doc['$unset'] = update.unset;
  if (Object.keys(update.pull).length)
    doc['$pull'] = Object.fromEntries(Object.entries(update.pull).map(([f, v]) => [f, { $in: v }]));
  return { updateOne: { filter: guardFilter(update), update: doc, upsert: true } };
}

/** Tries of a batch that lost races for its documents before it is reported as a passing conflict. */
const CONFLICT_ATTEMPTS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Applies a batch of events to one collection, each at most once per document: an event whose stream
 * revision a document has already seen is skipped, so redelivery and replay overlap change nothing.
 * Each document is written once per batch where its changes touch distinct fields (several updates,
 * in successive rounds, where they collide), conditional on the guard the writer read. A writer that
 * stays the only one (a rebuild) passes a `versions` cache that lives as long as it does and reads
 * each document only once; a document another writer changed is found out by its guard and read
 * again. `applied` counts the (event, document) pairs this call wrote, `skipped` those the documents
 * had already seen.
 */
export async function applyBatch(
  collection: Collection<Document>,
  projection: Projection,
  events: ProjectedEvent[],
  versions: VersionCache = new Map(),
): Promise<{ applied: number; skipped: number }> {
  await ensureGuardIndex(collection);
  let appliedBefore = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await writeBatch(collection, projection, events, versions);
      return { applied: appliedBefore + result.applied, skipped: result.skipped - appliedBefore };
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      // Another writer changed some of these documents first: what it applied is now in their
      // versions, so reading them again and writing the rest is exact.
      appliedBefore += err.applied;
      if (attempt >= CONFLICT_ATTEMPTS)
        throw new WriteConflict(
          `${projection.name}: documents kept changing under the writer (${attempt} tries); tried again later`,
          { cause: err.cause },
        );
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

/** Some updates of a batch found their documents changed by another writer; the others were written. */
class LostRace extends Error {
  constructor(
    readonly applied: number,
    options: { cause: unknown },
  ) {
    super('another writer changed the documents first', options);
  }
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; writeErrors?: { code?: unknown }[] };
  return e.code === 11000 || (Array.isArray(e.writeErrors) && e.writeErrors.some((w) => w.code === 11000));
}

/**
 * A writer's cache of document versions that may say it knows every document of its collection (a
 * rebuild's new collection, which only it writes until it serves): a document it does not hold is
 * then taken as absent, unread. Were that wrong, the document's guard would refuse the write, and the
 * cache stops claiming to be complete.
 */
export type VersionCache = Map<string, DocumentVersions> & {
  complete?: boolean;
  /**
   * The most documents it keeps (default: no bound). Past it the oldest go, and it no longer claims to
   * be complete: a document it then meets again is read (one query a batch for the ones it does not
   * hold). What bounds a rebuild's memory when each event makes a document of its own (a timeline).
   */
  maxEntries?: number;
};

/** How many documents' versions one query reads. */
const READ_SLICE = 5_000;

/** Reads the versions and guards of the documents the cache does not know (absent ones: none, null). */
async function readVersions(
  collection: Collection<Document>,
  ids: string[],
  versions: VersionCache,
): Promise<void> {
  const unknown = ids.filter((id) => !versions.has(id));
  if (unknown.length === 0) return;
  if (versions.complete) {
    for (const id of unknown) versions.set(id, { seen: {}, guard: null });
    return;
  }
  const found = new Map<string, DocumentVersions>();
  // In slices, so that an erasure naming every revision of a long stream stays a modest query.
  for (let from = 0; from < unknown.length; from += READ_SLICE)
    for await (const doc of collection.find(
      { _id: { $in: unknown.slice(from, from + READ_SLICE) } } as Document,
      {
        projection: { [VERSIONS_FIELD]: 1, [GUARD_FIELD]: 1 },
      },
    )) {
      found.set(String(doc['_id']), {
        seen: (doc[VERSIONS_FIELD] as Record<string, number> | undefined) ?? {},
        guard: doc[GUARD_FIELD] ?? null,
      });
    }
  for (const id of unknown) versions.set(id, found.get(id) ?? { seen: {}, guard: null });
}

async function writeBatch(
  collection: Collection<Document>,
  projection: Projection,
  events: ProjectedEvent[],
  versions: VersionCache,
): Promise<{ applied: number; skipped: number }> {
  const wanted = new Set(projection.eventTypes);
  const changes: { event: ProjectedEvent; change: DocumentChange }[] = [];
  for (const event of events) {
    if (!wanted.has(event.type)) continue;
    for (const change of projection.project(event)) changes.push({ event, change });
  }
  if (changes.length === 0) return { applied: 0, skipped: 0 };
  await readVersions(collection, [...new Set(changes.map((c) => c.change.id))], versions);

  const rounds: PendingUpdate[][] = [];
  const pending = new Map<string, PendingUpdate>();
  // What this batch will have applied, kept apart until the write succeeds: a failed write leaves the
  // cache as true as it was, and the batch can be written again.
  const written = new Map<string, DocumentVersions>();
  let applied = 0;
  let skipped = 0;
  for (const { event, change } of changes) {
    let state = written.get(change.id);
    if (!state) {
      const known = versions.get(change.id) as DocumentVersions;
      state = { seen: { ...known.seen }, guard: known.guard };
      written.set(change.id, state);
    }
    const key = streamKey(event.streamId);
    const revision = Number(event.revision);
    const absent = state.guard === null && Object.keys(state.seen).length === 0;
    if ((state.seen[key] ?? -1) >= revision || (change.existing && absent)) {
      skipped += 1;
      continue;
    }
    applied += 1;
    let update = pending.get(change.id);
    if (!update) pending.set(change.id, (update = emptyUpdate(change.id, state.guard)));
    const { existing: _existing, ...fields } = change;
    const withVersion = { ...fields, set: { ...fields.set, [`${VERSIONS_FIELD}.${key}`]: revision } };
    if (!merge(update, withVersion)) {
      // A collision keeps the order: what was merged so far goes first, the change starts a new update
      // that expects the state the first one leaves.
      update.next = state.guard = guardOf(state.seen);
      (rounds[update.round] ??= []).push(update);
      const next = emptyUpdate(change.id, state.guard);
      next.round = update.round + 1;
      merge(next, withVersion);
      pending.set(change.id, (update = next));
    }
    update.events += 1;
    state.seen[key] = revision;
  }
  for (const update of pending.values()) {
    const state = written.get(update.id) as DocumentVersions;
    update.next = state.guard = guardOf(state.seen);
    (rounds[update.round] ??= []).push(update);
  }
  // A round holds one update per document, written unordered; a document's next update waits for the
  // next round, since it expects the state the one before leaves.
  let done = 0;
  try {
    for (const round of rounds) {
      try {
        await collection.bulkWrite(round.map(toOperation), { ordered: false });
        done += round.reduce((sum, u) => sum + u.events, 0);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const lost = new Set(
          (err as { writeErrors?: { index?: number }[] }).writeErrors?.map((w) => w.index),
        );
        done += round.reduce((sum, u, i) => sum + (lost.has(i) ? 0 : u.events), 0);
        throw new LostRace(done, { cause: err });
      }
    }
  } catch (err) {
    // The documents of this batch are read again on the next try: some of the writes may have landed,
    // and another writer may have written where the cache thought none did.
    for (const id of written.keys()) versions.delete(id);
    versions.complete = false;
    throw err;
  }
  for (const [id, state] of written) versions.set(id, state);
  const max = versions.maxEntries;
  if (max !== undefined && versions.size > max) {
    // Map keeps insertion order: the first keys are the documents met longest ago.
    for (const id of versions.keys()) {
      if (versions.size <= max) break;
      versions.delete(id);
    }
    versions.complete = false;
  }
  return { applied, skipped };
}
