import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document } from 'mongodb';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { ServedReadModels } from '@journey/projections';
import type { ReadModel } from '@journey/projections';
import { READ_MODELS } from './read-models';

/**
 * Every analytics read model, fed live from Kafka by the shared runner (one consumer group per
 * projection) and read through the collection each one serves now (blue/green after a rebuild).
 */
@Injectable()
export class AnalyticsReadModels implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModels;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModels(READ_MODELS, {
      ...feed,
      onDeadLetter: (reason, projection) => logger.error({ reason, projection }, 'event dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.served.stop();
  }

  collection(model: ReadModel): Promise<Collection<Document>> {
    return this.served.collection(model);
  }
}
