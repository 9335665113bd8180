import type { Collection, Db, Document } from 'mongodb';
import type { EventCatalogue } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { LiveProjection } from './live-projection';
import { ProjectionState } from './projection-state';
import type { ReadModel } from './read-model';

export interface ServedReadModelOptions {
  /** The service's read-model database (connected on first use). */
  db(): Promise<Db>;
  bus: MessageBus;
  /** The service's consumer group: the live path reads in `<group>-<projection name>`. */
  consumerGroup: string;
  catalogue: Pick<EventCatalogue, 'validate'>;
  personalData: Pick<PersonalDataProtection, 'reveal'>;
  parking: StreamParking;
  onDeadLetter(reason: string): void;
}

/**
 * A read model as its service runs it: the live path fed from the model's topics while the service
 * is up, and, for readers, the collection of the build that is active now (a rebuild switches it).
 */
export class ServedReadModel {
  private live: LiveProjection | undefined;

  constructor(
    private readonly model: ReadModel,
    private readonly options: ServedReadModelOptions,
  ) {}

  async start(): Promise<void> {
    const { projection, topics } = this.model;
    this.live = new LiveProjection({
      projection,
      bus: this.options.bus,
      db: await this.options.db(),
      topics,
      groupId: `${this.options.consumerGroup}-${projection.name}`,
      catalogue: this.options.catalogue,
      personalData: this.options.personalData,
      parking: this.options.parking,
      onDeadLetter: (reason) => this.options.onDeadLetter(reason),
    });
    await this.live.start();
  }

  async stop(): Promise<void> {
    await this.live?.stop();
  }

  async collection(): Promise<Collection<Document>> {
    const db = await this.options.db();
    const { name, version } = this.model.projection;
    return db.collection(await new ProjectionState(db).active(name, version));
  }
}

/**
 * A service's read models served together: one set of options for all, each started in turn, all
 * stopped side by side (each leaves its consumer group, which takes a moment of its own).
 */
export class ServedReadModels {
  private readonly served: Map<ReadModel, ServedReadModel>;

  constructor(
    models: readonly ReadModel[],
    options: Omit<ServedReadModelOptions, 'onDeadLetter'> & {
      onDeadLetter(reason: string, projection: string): void;
    },
  ) {
    this.served = new Map(
      models.map((model) => [
        model,
        new ServedReadModel(model, {
          ...options,
          onDeadLetter: (reason) => options.onDeadLetter(reason, model.projection.name),
        }),
      ]),
    );
  }

  async start(): Promise<void> {
    for (const served of this.served.values()) await served.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.served.values()].map((served) => served.stop()));
  }

  /** The active collection of one of these read models. */
  collection(model: ReadModel): Promise<Collection<Document>> {
    const served = this.served.get(model);
    if (!served) throw new Error(`read model ${model.projection.name} is not served here`);
    return served.collection();
  }
}
