import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Db, Document } from 'mongodb';
import { journeyCatalogue } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { InfrastructureConnections, SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
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

  constructor(
    @Inject(InfrastructureConnections) connections: InfrastructureConnections,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) logger: Logger,
  ) {
    this.served = new ServedReadModels(READ_MODELS, {
      db: async () => (await connections.readModelDb()) as unknown as Db,
      bus,
      consumerGroup: config.kafka.consumerGroup,
      catalogue: journeyCatalogue,
      personalData,
      parking,
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
