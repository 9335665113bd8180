import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { DocumentChange, ProjectedEvent, Projection } from './projection';

/** Field of a read-model document that records, per source stream, the last revision applied to it. */
export const VERSIONS_FIELD = '_v';

/** Mongo field names may not contain dots or start with `$`: stream ids are encoded for `_v`. */
export function streamKey(streamId: string): string {
  return streamId.replace(/\./g, '\uff0e').replace(/^\$/, '\uff04');
}

/**
 * Applies a batch of events to one collection, each at most once per document: an event whose stream
 * revision a document has already seen is skipped, so redelivery and replay overlap change nothing.
 * One runner writes a projection at a time, so the versions read before the batch stay true during it.
 */
export async function applyBatch(
  collection: Collection<Document>,
  projection: Projection,
  events: ProjectedEvent[],
): Promise<{ applied: number; skipped: number }> {
  const wanted = new Set(projection.eventTypes);
  const changes: { event: ProjectedEvent; change: DocumentChange }[] = [];
  for (const event of events) {
    if (!wanted.has(event.type)) continue;
    for (const change of projection.project(event)) changes.push({ event, change });
  }
  if (changes.length === 0) return { applied: 0, skipped: 0 };

  const ids = [...new Set(changes.map((c) => c.change.id))];
  const versions = new Map<string, Record<string, number>>();
  for await (const doc of collection.find({ _id: { $in: ids } } as Document, {
    projection: { [VERSIONS_FIELD]: 1 },
  })) {
    versions.set(String(doc['_id']), (doc[VERSIONS_FIELD] as Record<string, number> | undefined) ?? {});
  }

  const operations: AnyBulkWriteOperation<Document>[] = [];
  let skipped = 0;
  for (const { event, change } of changes) {
    const seen = versions.get(change.id) ?? {};
    const key = streamKey(event.streamId);
    const revision = Number(event.revision);
    if ((seen[key] ?? -1) >= revision) {
      skipped += 1;
      continue;
    }
    seen[key] = revision;
    versions.set(change.id, seen);
    const update: Document = { $set: { ...change.set, [`${VERSIONS_FIELD}.${key}`]: revision } };
    if (change.setOnInsert) update['$setOnInsert'] = change.setOnInsert;
    if (change.inc) update['$inc'] = change.inc;
    if (change.max) update['$max'] = change.max;
    if (change.addToSet) update['$addToSet'] = change.addToSet;
    if (change.push) update['$push'] = change.push;
    operations.push({ updateOne: { filter: { _id: change.id } as Document, update, upsert: true } });
  }
  if (operations.length > 0) await collection.bulkWrite(operations, { ordered: true });
  return { applied: operations.length, skipped };
}
