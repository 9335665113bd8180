import type { Db } from 'mongodb';
import { parsePosition } from '@journey/eventstore';
import type { EventStore, LogPosition } from '@journey/eventstore';
import type { EventPreparation, StreamParking } from '@journey/messaging';
import type { Projection } from './projection';
import { ProjectionState } from './projection-state';
import type { ProjectionStateDocument } from './projection-state';
import { replayPass } from './replay-pass';
import { ensureIndexes } from './read-model-writer';
import type { DocumentVersions, VersionCache } from './read-model-writer';
import type { ReplayParking } from './replay-pass';

export { toProjected } from './replay-pass';

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
  /** Counts events after a position, for the ETA (e.g. the PostgreSQL store's countAfter); asked once. */
  countAfter?(position: LogPosition): Promise<number>;
  /** The live path's check, upcast and opening of personal data: the store then gives sealed events. */
  preparation?: EventPreparation;
  /** Parks the streams whose events the projection cannot apply, as the live path does. */
  parking?: StreamParking;
  /** The most documents whose versions the build keeps in memory (default 200,000; see VersionCache). */
  maxCachedVersions?: number;
}

export type RebuildResult =
  | {
      status: 'switched';
      collection: string;
      previous: string | undefined;
      read: number;
      seconds: number;
      /** Events parked (with their streams) instead of applied; `journey dlq` shows them. */
      parked: number;
      /** The consumer group the parked streams now wait under. */
      parkedUnder?: string;
    }
  | { status: 'interrupted'; collection: string; position: LogPosition; read: number; parked: number };

/** The group a build parks its streams under until it serves: its own, so the live path is untouched. */
export const buildParkingGroup = (collection: string) => `rebuild.${collection}`;

/** Tells onProgress how far a replay is: events read, their rate and, from one count at the start, the ETA. */
function progressReporter(
  options: Pick<RebuildOptions, 'onProgress' | 'countAfter'>,
  from: LogPosition,
): (position: LogPosition, read: number) => Promise<void> {
  const started = Date.now();
  // One count at the start, then subtraction: counting the rest after every batch is quadratic.
  let total: Promise<number | undefined> | undefined;
  return async (position, read) => {
    if (!options.onProgress) return;
    total ??= options.countAfter
      ? options.countAfter(from).catch(() => undefined)
      : Promise.resolve(undefined);
    const all = await total;
    const eventsPerSecond = read / Math.max(0.001, (Date.now() - started) / 1000);
    const remaining = all === undefined ? undefined : Math.max(0, all - read);
    options.onProgress({
      position,
      read,
      eventsPerSecond,
      ...(remaining !== undefined ? { remaining, etaSeconds: remaining / Math.max(eventsPerSecond, 1) } : {}),
    });
  };
}

/**
 * Blue/green rebuild: replays the event store from position 0 into a new collection while the old one
 * keeps serving, records its position as it goes (so a crash resumes, not restarts), then switches the
 * projection's pointer in one update and drops the old collection. An event the projection cannot
 * apply parks its stream, as live: the build finishes, and the stream waits for a redrive.
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
  if (state?.tail && state.tail.collection === state.active) {
    // An earlier rebuild switched and stopped before its tail was replayed: finish that first.
    const tail = await replayTail(projection, store, db, state, parsePosition(state.tail.from), options);
    if (!tail.complete)
      return {
        status: 'interrupted',
        collection: state.active,
        position: tail.position,
        read: tail.read,
        parked: tail.parked,
      };
    state = await states.get(projection.name);
  }
  if (!state?.build || options.resume === false || state.build.version !== projection.version) {
    if (state?.build) await abandonBuild(db, projection.name, options.parking);
    const collection = `${projection.name}__v${projection.version}_${Date.now().toString(36)}`;
    await states.startBuild(projection.name, projection.version, collection);
    state = await states.get(projection.name);
  }
  if (!state?.build) throw new Error(`projection ${projection.name}: build state missing`);
  const build = state.build;
  const liveTopics = state.live?.topics;
  const target = db.collection(build.collection);
  await ensureIndexes(target, projection);
  const started = Date.now();
  const readBefore = build.read ?? 0;
  const from = states.buildPosition(state);
  const report = progressReporter(options, from);
  // One writer for the whole rebuild: each document's versions are read once, then kept here. A build
  // that starts from nothing knows its new collection is empty: nothing to read (see VersionCache).
  const versions: VersionCache = Object.assign(new Map<string, DocumentVersions>(), {
    complete: readBefore === 0 && (await target.estimatedDocumentCount()) === 0,
    // Bounded: a timeline's rebuild meets a document per entry (1.35 GB at 600k, measured unbounded).
    maxEntries: options.maxCachedVersions ?? 200_000,
  });
  const pass = (after: LogPosition, parking: ReplayParking | undefined, record: boolean) => {
    let read = 0;
    return replayPass(after, {
      store,
      projection,
      target,
      batchSize,
      versions,
      ...(liveTopics ? { topics: liveTopics } : {}),
      ...(options.preparation ? { preparation: options.preparation } : {}),
      ...(parking ? { parking } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      afterBatch: async (position, batchRead) => {
        read += batchRead;
        if (record) await states.recordBuildProgress(projection.name, position, readBefore + read);
        await report(position, read);
      },
    });
  };
  const buildParking = options.parking
    ? { parking: options.parking, groupId: buildParkingGroup(build.collection) }
    : undefined;

  const main = await pass(from, buildParking, true);
  if (!main.complete)
    return {
      status: 'interrupted',
      collection: target.collectionName,
      position: main.position,
      read: main.read,
      parked: main.parked,
    };

  // The streams this build parked wait, from now on, where the live path will see them: before the
  // switch, so that the live path parks their new events rather than apply them out of order.
  const liveGroup = state.live?.groupId;
  let parkedUnder = buildParking?.groupId;
  if (buildParking && liveGroup) {
    await buildParking.parking.transfer(buildParking.groupId, liveGroup);
    parkedUnder = liveGroup;
  }
  const previous = state.active !== target.collectionName ? state.active : undefined;
  await states.switchTo(projection.name, target.collectionName, projection.version, main.position);
  // Events appended while switching reached the old collection through the live path; replaying the
  // tail into the new one closes that gap. The live path holds back from the new collection until the
  // tail is done (see ProjectionState's tail), then skips what the tail applied.
  const tail = await pass(
    main.position,
    buildParking && parkedUnder ? { parking: buildParking.parking, groupId: parkedUnder } : undefined,
    false,
  );
  if (!tail.complete)
    return {
      status: 'interrupted',
      collection: target.collectionName,
      position: tail.position,
      read: main.read + tail.read,
      parked: main.parked + tail.parked,
    };
  await states.tailDone(projection.name);
  if (previous)
    await db
      .collection(previous)
      .drop()
      .catch(() => undefined);
  const parked = main.parked + tail.parked;
  return {
    status: 'switched',
    collection: target.collectionName,
    previous,
    read: main.read + tail.read,
    seconds: (Date.now() - started) / 1000,
    parked,
    ...(parked > 0 && parkedUnder ? { parkedUnder } : {}),
  };
}

/** Replays a switched build's tail into the serving collection, parking as the live path does, then
 *  lets the live path write to it again. */
async function replayTail(
  projection: Projection,
  store: EventStore,
  db: Db,
  state: ProjectionStateDocument,
  from: LogPosition,
  options: RebuildOptions,
): Promise<{ position: LogPosition; read: number; parked: number; complete: boolean }> {
  const liveGroup = state.live?.groupId;
  const result = await replayPass(from, {
    store,
    projection,
    target: db.collection(state.active),
    batchSize: options.batchSize ?? 1_000,
    ...(state.live?.topics ? { topics: state.live.topics } : {}),
    ...(options.preparation ? { preparation: options.preparation } : {}),
    ...(options.parking && liveGroup ? { parking: { parking: options.parking, groupId: liveGroup } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.complete) await new ProjectionState(db).tailDone(projection.name);
  return result;
}

/**
 * Drops a build that will not be finished: its collection, its record and what it parked. The serving
 * collection is untouched. Returns the collection dropped, or undefined when no build was under way.
 */
export async function abandonBuild(
  db: Db,
  name: string,
  parking?: StreamParking,
): Promise<string | undefined> {
  const states = new ProjectionState(db);
  const build = (await states.get(name))?.build;
  if (!build) return undefined;
  await db
    .collection(build.collection)
    .drop()
    .catch(() => undefined);
  await parking?.release(buildParkingGroup(build.collection));
  await states.dropBuild(name);
  return build.collection;
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
  parked: number;
}> {
  const state = new ProjectionState(db);
  const collection = await state.active(projection.name, projection.version);
  const live = (await state.get(projection.name))?.live;
  const liveGroup = live?.groupId;
  const report = progressReporter(options, options.from);
  let read = 0;
  const result = await replayPass(options.from, {
    store,
    projection,
    target: db.collection(collection),
    batchSize: options.batchSize ?? 1_000,
    ...(live?.topics ? { topics: live.topics } : {}),
    ...(options.preparation ? { preparation: options.preparation } : {}),
    // In place, the serving collection's parked streams are the live path's.
    ...(options.parking && liveGroup ? { parking: { parking: options.parking, groupId: liveGroup } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    afterBatch: async (position, batchRead) => {
      read += batchRead;
      await report(position, read);
    },
  });
  return {
    status: result.complete ? 'caught-up' : 'interrupted',
    collection,
    position: result.position,
    read: result.read,
    applied: result.applied,
    parked: result.parked,
  };
}
