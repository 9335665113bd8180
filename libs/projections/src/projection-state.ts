import type { Collection, Db } from 'mongodb';
import { formatPosition, parsePosition, START } from '@journey/eventstore';
import type { LogPosition } from '@journey/eventstore';

/** One document per projection, beside its read model: which collection serves, and any rebuild under way. */
export interface ProjectionStateDocument {
  _id: string;
  version: number;
  active: string;
  build?: { collection: string; version: number; position: string; read: number; startedAt: Date };
  switchedAt?: Date;
  /**
   * A rebuild's tail under way into the collection it just switched to, from this position: until it
   * is done the live path holds back from that collection, or it could apply a stream's later event
   * before the tail applies an earlier one (which the revision check would then skip for good).
   */
  tail?: { collection: string; from: string };
  /** The consumer group and topics of the live path, recorded when it starts (for lag and the CLI). */
  live?: { groupId: string; topics: string[]; startedAt: Date };
}

export const STATE_COLLECTION = 'projection_state';

export class ProjectionState {
  private readonly states: Collection<ProjectionStateDocument>;

  constructor(private readonly db: Db) {
    this.states = db.collection<ProjectionStateDocument>(STATE_COLLECTION);
  }

  async get(name: string): Promise<ProjectionStateDocument | null> {
    return this.states.findOne({ _id: name });
  }

  /** The collection that serves reads and live updates; created on first use. */
  async active(name: string, version: number): Promise<string> {
    const state = await this.get(name);
    if (state) return state.active;
    const initial = `${name}__v${version}`;
    await this.states.updateOne(
      { _id: name },
      { $setOnInsert: { version, active: initial } },
      { upsert: true },
    );
    return (await this.get(name))?.active ?? initial;
  }

  async recordLive(
    name: string,
    version: number,
    live: { groupId: string; topics: string[] },
  ): Promise<void> {
    await this.active(name, version);
    await this.states.updateOne({ _id: name }, { $set: { live: { ...live, startedAt: new Date() } } });
  }

  async list(): Promise<ProjectionStateDocument[]> {
    return this.states.find({}).sort({ _id: 1 }).toArray();
  }

  async startBuild(name: string, version: number, collection: string): Promise<void> {
    await this.states.updateOne(
      { _id: name },
      {
        $set: {
          build: { collection, version, position: formatPosition(START), read: 0, startedAt: new Date() },
        },
        $setOnInsert: { version, active: collection },
      },
      { upsert: true },
    );
  }

  /** Where the build got to, and how many events it has read in all its runs. */
  async recordBuildProgress(name: string, position: LogPosition, read: number): Promise<void> {
    await this.states.updateOne(
      { _id: name },
      { $set: { 'build.position': formatPosition(position), 'build.read': read } },
    );
  }

  buildPosition(state: ProjectionStateDocument): LogPosition {
    return state.build ? parsePosition(state.build.position) : START;
  }

  /** Forgets the build under way (its collection is the caller's to drop). */
  async dropBuild(name: string): Promise<void> {
    await this.states.updateOne({ _id: name }, { $unset: { build: '' } });
  }

  /**
   * The blue/green switch: one single-document update, so readers see the old or the new, never half.
   * The tail the caller replays next, from `tailFrom`, is recorded with it (see `tail`).
   */
  async switchTo(name: string, collection: string, version: number, tailFrom: LogPosition): Promise<void> {
    await this.states.updateOne(
      { _id: name },
      {
        $set: {
          active: collection,
          version,
          switchedAt: new Date(),
          tail: { collection, from: formatPosition(tailFrom) },
        },
        $unset: { build: '' },
      },
    );
  }

  /** The tail after a switch is replayed: the live path may write to the collection again. */
  async tailDone(name: string): Promise<void> {
    await this.states.updateOne({ _id: name }, { $unset: { tail: '' } });
  }

  /** The collection the live path writes to now, or undefined while a rebuild's tail holds it back. */
  async liveTarget(name: string, version: number): Promise<string | undefined> {
    const state = await this.get(name);
    if (!state) return this.active(name, version);
    return state.tail?.collection === state.active ? undefined : state.active;
  }
}
