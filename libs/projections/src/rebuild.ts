import type { Db } from 'mongodb';
import type { EventStore, LogPosition, RecordedEvent } from '@journey/eventstore';
import type { ProjectedEvent, Projection } from './projection';
import { ProjectionState } from './projection-state';
import { applyBatch } from './read-model-writer';

export interface RebuildProgress {
  position: LogPosition;
  /** Events read from the store so far in this build (all types). */
  read: number;
  eventsPerSecond: number;
  /** Events still to read, when the store can count them. */
  remaining?: number;
  etaSeconds?: number;
}

export interface RebuildOptions {
  batchSize?: number;
  /** Continue an interrupted build instead of starting a new one (default true). */
  resume?: boolean;
  onProgress?(progress: RebuildProgress): void;
  /** Stops between batches; the build stays resumable. */
  signal?: AbortSignal;
  /** Counts events after a position, for the ETA (e.g. the PostgreSQL store's countAfter). */
  countAfter?(position: LogPosition): Promise<number>;
}

export type RebuildResult =
  | { status: 'switched'; collection: string; previous: string | undefined; read: number; seconds: number }
  | { status: 'interrupted'; collection: string; position: LogPosition; read: number };

/** Tells onProgress how far a replay is: events read, their rate and, when the store can count, the ETA. */
async function reportProgress(
  options: Pick<RebuildOptions, 'onProgress' | 'countAfter'>,
  position: LogPosition,
  read: number,
  started: number,
): Promise<void> {
  if (!options.onProgress) return;
  const eventsPerSecond = read / Math.max(0.001, (Date.now() - started) / 1000);
  const remaining = options.countAfter ? await options.countAfter(position) : undefined;
  options.onProgress({
    position,
    read,
    eventsPerSecond,
    ...(remaining !== undefined ? { remaining, etaSeconds: remaining / Math.max(eventsPerSecond, 1) } : {}),
  });
}

export function toProjected(event: RecordedEvent): ProjectedEvent {
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    time: event.metadata.time,
    ...(event.metadata.contactId ? { contactId: event.metadata.contactId } : {}),
    data: event.data,
  };
}

/**
 * Blue/green rebuild: replays the event store from position 0 into a new collection while the old one
 * keeps serving, records its position as it goes (so a crash resumes, not restarts), then switches the
 * projection's pointer in one update and drops the old collection.
 */
export async function rebuildProjection(
  projection: Projection,
  store: EventStore,
  db: Db,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const states = new ProjectionState(db);
  const batchSize = options.batchSize ?? 1_000;
  let state = await states.get(projection.name);
  if (!state?.build || options.resume === false || state.build.version !== projection.version) {
    const collection = `${projection.name}__v${projection.version}_${Date.now().toString(36)}`;
    if (state?.build)
      await db
        .collection(state.build.collection)
        .drop()
        .catch(() => undefined);
    await states.startBuild(projection.name, projection.version, collection);
    state = await states.get(projection.name);
  }
  if (!state?.build) throw new Error(`projection ${projection.name}: build state missing`);
  const target = db.collection(state.build.collection);
  let position = states.buildPosition(state);
  let read = 0;
  const started = Date.now();
  // One writer for the whole rebuild: each document's versions are read once, then kept here.
  const versions = new Map<string, Record<string, number>>();

  // Events read by earlier, interrupted runs of this build: the recorded count stays a running total.
  const readBefore = state.build.read ?? 0;
  const replayToEnd = async (recordProgress = true): Promise<boolean> => {
    for (;;) {
      if (options.signal?.aborted) return false;
      const events = await store.readAll({ after: position, maxCount: batchSize });
      if (events.length > 0) {
        await applyBatch(target, projection, events.map(toProjected), versions);
        position = (events[events.length - 1] as RecordedEvent).position;
        read += events.length;
        // After the switch the build record is gone; the tail replay has nothing to record.
        if (recordProgress) await states.recordBuildProgress(projection.name, position, readBefore + read);
        await reportProgress(options, position, read, started);
      }
      if (events.length < batchSize) return true;
    }
  };

  if (!(await replayToEnd()))
    return { status: 'interrupted', collection: target.collectionName, position, read };
  const previous = state.active !== target.collectionName ? state.active : undefined;
  await states.switchTo(projection.name, target.collectionName, projection.version);
  // Events appended while switching reached the old collection through the live path; replaying the
  // tail again into the new one is harmless (already-applied revisions are skipped) and closes that gap.
  await replayToEnd(false);
  if (previous)
    await db
      .collection(previous)
      .drop()
      .catch(() => undefined);
  return {
    status: 'switched',
    collection: target.collectionName,
    previous,
    read,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * In-place catch-up: applies the events after `from` to the collection that serves, without a new
 * collection or a switch. Events the documents have already seen are skipped, so this is safe at any
 * time: after restoring a read-model backup taken at `from`, or to fill a gap the live path left.
 */
export async function catchUpProjection(
  projection: Projection,
  store: EventStore,
  db: Db,
  options: Omit<RebuildOptions, 'resume'> & { from: LogPosition },
): Promise<{
  status: 'caught-up' | 'interrupted';
  collection: string;
  position: LogPosition;
  read: number;
  applied: number;
}> {
  const collection = await new ProjectionState(db).active(projection.name, projection.version);
  const target = db.collection(collection);
  const batchSize = options.batchSize ?? 1_000;
  const started = Date.now();
  let position = options.from;
  let read = 0;
  let applied = 0;
  for (;;) {
    if (options.signal?.aborted) return { status: 'interrupted', collection, position, read, applied };
    const events = await store.readAll({ after: position, maxCount: batchSize });
    if (events.length > 0) {
      applied += (await applyBatch(target, projection, events.map(toProjected))).applied;
      position = (events[events.length - 1] as RecordedEvent).position;
      read += events.length;
      await reportProgress(options, position, read, started);
    }
    if (events.length < batchSize) return { status: 'caught-up', collection, position, read, applied };
  }
}
