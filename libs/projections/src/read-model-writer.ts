import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { DocumentChange, ProjectedEvent, Projection } from './projection';

/** Field of a read-model document that records, per source stream, the last revision applied to it. */
export const VERSIONS_FIELD = '_v';

/** Mongo field names may not contain dots or start with `$`: stream ids are encoded for `_v`. */
export function streamKey(streamId: string): string {
  return streamId.replace(/\./g, '\uff0e').replace(/^\$/, '\uff04');
}

const OPERATORS = ['set', 'setOnInsert', 'inc', 'max', 'addToSet', 'push', 'unset', 'pull'] as const;
type Operator = (typeof OPERATORS)[number];

/** One pending update of one document: the changes of several events, merged while they do not collide. */
interface PendingUpdate {
  id: string;
  /** Per source stream, the first revision this update applies: the document must not have seen it. */
  guard: Map<string, number>;
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

function emptyUpdate(id: string): PendingUpdate {
  return {
    id,
    guard: new Map(),
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
 * The update applies only where the document has not seen its revisions yet, so two writers (the live
 * path and a rebuild's tail, or two replicas across a rebalance) never apply one event twice: the
 * loser's upsert collides on _id, and {@link applyBatch} reads the versions again and skips it.
 */
function guardFilter(update: PendingUpdate): Document {
  const conditions = [...update.guard].map(([key, revision]) => ({
    [`${VERSIONS_FIELD}.${key}`]: { $not: { $gte: revision } },
  }));
  return { _id: update.id, ...(conditions.length ? { $and: conditions } : {}) };
}

function toOperation(update: PendingUpdate): AnyBulkWriteOperation<Document> {
  const doc: Document = { $set: update.set };
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

/**
 * Applies a batch of events to one collection, each at most once per document: an event whose stream
 * revision a document has already seen is skipped, so redelivery and replay overlap change nothing.
 * One runner writes a projection at a time, so versions read once stay true: a rebuild passes a
 * `versions` cache that lives as long as it does, and reads each document's versions only once.
 * Successive changes to one document are merged into one update while they touch distinct fields.
 */
export async function applyBatch(
  collection: Collection<Document>,
  projection: Projection,
  events: ProjectedEvent[],
  versions: Map<string, Record<string, number>> = new Map(),
): Promise<{ applied: number; skipped: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBatch(collection, projection, events, versions);
    } catch (err) {
      // Another writer applied some of these events first: what it applied is now in the documents'
      // versions, so reading them again and writing the rest is exact.
      if (!isDuplicateKey(err) || attempt >= 5) throw err;
      versions.clear();
    }
  }
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; writeErrors?: { code?: unknown }[] };
  return e.code === 11000 || (Array.isArray(e.writeErrors) && e.writeErrors.some((w) => w.code === 11000));
}

async function writeBatch(
  collection: Collection<Document>,
  projection: Projection,
  events: ProjectedEvent[],
  versions: Map<string, Record<string, number>>,
): Promise<{ applied: number; skipped: number }> {
  const wanted = new Set(projection.eventTypes);
  const changes: { event: ProjectedEvent; change: DocumentChange }[] = [];
  for (const event of events) {
    if (!wanted.has(event.type)) continue;
    for (const change of projection.project(event)) changes.push({ event, change });
  }
  if (changes.length === 0) return { applied: 0, skipped: 0 };

  const unknown = [...new Set(changes.map((c) => c.change.id))].filter((id) => !versions.has(id));
  if (unknown.length > 0) {
    for (const id of unknown) versions.set(id, {});
    for await (const doc of collection.find({ _id: { $in: unknown } } as Document, {
      projection: { [VERSIONS_FIELD]: 1 },
    })) {
      versions.set(String(doc['_id']), (doc[VERSIONS_FIELD] as Record<string, number> | undefined) ?? {});
    }
  }

  const operations: AnyBulkWriteOperation<Document>[] = [];
  const pending = new Map<string, PendingUpdate>();
  // What this batch will have applied, kept apart until the write succeeds: a failed write leaves the
  // cache as true as it was, and the batch can be written again.
  const written = new Map<string, Record<string, number>>();
  let applied = 0;
  let skipped = 0;
  for (const { event, change } of changes) {
    const seen = written.get(change.id) ?? { ...versions.get(change.id) };
    const key = streamKey(event.streamId);
    const revision = Number(event.revision);
    if ((seen[key] ?? -1) >= revision) {
      skipped += 1;
      continue;
    }
    seen[key] = revision;
    written.set(change.id, seen);
    applied += 1;
    let update = pending.get(change.id);
    if (!update) pending.set(change.id, (update = emptyUpdate(change.id)));
    const withVersion = { ...change, set: { ...change.set, [`${VERSIONS_FIELD}.${key}`]: revision } };
    if (!merge(update, withVersion)) {
      // A collision keeps the order: what was merged so far goes first, the change starts a new update.
      operations.push(toOperation(update));
      const next = emptyUpdate(change.id);
      merge(next, withVersion);
      pending.set(change.id, (update = next));
    }
    if (!update.guard.has(key)) update.guard.set(key, revision);
  }
  for (const update of pending.values()) operations.push(toOperation(update));
  if (operations.length > 0) await collection.bulkWrite(operations, { ordered: true });
  for (const [id, seen] of written) versions.set(id, seen);
  return { applied, skipped };
}
